"""Traffic conflicts a walker meets, the injury curves and the drivers' braking.

The surrogate measures (TTC, PET, DRAC, conflicts) are read off the vehicles
actually sampled around each crossing: for each vehicle that would reach the
walker's lane while the walker is in it, the driver sees the walker step out
(or, where parked cars hide the walker, once within the sight distance),
reacts and brakes. The expected injuries are not read off the sample (they
would be rare events): :mod:`simulator.harm` integrates them over the traffic
and fills them in. Severe injury (AIS 4+) and death follow from the impact
speed by the two curves of one source, Tefft (2013); a two-wheeler's strike
reads them at a lower speed (:meth:`InjuryModel.scaled`).

An encounter also carries the two-wheelers' part: the sampled conflicts with
e-bikes and bicycles and the part of P(severe) due to them. Within a stage
the expected counts of the two classes (cars, two-wheelers) add, so P(severe)
= 1 - exp(-(λ_car + λ_tw)) splits exactly as P x λ_tw / (λ_car + λ_tw) (the
chance that the first severe injury is a two-wheeler's); stages combine by
adding their counts (:func:`worst`), branches by averaging (:func:`blend`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from statistics import NormalDist

import numpy as np

from simulator.kernels import sum_surrogates
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

    def scaled(self, ratio: float) -> InjuryModel:
        """These curves read at ``ratio`` times the impact speed (the slopes times ``ratio``: a logistic)."""
        return InjuryModel(self.death_b0, self.death_b1 * ratio, self.severe_b0, self.severe_b1 * ratio)


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


def braking_nodes(params: Parameters, *, n: int = 3, decel: tuple[float, float] | None = None) -> Braking:
    """Equal-probability nodes of t_r ~ N(mean, sd) and a ~ N(mean, sd), as a grid.

    ``decel``: mean and sd of the deceleration (m/s²) where not the drivers'
    (two-wheelers); the floors are the drivers'.
    """
    z = np.array([NormalDist().inv_cdf((k + 0.5) / n) for k in range(n)])
    p = params
    a_mean, a_sd = (p["driver.decel_mean"], p["driver.decel_sd"]) if decel is None else decel
    tr = np.maximum(p["driver.reaction_mean"] + p["driver.reaction_sd"] * z, p["driver.reaction_min"])
    a = np.maximum(a_mean + a_sd * z, p["driver.decel_min"])
    tr_grid, a_grid = np.meshgrid(tr, a, indexing="ij")
    return Braking(tr_grid.ravel(), a_grid.ravel())


@dataclass(frozen=True)
class Encounter:
    """The worst of a walker's encounters with vehicles during one crossing stage.

    ``conflicts_tw``: the conflicts (of ``conflicts``) with two-wheelers;
    ``p_severe_tw``: the part of ``p_severe`` due to two-wheelers.
    """

    conflicts: float
    min_ttc: float
    min_pet: float
    max_drac: float
    p_impact: float
    p_death: float
    p_severe: float
    conflicts_tw: float = 0.0
    p_severe_tw: float = 0.0


NO_ENCOUNTER = Encounter(0, np.inf, np.inf, 0.0, 0.0, 0.0, 0.0)


def encounter(
    *,
    t_seen: float | Sequence[float] | np.ndarray,
    t_in: Sequence[float] | np.ndarray,
    t_out: Sequence[float] | np.ndarray,
    t_vehicle: Sequence[float] | np.ndarray,
    v: Sequence[float] | np.ndarray,
    braking: Braking,
    ttc_limit: float,
    pet_limit: float,
    drac_limit: float,
    kind: Sequence[int] | np.ndarray | None = None,
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
    kind
        Per vehicle: its kind (0 a motor vehicle, else a two-wheeler), to
        count the conflicts with two-wheelers; None: all motor vehicles.

    Notes
    -----
    A vehicle inside the walker's time in its lane has TTC = t_vehicle - t_in,
    PET 0 and DRAC = v² / 2(d - v t_r) over the distance d it had when the
    walker became visible (infinite if it can no longer stop); one outside it
    has PET to the nearer end, and is a conflict when PET < ``pet_limit``.
    The vehicles are read one by one, compiled
    (:func:`simulator.kernels.sum_surrogates`).
    """
    n = len(t_vehicle)
    if n == 0:
        return NO_ENCOUNTER
    seen = np.full(n, float(t_seen)) if isinstance(t_seen, int | float) else np.asarray(t_seen, np.float64)
    kinds = np.zeros(n, np.int8) if kind is None else np.asarray(kind, np.int8)
    sums = sum_surrogates(
        seen, np.asarray(t_in, np.float64), np.asarray(t_out, np.float64), np.asarray(t_vehicle, np.float64),
        np.asarray(v, np.float64), kinds, braking.mean_reaction, ttc_limit, pet_limit, drac_limit)
    return from_sums(n, *sums)


def from_sums(vehicles: int, conflicts: int, riders: int, min_ttc: float, min_pet: float, max_drac: float
              ) -> Encounter:
    """The encounter of ``vehicles`` sampled vehicles with these sums (:func:`encounter`): none if none."""
    if vehicles == 0:
        return NO_ENCOUNTER
    return Encounter(conflicts, float(min_ttc), float(min_pet), float(max_drac), 0.0, 0.0, 0.0, riders, 0.0)


def with_harm(enc: Encounter, p_impact: float, p_severe: float, p_death: float, p_severe_tw: float = 0.0
              ) -> Encounter:
    """The encounter with its expected injuries (from :mod:`simulator.harm`), two-wheelers' part too."""
    return Encounter(enc.conflicts, enc.min_ttc, enc.min_pet, enc.max_drac, p_impact, p_death, p_severe,
                     enc.conflicts_tw, p_severe_tw)


def blend(a: Encounter, b: Encounter, p: float) -> Encounter:
    """Expected values over two branches: ``a`` with probability 1 - p, ``b`` with p.

    The probabilities are averaged (the two-wheelers' part too: a mixture
    of branches is linear in them); the sampled surrogates (conflicts and
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
        a.conflicts_tw,
        (1 - p) * a.p_severe_tw + p * b.p_severe_tw,
    )


def worst(a: Encounter, b: Encounter) -> Encounter:
    """Combine two stages of one crossing.

    The two-wheelers' part of P(severe) is split by the stages' expected
    counts, -ln(1 - p), which add over independent stages (within a stage the
    split is by expected counts too: :meth:`simulator.harm.Harm.severe_tw_probability`).
    """
    p_severe = 1 - (1 - a.p_severe) * (1 - b.p_severe)
    return Encounter(
        a.conflicts + b.conflicts,
        min(a.min_ttc, b.min_ttc),
        min(a.min_pet, b.min_pet),
        max(a.max_drac, b.max_drac),
        1 - (1 - a.p_impact) * (1 - b.p_impact),
        1 - (1 - a.p_death) * (1 - b.p_death),
        p_severe,
        a.conflicts_tw + b.conflicts_tw,
        _combined_part(a.p_severe, a.p_severe_tw, b.p_severe, b.p_severe_tw, p_severe),
    )


def _combined_part(pa: float, part_a: float, pb: float, part_b: float, p: float) -> float:
    """The two-wheelers' part of ``p`` = 1 - (1 - pa)(1 - pb), by the stages' expected counts."""
    if part_a <= 0 and part_b <= 0:
        return 0.0
    la, lb = _count(pa), _count(pb)
    if not math.isfinite(la + lb):
        return p * (part_a + part_b) / max(pa + pb, 1e-300)
    rider = (la * part_a / pa if pa > 0 else 0.0) + (lb * part_b / pb if pb > 0 else 0.0)
    return p * rider / (la + lb) if la + lb > 0 else 0.0


def _count(p: float) -> float:
    """The expected count behind a probability of at least one: -ln(1 - p)."""
    return -math.log1p(-p) if p < 1 else math.inf
