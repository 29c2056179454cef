"""Closed-form checks: the kerb model against the Highway Capacity Manual.

Where the HCM's assumptions hold (Poisson traffic, a fixed critical headway,
independent yielding, uniform arrivals at signals) the simulated mean delay
must agree with:

* HCM 2010 Eq. 19-75: d_g = (e^(v t_c) - v t_c - 1) / v and
  P_d = 1 - e^(-v t_c) (unsignalised, no yielding);
* HCM 2010 Eq. 18-71: d_p = (C - g)^2 / (2C) (signalised, full compliance).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from simulator.crossing import Signal
from simulator.kerb import Risk, Road, cross
from simulator.kerbdata import Flow
from simulator.kerbinputs import hcm_walker
from simulator.params import Parameters, default_parameters
from simulator.traffic import constant, make_stream


def hcm_unsignalised_delay(flow_vph: float, critical_headway: float) -> tuple[float, float]:
    """Mean delay d_g (s) and probability of waiting P_d, HCM 2010 Eq. 19-74 to 19-76."""
    v = flow_vph / 3600.0
    if v == 0:
        return 0.0, 0.0
    vt = v * critical_headway
    return (math.exp(vt) - vt - 1.0) / v, 1.0 - math.exp(-vt)


def hcm_signalised_delay(cycle: float, green: float) -> float:
    """Mean pedestrian delay at a signal, d_p = (C - g)^2 / (2C), HCM 2010 Eq. 18-71."""
    return (cycle - green) ** 2 / (2.0 * cycle)


@dataclass(frozen=True)
class CrossingCase:
    """One crossing with Poisson traffic and independent pedestrians."""

    flow: float
    length: float
    walk_speed: float = 1.07
    startup: float = 3.0
    yield_rate: float = 0.0
    signal: tuple[float, float] | None = None
    crossings: int = 5000
    seed: int = 1


Z_LIMIT = 3.0
"""A case passes when its simulated mean delay is within this many standard errors of the closed form
(the closed form is exact; the simulation's mean has a standard error: a correct model fails a case
with probability 0.27%)."""


@dataclass(frozen=True)
class CaseResult:
    """Simulated and closed-form delay for a :class:`CrossingCase`."""

    mean_delay_s: float
    stderr_s: float
    p_wait: float
    p_wait_stderr: float
    crossings: int
    closed_form_delay_s: float | None
    closed_form_p_wait: float | None
    critical_headway_s: float
    flow_vph: float
    length_m: float

    def as_dict(self) -> dict[str, float | int | None]:
        """A JSON-ready mapping."""
        return asdict(self)

    @property
    def z(self) -> float | None:
        """Standard errors between the simulated and the closed-form mean delay (None: no closed form)."""
        if self.closed_form_delay_s is None:
            return None
        if self.stderr_s == 0:  # every pedestrian waited exactly the same
            return 0.0 if self.mean_delay_s == self.closed_form_delay_s else math.copysign(
                math.inf, self.mean_delay_s - self.closed_form_delay_s)
        return (self.mean_delay_s - self.closed_form_delay_s) / self.stderr_s

    @property
    def passed(self) -> bool | None:
        """Whether |z| < :data:`Z_LIMIT` (None: no closed form to check against)."""
        z = self.z
        return None if z is None else bool(abs(z) < Z_LIMIT)


def simulate_case(case: CrossingCase, *, params: Parameters | None = None) -> CaseResult:
    """Simulate ``case.crossings`` independent pedestrians at one crossing.

    Adults with a time-based critical headway t_c = L/S_p + t_s, no platooning,
    no impatience. Pedestrians arrive far enough apart (many expected delays)
    that their waits are independent; traffic is split evenly over two
    directions of one lane each, so the total is Poisson with rate ``flow``.
    """
    params = params or default_parameters()
    risk = Risk.from_params(params)
    tc = case.length / case.walk_speed + case.startup
    d_g, p_d = hcm_unsignalised_delay(case.flow, tc)
    signal = Signal(case.signal[0], case.signal[1]) if case.signal else None
    expected = hcm_signalised_delay(*case.signal) if case.signal else d_g
    spacing = max(60.0, 20.0 * (expected + tc))
    walker = hcm_walker(params, speed=case.walk_speed, startup=case.startup)
    rng = np.random.default_rng([case.seed, 0])
    waits = np.empty(case.crossings)
    # pedestrians per stream: about two million vehicles at most, whatever the flow and spacing
    vehicles_per_spacing = max(case.flow / 3600.0 * spacing, 1e-9)
    block = int(max(1, min(500, 2e6 / vehicles_per_spacing - 11)))
    for b in range(0, case.crossings, block):
        n = min(block, case.crossings - b)
        horizon = (n + 1) * spacing
        flow = Flow(rate=(constant(case.flow / 7200.0),) * 2, mean_speed=(constant(50 / 3.6),) * 2)
        stream = make_stream(
            seed=case.seed, crossing_id=f"validation-{b}", lanes=(1, 1), rate=flow.rate,
            mean_speed=flow.mean_speed,
            speed_cv=0.1, max_rate=max(case.flow / 7200.0, 1e-9), start=0.0, end=horizon + 10 * spacing,
        )
        road = Road(length=case.length, lanes=(1, 1), near=0, stream=stream, yield_rate=case.yield_rate,
                    signal=signal, refuge=False, stop_reaction=params["driver.reaction_mean"],
                    stop_decel=params["yield.comfortable_decel"], flow=flow)
        arrivals = (np.arange(n) + rng.uniform(0.0, 1.0, n)) * spacing
        if signal is not None:
            arrivals = arrivals + rng.uniform(0.0, signal.cycle, n)
        for k, t0 in enumerate(arrivals):
            waits[b + k] = cross(road, walker, float(t0), risk).wait
    n = waits.size
    p_wait = float(np.mean(waits > 1e-9))
    return CaseResult(
        mean_delay_s=float(waits.mean()),
        stderr_s=float(waits.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf,
        p_wait=p_wait,
        p_wait_stderr=math.sqrt(max(p_wait * (1 - p_wait), 1e-12) / n),
        crossings=n,
        closed_form_delay_s=expected if case.yield_rate == 0 or signal else None,
        closed_form_p_wait=None if signal else (p_d if case.yield_rate == 0 else None),
        critical_headway_s=tc,
        flow_vph=case.flow,
        length_m=case.length,
    )


STANDARD_CASES = (
    CrossingCase(flow=300, length=7.0),
    CrossingCase(flow=600, length=7.0),
    CrossingCase(flow=900, length=10.5),
    CrossingCase(flow=400, length=14.0),
    CrossingCase(flow=600, length=7.0, signal=(90.0, 25.0)),
    CrossingCase(flow=900, length=21.0, signal=(120.0, 30.0)),
)
"""The cases ``saferoute validate`` runs by default."""
