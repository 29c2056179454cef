"""Vehicle streams: Poisson arrivals by thinning, seeded by run and crossing (CRN)."""

from __future__ import annotations

from dataclasses import dataclass
from threading import Thread

import numpy as np
import pytest

from simulator.traffic import constant, make_stream, piecewise_linear, recent_stream, stream_seed

MAX_RATE = 1800 / 3600.0


def stream(rate_vph: float = 600.0, kmh: float = 50.0, *, seed: int = 1, crossing: str = "x1-2",
           lanes=(2, 2), end: float = 3600.0, rate_fn=None):
    rate = rate_fn or constant(rate_vph / 3600.0)
    return make_stream(**inputs(seed=seed, crossing_id=crossing, lanes=lanes, rate=(rate, rate),
                                mean_speed=(constant(kmh / 3.6),) * 2, end=end))


def test_same_seed_and_crossing_same_stream():
    a, b = stream(), stream()
    for name in ("t", "speed", "direction", "lane", "u_yield"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_seed_and_crossing_change_the_stream():
    a = stream()
    assert not np.array_equal(a.t[:50], stream(seed=2).t[:50])
    assert not np.array_equal(a.t[:50], stream(crossing="x2-1").t[:50])
    assert stream_seed(1, "x1-2", 0, 1) != stream_seed(1, "x1-2", 1, 0)


def test_sorted_and_labelled():
    s = stream()
    assert np.all(np.diff(s.t) >= 0)
    assert set(np.unique(s.direction)) == {0, 1} and set(np.unique(s.lane)) == {0, 1}
    assert np.all((s.u_yield >= 0) & (s.u_yield < 1))
    assert np.all(s.speed >= 1.0)
    one = s.only(1).only_lane(0)
    assert np.all(one.direction == 1) and np.all(one.lane == 0) and 0 < len(one) < len(s)


def test_poisson_count_per_lane():
    """Counts over 10 hours at 600 veh/h/lane: within 4 standard deviations of the mean."""
    s = stream(600.0, end=36000.0, lanes=(1, 2))
    expected = 600.0 * 10
    for d, k in ((0, 0), (1, 0), (1, 1)):
        n = len(s.only(d).only_lane(k))
        assert abs(n - expected) < 4 * np.sqrt(expected), (d, k, n)
    # exponential headways: coefficient of variation about 1
    h = np.diff(s.only(0).t)
    assert h.std() / h.mean() == pytest.approx(1.0, abs=0.05)


def test_thinning_keeps_common_vehicles():
    """A lower volume keeps a subset of the same vehicles, with the same yield numbers (CRN)."""
    hi, lo = stream(900.0), stream(300.0)
    assert len(lo) < len(hi)
    assert np.isin(lo.t, hi.t).all()
    idx = np.searchsorted(hi.t, lo.t)
    np.testing.assert_array_equal(hi.u_yield[idx], lo.u_yield)
    np.testing.assert_array_equal(hi.speed[idx], lo.speed)


def test_speed_change_keeps_times_and_scales_speeds():
    a, b = stream(kmh=50.0), stream(kmh=30.0)
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_array_equal(a.u_yield, b.u_yield)
    np.testing.assert_allclose(b.speed, a.speed * 30.0 / 50.0, rtol=1e-12)
    assert a.speed.mean() == pytest.approx(50 / 3.6, rel=0.02)


def test_time_varying_rate():
    """Thinning follows the profile: no vehicles while the rate is zero, all of them at the cap."""
    profile = piecewise_linear([0, 1800, 1800.001, 3600], [0, 0, MAX_RATE, MAX_RATE])
    s = stream(rate_fn=profile, lanes=(1, 0))
    assert not np.any(s.t < 1800.0)
    full = stream(rate_fn=constant(MAX_RATE), lanes=(1, 0))
    np.testing.assert_array_equal(s.t, full.t[full.t >= 1800.001])


def test_no_lanes_no_vehicles():
    s = stream(lanes=(0, 0))
    assert len(s) == 0


def inputs(**change) -> dict:
    rate = constant(600.0 / 3600.0)
    return {"seed": 1, "crossing_id": "x1-2", "lanes": (2, 2), "rate": (rate, rate),
            "mean_speed": (constant(50 / 3.6),) * 2, "speed_cv": 0.12, "max_rate": MAX_RATE, "start": 0.0,
            "end": 3600.0} | change


def test_a_seeds_streams_are_drawn_once_and_are_the_drawn_streams():
    first = recent_stream(**inputs())
    assert recent_stream(**inputs()) is first  # equal inputs (new but equal functions): the kept stream
    fresh = make_stream(**inputs())
    for name in ("t", "speed", "direction", "lane", "u_yield", "kind"):
        np.testing.assert_array_equal(getattr(first, name), getattr(fresh, name))
    busier = recent_stream(**inputs(rate=(constant(900 / 3600.0),) * 2))
    assert busier is not first and len(busier) > len(first)  # changed traffic: drawn for it
    assert recent_stream(**inputs(seed=2)) is not first
    assert recent_stream(**inputs()) is not first  # only the latest seed's streams are kept


def test_a_function_that_cannot_be_a_key_is_drawn_anew():
    @dataclass  # mutable: unhashable, so it cannot key a kept stream
    class Rate:
        per_s: float

        def __call__(self, t):
            return np.full(np.shape(t), self.per_s)

    unkeyable = inputs(rate=(Rate(0.2), Rate(0.2)))
    assert recent_stream(**unkeyable) is not recent_stream(**unkeyable)


def test_models_in_several_threads_get_their_own_seeds_streams():
    wrong: list[int] = []

    def work(seed: int) -> None:
        for _ in range(40):
            kept = recent_stream(**inputs(seed=seed))
            if not np.array_equal(kept.t, make_stream(**inputs(seed=seed)).t):
                wrong.append(seed)

    threads = [Thread(target=work, args=(seed,)) for seed in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
