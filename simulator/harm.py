"""Expected injury of one crossing stage, integrated over the traffic the walker could meet.

A walker's risk is not read off the one sampled stream (where it would be a
rare event, and exactly zero for every careful crossing); it is the expected
value over the Poisson traffic of each lane at that minute, given how the
walker decides. For lane k of a stage the walker is in the vehicle's path
(the middle ``path`` metres of the lane: a car's width plus a child's) from
A_k to B_k after the decision (:func:`hit_table`). A vehicle of speed v that would reach the
crosswalk at s in [A_k, B_k] is a would-be impact. It becomes one when

* the walker steps out with it there: with probability
  Phi(ln(s / (need x ratio(v))) / sigma) for a walker who judges gaps
  (``need`` the critical gap, ``ratio`` the distance rule of young children,
  ``sigma`` the spread of the judgement error), always for a vehicle hidden
  behind parked cars, and for one at least ``min_lag`` away for a walker who
  does not look (the inattentive, the walker on the green man);
* its driver, who detects the walker once it is in that lane, reacts after
  t_r and brakes at a (quadrature nodes), and still reaches the crosswalk
  before the walker leaves the path: walking on, running, or stepping back
  (the shares seen in the field);
* and the last-moment evasion the model does not represent (swerving,
  anticipation) fails: ``calibration.link``, the one number fitted to the
  baseline casualty level.

Injury follows from the impact speed (severe and fatal curves of one source).
The expected count over the lane is rate x share x the integral over s and
v, so a stage's P(injury) = 1 - exp(-sum over lanes). Every mode of crossing
that meets vehicles has a hazard: judged gaps (lag, gap, yield, impatient,
red, staged, refuge, guard), drivers who run the red or turn across the
green, vehicles released while a late walker is still crossing, and vehicles
brushing a walker who stands on a lane line.

Two-wheelers (e-bikes, bicycles) in the kerb lanes are Poisson classes of
their own, independent of the cars: their expected counts add to the cars'
before 1 - exp, with their own width, speeds, braking and injury (an
:class:`Exposure` each); :class:`Harm` keeps their part of the severe count
(``severe_tw``), so the two-wheelers' share of P(severe) is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.kernels import weigh_nodes
from simulator.risk import Braking, InjuryModel

SPEED_NODES = np.array([-1.2816, -0.5244, 0.0, 0.5244, 1.2816])
"""Equal-probability nodes (deciles 10-30-50-70-90) of the standard normal, for vehicle speeds."""
S_NODES = 6
"""Midpoint nodes over a lane's would-be-impact window."""


@dataclass(frozen=True)
class Judgement:
    """How a walker decides to step out with a vehicle arriving ``s`` seconds after the decision.

    ``min_lag`` set: the walker does not judge (inattentive, or trusting the
    green man) and steps in front of anything at least that far away.
    Otherwise it accepts a vehicle when the perceived arrival exceeds
    ``need`` (scaled by the distance rule for young children), perception
    being lognormal with spread ``sigma`` around the truth.
    """

    need: float
    sigma: float
    time_weight: float = 1.0
    ref_speed: float = 11.1
    ratio_limits: tuple[float, float] = (0.25, 3.0)
    min_lag: float | None = None

    def accept(self, s: np.ndarray, v: np.ndarray, *, log_s: np.ndarray | None = None,
               distance_rule: np.ndarray | None = None) -> np.ndarray:
        """Probability the walker steps out with a vehicle of speed ``v`` arriving at ``s``.

        ``log_s``: ln(max(s, 1e-9)), and ``distance_rule``: :meth:`distance_rule`
        of ln(v), if already known.
        """
        if self.min_lag is not None:
            return (s >= self.min_lag).astype(float)
        if log_s is None:
            log_s = np.log(np.maximum(s, 1e-9))
        z = log_s - self.log_need
        if self.time_weight < 1.0:
            if distance_rule is None:
                distance_rule = self.distance_rule(np.log(v))
            z = z - distance_rule
        return np.interp(z / max(self.sigma, 1e-9), _Z, _PHI)

    @property
    def log_need(self) -> float:
        """ln need, at least ln 1e-9; an infinite need (which accepts nothing) gives inf."""
        return math.log(max(self.need, 1e-9)) if math.isfinite(self.need) else math.inf

    @property
    def rule(self) -> tuple[float, float, tuple[float, float]]:
        """What the distance rule depends on: time weight, reference speed, ratio limits."""
        return self.time_weight, self.ref_speed, self.ratio_limits

    def distance_rule(self, log_v: np.ndarray) -> np.ndarray:
        """ln of the distance rule's factor on the need, (ref / v)^(1 - w) within the limits."""
        lo, hi = self.ratio_limits
        log_ratio = (math.log(self.ref_speed) - log_v) * (1.0 - self.time_weight)
        return np.clip(log_ratio, math.log(lo), math.log(hi))


_Z = np.linspace(-8.0, 8.0, 3201)
_PHI = np.array([0.5 * math.erfc(-z / math.sqrt(2.0)) for z in _Z])
"""The standard normal distribution function on a grid (interpolated as ``np.interp`` does)."""
_SLOPES = (_PHI[1:] - _PHI[:-1]) / (_Z[1:] - _Z[:-1])
_NO_RULE = np.zeros((1, 1))


@dataclass(frozen=True)
class Exposure:
    """The physics shared by every stage: paths, responses, braking, injury, the calibrated link."""

    braking: Braking
    injury: InjuryModel
    responses: tuple[tuple[float, float, float], ...]  # (share, speed factor, longest time in path s)
    speed_cv: float
    lateral_sd: float
    vehicle_width: float
    body_width: float
    link: float

    @property
    def path_width(self) -> float:
        """Width (m) of a vehicle's path a walker is in: the vehicle's width plus the walker's body."""
        return self.vehicle_width + self.body_width


@dataclass(frozen=True)
class Harm:
    """Expected number of impacts, severe injuries and deaths (before 1 - exp).

    ``severe_tw``: of the severe injuries, the two-wheelers'.
    """

    impact: float = 0.0
    severe: float = 0.0
    death: float = 0.0
    severe_tw: float = 0.0

    def __add__(self, other: Harm) -> Harm:
        return Harm(self.impact + other.impact, self.severe + other.severe, self.death + other.death,
                    self.severe_tw + other.severe_tw)

    def probabilities(self) -> tuple[float, float, float]:
        """P(impact), P(severe), P(death) of the stage."""
        return 1.0 - math.exp(-self.impact), 1.0 - math.exp(-self.severe), 1.0 - math.exp(-self.death)

    def severe_tw_probability(self) -> float:
        """The two-wheelers' part of P(severe): P(severe) x severe_tw / severe."""
        if self.severe_tw <= 0:
            return 0.0
        return (1.0 - math.exp(-self.severe)) * self.severe_tw / self.severe


NO_HARM = Harm()


@dataclass(frozen=True)
class HitTable:
    """Would-be impacts over the lanes of one stage, before the walker's judgement and the flow.

    Per row (axis 0: a lane and one of the walker's responses, the lane in
    ``lane_of``), arrival-time node (axis 1) and speed node (axis 2): ``s``
    and ``v`` the nodes (``s`` the same at every speed node, ``v`` at every
    arrival node), ``hidden`` whether parked cars hide the vehicle from
    the walker, and the expected impacts, severe injuries and deaths per
    vehicle there, over braking nodes, weighted by the response's share.
    ``weight``: seconds of arrival time each node stands for, per row (each
    response integrates over its own time in the vehicle's path).
    """

    s: np.ndarray
    v: np.ndarray
    hidden: np.ndarray
    outcomes: np.ndarray  # impact, severe, death stacked on a leading axis
    weight: np.ndarray
    lane_of: np.ndarray  # the lane of each row (one row per lane and response)
    rider: np.ndarray | None = None  # per row, whether its vehicles are two-wheelers (None: none are)

    def __post_init__(self) -> None:
        # the per-call work is one acceptance array and one matrix product; s varies only by row
        # and arrival node, v by row and speed node, so what derives from them is kept at those shapes
        flat = self.outcomes.reshape(3, -1)
        if self.rider is not None and self.rider.any():  # a fourth sum: the two-wheelers' severe injuries
            flat = np.vstack([flat, (self.outcomes[1] * self.rider[:, None, None]).reshape(1, -1)])
        object.__setattr__(self, "_flat", flat)
        object.__setattr__(self, "_any_hidden", bool(self.hidden.any()))
        s = np.ascontiguousarray(self.s[:, :, 0])  # per row and arrival node (the same at every speed node)
        object.__setattr__(self, "_s", s)
        object.__setattr__(self, "_log_s", np.log(np.maximum(s, 1e-9)))
        object.__setattr__(self, "_log_v", np.log(self.v[:, :1, :]))
        object.__setattr__(self, "_rules", {})  # the distance rule's term, by the walker's rule
        object.__setattr__(self, "_judged", {})  # arrival times from each lane's look, and their logs

    def harm(self, rate: np.ndarray, judgement: Judgement, link: float, *,
             judged_from: np.ndarray | None = None) -> Harm:
        """Expected impacts and injuries for lanes with these hazard rates (veh/s) and this walker.

        ``judged_from``: per lane, when (s after the decision) the walker judges
        that lane's vehicles (a walker on the green man looks lane by lane);
        None: all at the decision.
        """
        rule = _NO_RULE
        if judgement.min_lag is None and judgement.time_weight < 1.0:
            rules = self._rules  # type: ignore[attr-defined]
            rule = rules.get(judgement.rule)
            if rule is None:  # per row and speed node
                rule = rules[judgement.rule] = judgement.distance_rule(self._log_v)[:, 0, :]  # type: ignore[attr-defined]
        if judged_from is None:
            s, log_s = self._s, self._log_s  # type: ignore[attr-defined]
        else:  # times from each lane's own look, kept by look times (a table has few)
            judged = self._judged  # type: ignore[attr-defined]
            key = judged_from.tobytes()
            if key not in judged:
                s = self._s - judged_from[self.lane_of][:, None]  # type: ignore[attr-defined]
                judged[key] = (s, np.log(np.maximum(s, 1e-9)))
            s, log_s = judged[key]
        per_node = np.empty(self.s.shape)  # rate x weight x P(accept) (Judgement.accept, compiled)
        min_lag = judgement.min_lag
        weigh_nodes(per_node, link, rate, self.lane_of, self.weight, s if min_lag is not None else log_s,
                    rule, rule is not _NO_RULE, self.hidden, self._any_hidden,  # type: ignore[attr-defined]
                    0.0 if min_lag is None else min_lag, min_lag is not None, judgement.log_need,
                    max(judgement.sigma, 1e-9), _Z, _PHI, _SLOPES)
        return Harm(*(self._flat @ per_node.ravel()).tolist())  # type: ignore[attr-defined]


def joined(tables: list[HitTable | None], lanes: list[int], riders: list[bool]) -> HitTable | None:
    """Tables of several vehicle classes as one (None if all are None): one call for every class.

    Table i covers ``lanes[i]`` lanes, which follow those of the tables
    before it in the joined table (its rates go at those places of the rate
    array); ``riders[i]``: its vehicles are two-wheelers, whose severe
    injuries the joined table also counts apart (:attr:`Harm.severe_tw`).
    """
    offsets = np.cumsum([0, *lanes[:-1]])
    kept = [(int(offsets[i]), riders[i], t) for i, t in enumerate(tables) if t is not None]
    if not kept:
        return None
    return HitTable(
        s=np.concatenate([t.s for _, _, t in kept]), v=np.concatenate([t.v for _, _, t in kept]),
        hidden=np.concatenate([t.hidden for _, _, t in kept]),
        outcomes=np.concatenate([t.outcomes for _, _, t in kept], axis=1),
        weight=np.concatenate([t.weight for _, _, t in kept]),
        lane_of=np.concatenate([t.lane_of + offset for offset, _, t in kept]),
        rider=np.concatenate([np.full(t.weight.size, rider) for _, rider, t in kept]),
    )


def hit_table(
    *,
    entry: np.ndarray,
    width: float,
    walker_speed: float,
    mean_speed: np.ndarray,
    exposure: Exposure,
    sight: np.ndarray | None = None,
    t_from: float | np.ndarray = -math.inf,
) -> HitTable | None:
    """The would-be impacts of one stage (None if the walker meets no vehicle's path).

    Parameters
    ----------
    entry
        Per lane: when the walker enters it, s after the decision.
    width
        Lane width, m.
    walker_speed
        m/s.
    mean_speed
        Per lane: mean speed of the hazard vehicles, m/s.
    exposure
        Shared physics.
    sight
        Per lane: how far (m) the walker sees along it from the kerb; a vehicle
        beyond is stepped out in front of. None: no limit.
    t_from
        Only vehicles arriving after this (s after the decision; one for all
        lanes or one per lane) count (vehicles released by the signal).
    """
    path = min(exposure.path_width, width)
    a = entry + 0.5 * (width - path) / walker_speed  # the walker reaches the vehicle's path
    lo = np.maximum(a, t_from)
    frac = (np.arange(S_NODES) + 0.5) / S_NODES
    v = _speeds(mean_speed, exposure.speed_cv)[:, None, :, None]
    tr = exposure.braking.reaction[None, None, None, :]
    dec = exposure.braking.decel[None, None, None, :]
    t_seen = entry[:, None, None, None]  # the driver detects the walker once it is in that lane
    n = exposure.braking.reaction.size
    shape = (entry.size, S_NODES, SPEED_NODES.size)
    parts: list[tuple[np.ndarray, ...]] = []
    # each response (walk on, run, step back) has its own window in the path, with its own nodes
    for share, speed_factor, longest in exposure.responses:
        leave = a + min(path / (walker_speed * speed_factor), longest)
        start = np.minimum(lo, leave)  # a lane whose vehicles come too late has an empty (finite) window
        span = leave - start
        # axes: lane, s node, speed node, braking node
        s = (start[:, None] + span[:, None] * frac[None, :])[:, :, None, None]
        d_brake = v * (s - t_seen) - v * tr
        v2 = v**2 - 2.0 * dec * np.maximum(d_brake, 0.0)
        v_hit = np.sqrt(np.maximum(v2, 0.0))
        t_hit = np.where(d_brake <= 0, s, t_seen + tr + (v - v_hit) / dec)
        hit = share * ((v2 > 0) & (t_hit <= leave[:, None, None, None]) & (span > 0)[:, None, None, None])
        kmh = v_hit * 3.6
        outcomes = np.stack([hit.sum(axis=3), (hit * exposure.injury.severe(kmh)).sum(axis=3),
                             (hit * exposure.injury.death(kmh)).sum(axis=3)]) / n
        parts.append((np.broadcast_to(s[..., 0], shape), outcomes, span / S_NODES / SPEED_NODES.size))
    weight = np.concatenate([w for _, _, w in parts])
    if not (weight > 0).any():
        return None
    s3 = np.concatenate([x for x, _, _ in parts])
    v3 = np.broadcast_to(v[..., 0], shape)
    v3 = np.concatenate([v3] * len(parts))
    hidden = (np.zeros(s3.shape, bool) if sight is None
              else v3 * s3 > np.tile(sight, len(parts))[:, None, None])
    return HitTable(s=s3, v=v3, hidden=hidden, outcomes=np.concatenate([o for _, o, _ in parts], axis=1),
                    weight=weight, lane_of=np.tile(np.arange(entry.size), len(parts)))


def line_harm(*, mean_speed: np.ndarray, width: float, exposure: Exposure) -> np.ndarray:
    """Per vehicle passing a walker who stands on a lane line: expected impacts, severe injuries, deaths.

    Rows: impact, severe, death; columns: the lanes on either side (with
    these mean speeds). A passing vehicle strikes the walker when its lateral
    deviation in the lane (normal, ``lateral_sd``) takes its side past the
    clearance between the walker and the vehicle's usual path; the expected
    count over a wait is rate x wait x this.
    """
    clearance = 0.5 * width - 0.5 * exposure.vehicle_width - 0.5 * exposure.body_width
    p_strike = 0.5 * math.erfc(clearance / exposure.lateral_sd / math.sqrt(2.0))
    kmh = _speeds(mean_speed, exposure.speed_cv) * 3.6
    each = exposure.link * p_strike
    return each * np.stack([np.ones(mean_speed.size), exposure.injury.severe(kmh).mean(axis=1),
                            exposure.injury.death(kmh).mean(axis=1)])


def _speeds(mean_speed: np.ndarray, cv: float) -> np.ndarray:
    """Per lane, the speed nodes (m/s) of a normal with this mean and coefficient of variation."""
    return np.maximum(mean_speed[:, None] * (1.0 + cv * SPEED_NODES[None, :]), 1.0)
