"""Traffic conflicts a walker meets, the injury curves and the drivers' braking.

The surrogate measures (TTC, PET, DRAC, conflicts) are read off the vehicles
actually sampled around each crossing: for each vehicle that would reach the
walker's lane while the walker is in it, the driver sees the walker step out
(or, where parked cars hide the walker, once within the sight distance),
reacts and brakes. The expected injuries are not read off the sample (they
would be rare events): :mod:`simulator.harm` integrates them over the traffic
and fills them in. Severe injury (AIS 4+) and death follow from the impact
speed by the two curves of one source, Tefft (2013).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from statistics import NormalDist

import numpy as np

from simulator.params import Parameters

MPH = 1.609344  # km/h per mph
QUANTILES = np.array([0.10, 0.25, 0.50, 0.75, 0.90])
"""The risk levels at which Tefft (2013) gives impact speeds."""


@dataclass(frozen=True)
class InjuryModel:
    """Impact speed (km/h) to probability of death and of severe injury."""

    death_b0: float
    death_b1: float
    severe_b0: float
    severe_b1: float

    def death(self, v_kmh: np.ndarray) -> np.ndarray:
        """P(death | impact at v km/h)."""
        return 1.0 / (1.0 + np.exp(self.death_b0 - self.death_b1 * v_kmh))

    def severe(self, v_kmh: np.ndarray) -> np.ndarray:
        """P(AIS 4+ | impact at v km/h)."""
        return 1.0 / (1.0 + np.exp(self.severe_b0 - self.severe_b1 * v_kmh))


def injury_model(params: Parameters) -> InjuryModel:
    """Both curves as logistics fitted to Tefft's impact speeds at 10, 25, 50, 75 and 90% risk."""
    death = _logistic(params["injury.death_quantiles_mph"])
    severe = _logistic(params["injury.severe_quantiles_mph"])
    return InjuryModel(*death, *severe)


def _logistic(speeds_mph: list[float]) -> tuple[float, float]:
    slope, intercept = np.polyfit(np.asarray(speeds_mph, float) * MPH, np.log(QUANTILES / (1 - QUANTILES)), 1)
    return float(-intercept), float(slope)


@dataclass(frozen=True)
class Braking:
    """Quadrature nodes (equal weights) of driver reaction time and deceleration."""

    reaction: np.ndarray
    decel: np.ndarray

    @cached_property
    def mean_reaction(self) -> float:
        """The mean reaction time over the nodes, s."""
        return float(self.reaction.mean())


def braking_nodes(params: Parameters, *, n: int = 3) -> Braking:
    """Equal-probability nodes of t_r ~ N(mean, sd) and a ~ N(mean, sd), as a grid."""
    z = np.array([NormalDist().inv_cdf((k + 0.5) / n) for k in range(n)])
    p = params
    tr = np.maximum(p["driver.reaction_mean"] + p["driver.reaction_sd"] * z, p["driver.reaction_min"])
    a = np.maximum(p["driver.decel_mean"] + p["driver.decel_sd"] * z, p["driver.decel_min"])
    tr_grid, a_grid = np.meshgrid(tr, a, indexing="ij")
    return Braking(tr_grid.ravel(), a_grid.ravel())


@dataclass(frozen=True)
class Encounter:
    """The worst of a walker's encounters with vehicles during one crossing stage."""

    conflicts: float
    min_ttc: float
    min_pet: float
    max_drac: float
    p_impact: float
    p_death: float
    p_severe: float


NO_ENCOUNTER = Encounter(0, np.inf, np.inf, 0.0, 0.0, 0.0, 0.0)


def encounter(
    *,
    t_seen: float | Sequence[float],
    t_in: Sequence[float],
    t_out: Sequence[float],
    t_vehicle: Sequence[float],
    v: Sequence[float],
    braking: Braking,
    ttc_limit: float,
    pet_limit: float,
    drac_limit: float,
) -> Encounter:
    """Surrogate measures for the sampled vehicles near a walker's path (expected injuries 0: see harm).

    Parameters
    ----------
    t_seen
        When drivers can first see the walker, s: one time for every vehicle
        (stepping off the kerb), or one per vehicle (later where parked cars
        hide the walker until the vehicle is within the sight distance).
        A later ``t_seen`` never lowers the risk: the driver brakes later.
    t_in, t_out
        Per vehicle: when the walker enters and leaves that vehicle's lane, s.
    t_vehicle
        Per vehicle: arrival at the conflict point at constant speed, s.
    v
        Per vehicle: speed, m/s.
    braking
        Driver response nodes (their mean reaction time sets DRAC).
    ttc_limit, pet_limit, drac_limit
        Conflict thresholds (s, s, m/s²).

    Notes
    -----
    A vehicle inside the walker's time in its lane has TTC = t_vehicle - t_in,
    PET 0 and DRAC = v² / 2(d - v t_r) over the distance d it had when the
    walker became visible (infinite if it can no longer stop); one outside it
    has PET to the nearer end, and is a conflict when PET < ``pet_limit``.
    The few vehicles of a crossing are read one by one, in Python floats.
    """
    n = len(t_vehicle)
    if n == 0:
        return NO_ENCOUNTER
    seen_at: Sequence[float] = [float(t_seen)] * n if isinstance(t_seen, int | float) else t_seen
    reaction = braking.mean_reaction
    conflicts, min_ttc, min_pet, max_drac = 0, math.inf, math.inf, 0.0
    for seen, a, b, tv, speed in zip(seen_at, t_in, t_out, t_vehicle, v, strict=True):
        if a <= tv <= b:
            ttc = tv - a
            free = speed * max(tv - seen, 0.0) - speed * reaction
            drac = speed * speed / (2 * max(free, 1e-9)) if free > 0 else math.inf
            conflicts += ttc < ttc_limit or drac > drac_limit
            min_ttc, max_drac = min(min_ttc, ttc), max(max_drac, drac)
        else:
            pet = a - tv if tv < a else tv - b
            conflicts += pet < pet_limit
            min_pet = min(min_pet, pet)
    return Encounter(conflicts, float(min_ttc), float(min_pet), float(max_drac), 0.0, 0.0, 0.0)


def with_harm(enc: Encounter, p_impact: float, p_severe: float, p_death: float) -> Encounter:
    """The encounter with its expected injuries (from :mod:`simulator.harm`)."""
    return Encounter(enc.conflicts, enc.min_ttc, enc.min_pet, enc.max_drac, p_impact, p_death, p_severe)


def blend(a: Encounter, b: Encounter, p: float) -> Encounter:
    """Expected values over two branches: ``a`` with probability 1 - p, ``b`` with p.

    The probabilities are averaged; the sampled surrogates (conflicts and
    their extremes) stay those of ``a``, the branch that was walked.
    """
    if p <= 0:
        return a
    return Encounter(
        a.conflicts,
        a.min_ttc,
        a.min_pet,
        a.max_drac,
        (1 - p) * a.p_impact + p * b.p_impact,
        (1 - p) * a.p_death + p * b.p_death,
        (1 - p) * a.p_severe + p * b.p_severe,
    )


def worst(a: Encounter, b: Encounter) -> Encounter:
    """Combine two stages of one crossing."""
    return Encounter(
        a.conflicts + b.conflicts,
        min(a.min_ttc, b.min_ttc),
        min(a.min_pet, b.min_pet),
        max(a.max_drac, b.max_drac),
        1 - (1 - a.p_impact) * (1 - b.p_impact),
        1 - (1 - a.p_death) * (1 - b.p_death),
        1 - (1 - a.p_severe) * (1 - b.p_severe),
    )
