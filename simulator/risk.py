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

from dataclasses import dataclass
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
    t_seen: float | np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    t_vehicle: np.ndarray,
    v: np.ndarray,
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
    """
    if t_vehicle.size == 0:
        return NO_ENCOUNTER
    inside = (t_vehicle >= t_in) & (t_vehicle <= t_out)
    pet = np.where(t_vehicle < t_in, t_in - t_vehicle, t_vehicle - t_out)
    pet = np.where(inside, 0.0, pet)
    ttc = np.where(inside, t_vehicle - t_in, np.inf)
    seen = np.broadcast_to(np.asarray(t_seen, dtype=float), t_vehicle.shape)
    d = v * np.maximum(t_vehicle - seen, 0.0)
    free = d - v * braking.reaction.mean()
    drac = np.where(inside, np.where(free > 0, v**2 / (2 * np.maximum(free, 1e-9)), np.inf), 0.0)
    conflict = inside & ((ttc < ttc_limit) | (drac > drac_limit)) | (~inside & (pet < pet_limit))
    return Encounter(
        conflicts=int(conflict.sum()),
        min_ttc=float(ttc.min()),
        min_pet=float(pet[~inside].min()) if (~inside).any() else np.inf,
        max_drac=float(drac.max()),  # inf where some driver can no longer stop
        p_impact=0.0,
        p_death=0.0,
        p_severe=0.0,
    )


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
