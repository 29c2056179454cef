"""The compiled kerb loops (simulator/kernels.py) give exactly what their definitions give."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.harm import HitTable, Judgement, hit_table, joined
from simulator.kerbdata import Risk
from simulator.kernels import (
    DEADLINE,
    HELD_LANE,
    line_rates,
    pick_vehicles,
    roll_lanes,
    scan_gaps,
    sum_surrogates,
)
from simulator.params import default_parameters
from simulator.traffic import Stream

EX = Risk.from_params(default_parameters()).exposure

judgements = st.one_of(
    st.builds(Judgement, need=st.one_of(st.floats(0.0, 12.0), st.just(math.inf)), sigma=st.floats(0.0, 0.8),
              time_weight=st.sampled_from([0.0, 0.4, 1.0]), ref_speed=st.floats(5.0, 15.0)),
    st.builds(Judgement, need=st.floats(0.0, 5.0), sigma=st.just(0.0), min_lag=st.floats(0.0, 3.0)),
)


def table(seed: int, *, lanes: int, sight: bool) -> HitTable:
    rng = np.random.default_rng(seed)
    built = hit_table(entry=np.sort(rng.uniform(0.2, 4.0, lanes)), width=3.25, walker_speed=1.1,
                      mean_speed=rng.uniform(4.0, 17.0, lanes), exposure=EX,
                      sight=rng.uniform(5.0, 60.0, lanes) if sight else None)
    assert built is not None
    return built


def by_numpy(t: HitTable, rate: np.ndarray, judgement: Judgement, link: float,
             judged_from: np.ndarray | None) -> np.ndarray:
    """The expected counts as NumPy defines them: the judgement's acceptance over every node."""
    s = t.s if judged_from is None else t.s - judged_from[t.lane_of][:, None, None]
    accept = np.where(t.hidden, 1.0, judgement.accept(s, t.v) * np.ones(t.s.shape))
    per_node = (link * rate[t.lane_of] * t.weight)[:, None, None] * accept
    return t._flat @ per_node.ravel()  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None)
@given(judgement=judgements, seed=st.integers(0, 10_000), lanes=st.integers(1, 4), sight=st.booleans(),
       looks=st.booleans(), riders=st.booleans())
def test_harm_is_numpy_interp_of_the_judgement_to_the_last_bit(judgement, seed, lanes, sight, looks, riders):
    t = table(seed, lanes=lanes, sight=sight)
    if riders:  # a two-wheeler table joined after the cars': a fourth sum, the riders' severe injuries
        joint = joined([t, table(seed + 2, lanes=1, sight=sight)], [lanes, 1], [False, True])
        assert joint is not None
        t, lanes = joint, lanes + 1
    rng = np.random.default_rng(seed + 1)
    rate = rng.uniform(0.0, 0.3, lanes)
    judged_from = np.sort(rng.uniform(0.0, 3.0, lanes)) if looks else None
    got = t.harm(rate, judgement, 1e-4, judged_from=judged_from)
    want = by_numpy(t, rate, judgement, 1e-4, judged_from)
    assert [got.impact, got.severe, got.death, got.severe_tw][:want.size] == want.tolist()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), lanes=st.integers(1, 4), share=st.sampled_from([0.0, 0.3, 1.0]),
       riders=st.sampled_from([(), (0,), (0, 3)]))
def test_line_rates_are_the_numpy_expression_to_the_last_bit(seed, lanes, share, riders):
    where = tuple(i for i in riders if i < lanes)
    rng = np.random.default_rng(seed)
    waits, rate = rng.exponential(4.0, lanes - 1), rng.uniform(0.0, 0.3, lanes)
    rider_rate, rider_share = rng.uniform(0.0, 0.1, 2 * len(where)), float(rng.uniform())
    beside = np.zeros(lanes)  # the NumPy code the kernel replaced
    beside[:-1] += waits
    beside[1:] += waits
    x = beside * rate * share
    if where:
        waiting = (rider_rate.reshape(2, len(where)) * beside[list(where)]).sum(axis=1) * rider_share
        x = np.concatenate([x, waiting])
    got = line_rates(waits, rate, share, rider_rate, np.array(where, np.int64), rider_share)
    assert got.tolist() == x.tolist()


def stream(seed: int, n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    kind = np.where(rng.uniform(size=n) < 0.2, rng.integers(1, 3, n), 0).astype(np.int8)
    lane = rng.integers(0, 3, n).astype(np.int8)
    direction = rng.integers(0, 2, n).astype(np.int8)
    t, speed = np.sort(rng.uniform(0.0, 300.0, n)), rng.uniform(2.0, 17.0, n)
    return t, speed, direction, lane, rng.uniform(size=n), kind


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 120), start=st.floats(0.0, 200.0),
       patience=st.one_of(st.floats(0.0, 60.0), st.just(math.inf)),
       time_weight=st.sampled_from([0.0, 0.5, 1.0]),
       inattentive=st.booleans(), yield_rate=st.floats(0.0, 1.0), sight=st.booleans(),
       deadline=st.one_of(st.just(math.inf), st.floats(0.0, 100.0)))
def test_compiled_gap_scan_is_its_python_source(seed, n, start, patience, time_weight, inattentive,
                                                yield_rate, sight, deadline):
    """The machine code does what the Python reads (the same IEEE operations, the same lanes held)."""
    args = (*stream(seed, n), start, start, start + deadline, patience, 4.5, 3.0,
            inattentive or time_weight >= 1, inattentive, 11.1, 1.0 - time_weight, 0.25, 3.0, yield_rate, 1.2,
            6.0, 4.0, np.random.default_rng(seed).uniform(10.0, 80.0, (2, 3)), sight)
    compiled, python = scan_gaps(*args), scan_gaps.py_func(*args)
    assert compiled[:3] == python[:3]
    assert compiled[3].tolist() == python[3].tolist()
    assert compiled[1] != DEADLINE or compiled[0] == start + deadline
    lanes = {(c // HELD_LANE, c % HELD_LANE // 2, c % 2) for c in compiled[3].tolist()}
    assert all(d in (0, 1) and 0 <= k < 3 for d, k, _ in lanes)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 80), start=st.floats(0.0, 250.0),
       one=st.sampled_from([-1, 0, 1]), only_lane=st.booleans(), near=st.integers(0, 1), sight=st.booleans(),
       held=st.lists(st.integers(0, 2047)))
def test_compiled_vehicle_pick_and_surrogates_are_their_python_source(seed, n, start, one, only_lane, near,
                                                                       sight, held):
    t, v, d, ln, _, kd = stream(seed, n)
    args = (t, v, d, ln, kd, start - 3.0, start + 12.0, start, np.array(held, np.int64), one, only_lane, near,
            np.array([3, 3]), np.array([0, 3]) if near == 0 else np.array([3, 0]), start + 1.0, 3.25, 1.1,
            3.25 / 1.1, np.random.default_rng(seed).uniform(10.0, 80.0, (2, 3)), sight)
    compiled, python = pick_vehicles(*args), pick_vehicles.py_func(*args)
    assert [c.tolist() for c in compiled] == [p.tolist() for p in python]
    t_in, t_out, seen, t_vehicle, speed, kind = compiled
    limits = (0.8, 1.5, 3.0, 4.0)
    assert (sum_surrogates(seen, t_in, t_out, t_vehicle, speed, kind, *limits)
            == sum_surrogates.py_func(seen, t_in, t_out, t_vehicle, speed, kind, *limits))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 150), start=st.floats(0.0, 250.0),
       time_weight=st.sampled_from([0.0, 0.5, 1.0]), yield_rate=st.floats(0.0, 1.0), sight=st.booleans(),
       surrogates=st.booleans())
def test_compiled_lane_by_lane_is_its_python_source(seed, n, start, time_weight, yield_rate, sight,
                                                    surrogates):
    t, v, d, ln, u, kd = stream(seed, n)
    s = Stream(t, v, d, ln, u, kd)
    order = ((0, 0), (0, 1), (0, 2), (1, 2), (1, 1), (1, 0))
    columns = s.in_lanes(order)
    for i, (direction, lane) in enumerate(order):  # lane after lane, each the lane's own stream
        part = slice(columns[6][i], columns[6][i + 1])
        np.testing.assert_array_equal(columns[0][part], s.of_lane(direction, lane).t)
    table = np.random.default_rng(seed).uniform(10.0, 80.0, (2, 3))
    args = (*columns, start, start + 1.0, 2.5, time_weight >= 1, 11.1, 1.0 - time_weight, 0.25, 3.0,
            yield_rate, 1.2, 6.0, 4.0, table, sight, 1.0, 3.25, 1.1, surrogates, table, sight, 1.2, 1.5, 1.5,
            3.0)
    compiled, python = roll_lanes(*args), roll_lanes.py_func(*args)
    assert compiled[2].tolist() == python[2].tolist()
    assert compiled[:2] + compiled[3:] == python[:2] + python[3:]
