"""Conflicts and expected injury when a walker steps out in front of a vehicle.

For each vehicle that would reach the walker's lane while the walker is in it,
the driver sees the walker step out (or, where parked cars hide the walker,
once within the sight distance), reacts after t_r and brakes at a. Over a
fixed quadrature of (t_r, a) this gives the probability of impact and the
expected probabilities of death (Rosén & Sander 2009) and severe injury
(Tefft 2013) -- expected values, not sampled crashes, so scenario differences
show with tens of replications.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulator.params import Parameters

MPH = 1.609344  # km/h per mph


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
    """Build the curves: Rosén & Sander logistic; a logistic fitted to Tefft's quantiles."""
    b0, b1 = params["injury.death_logit"]
    q_mph = np.asarray(params["injury.severe_quantiles_mph"], float)
    p = np.array([0.10, 0.25, 0.50, 0.75, 0.90])
    slope, intercept = np.polyfit(q_mph * MPH, np.log(p / (1 - p)), 1)
    return InjuryModel(float(b0), float(b1), float(-intercept), float(slope))


@dataclass(frozen=True)
class Braking:
    """Quadrature nodes (equal weights) of driver reaction time and deceleration."""

    reaction: np.ndarray
    decel: np.ndarray


def braking_nodes(params: Parameters, *, n: int = 7) -> Braking:
    """Equal-probability nodes of t_r ~ N(mean, sd) and a ~ N(mean, sd), as a grid."""
    q = (np.arange(n) + 0.5) / n
    z = stats.norm.ppf(q)
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
    injury: InjuryModel,
    ttc_limit: float,
    pet_limit: float,
    drac_limit: float,
) -> Encounter:
    """Surrogate measures and expected injury for vehicles near a walker's path.

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
    braking, injury
        Driver response nodes and injury curves.
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
    p_imp = p_death = p_sev = 0.0
    if inside.any():
        vi, di, ti_out, tv = v[inside, None], d[inside, None], t_out[inside, None], t_vehicle[inside, None]
        ts = seen[inside, None]
        tr, a = braking.reaction[None, :], braking.decel[None, :]
        d_brake = di - vi * tr
        v2 = vi**2 - 2 * a * np.maximum(d_brake, 0.0)
        reaches = v2 > 0
        v_hit = np.sqrt(np.maximum(v2, 0.0))
        t_hit = np.where(d_brake <= 0, tv, ts + tr + (vi - v_hit) / a)
        hit = reaches & (t_hit <= ti_out)
        v_kmh = v_hit * 3.6
        # a walker is hit at most once: combine vehicles as independent chances
        p_hit_each = hit.mean(axis=1)
        p_imp = 1.0 - float(np.prod(1.0 - p_hit_each))
        p_death = 1.0 - float(np.prod(1.0 - (hit * injury.death(v_kmh)).mean(axis=1)))
        p_sev = 1.0 - float(np.prod(1.0 - (hit * injury.severe(v_kmh)).mean(axis=1)))
    return Encounter(
        conflicts=int(conflict.sum()),
        min_ttc=float(ttc.min()),
        min_pet=float(pet[~inside].min()) if (~inside).any() else np.inf,
        max_drac=float(drac[np.isfinite(drac)].max())
        if np.isfinite(drac).any()
        else (np.inf if inside.any() else 0.0),
        p_impact=p_imp,
        p_death=p_death,
        p_severe=p_sev,
    )


def blend(a: Encounter, b: Encounter, p: float) -> Encounter:
    """Expected values over two branches: ``a`` with probability 1 - p, ``b`` with p.

    Counts and probabilities are averaged; the surrogate extremes stay those
    of ``a``, the branch that was walked.
    """
    if p <= 0:
        return a
    return Encounter(
        (1 - p) * a.conflicts + p * b.conflicts,
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
