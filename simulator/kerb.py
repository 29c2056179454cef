"""The crossing decision at the kerb: gaps, yielding drivers, signals, impatience.

A walker (a child, an escorted child or a group moving as one) arrives at the
kerb at t0 and crosses at the first moment one of these opens:

* an acceptable lag or gap in the traffic: adults judge by time (critical
  headway t_c = L/S_p + t_s, HCM 2010 Eq. 19-69); children by distance
  (Connelly et al. 1998), so the accepted time gap shrinks as speed rises;
* every vehicle too close to accept is a driver who yields (u_yield < M_y) and
  can still stop comfortably; a yielding vehicle also holds the vehicles
  behind it in its lane;
* the walk phase of a signal; past the walker's patience, a red-light crossing
  through a gap or lane by lane;
* past the walker's patience at an unsignalised road, and at a red man once
  no gap across it all is open, a rolling crossing lane by lane (standing on
  the lane lines); a refuge island splits the road into two stages.

The vehicles' times come from :class:`simulator.traffic.Stream` and are shared
by every walker at the crossing.

Where parked cars limit the sight distance at the kerb (``Road.sight``, see
:mod:`simulator.sight`), a vehicle farther away than the sight distance to its
lane is not seen: the walker neither waits for it nor sees it yield, and may
step out in front of it. The view from a refuge or a lane line is clear
(parking limits only the first decision, at the kerb).

Each outcome carries the surrogate measures of the vehicles actually sampled
around it (TTC, PET, DRAC, conflicts) and the expected harm of that way of
crossing, integrated over the traffic (:mod:`simulator.kerbharm`).
"""

from __future__ import annotations

import math

import numpy as np

from simulator.kerbdata import Mode, Outcome, Risk, Road, Walker, replaced, sight_table
from simulator.kerbharm import careless, critical_gap, expected, on_green, rolling_harm, stage_harm
from simulator.kernels import (
    DEADLINE,
    GAP,
    IMPATIENT,
    INATTENTIVE,
    LAG,
    YIELD,
    pick_vehicles,
    roll_lanes,
    scan_gaps,
)
from simulator.risk import NO_ENCOUNTER, Encounter, blend, encounter, from_sums, worst
from simulator.sight import LaneSight
from simulator.traffic import Stream

__all__ = ["Mode", "Outcome", "Risk", "Road", "Walker", "careless", "cross", "decide", "escort", "rolling",
           "sight_table"]


def _accept(
    stream: Stream,
    t0: float,
    walker: Walker,
    *,
    length: float,
    yield_rate: float,
    road: Road,
    not_before: float,
    deadline: float = math.inf,
    sight: LaneSight | None = None,
) -> tuple[float, np.ndarray, Mode, float]:
    """First time >= not_before at which the walker steps out.

    Candidate times are the first look, every vehicle passage and the moment
    patience runs out. Returns the time, the lanes held by yielding drivers,
    how the gap opened ('lag', 'gap', 'yield', 'inattentive', 'impatient',
    or 'deadline' if none opened before ``deadline``) and the accepted lag to
    the first vehicle that does not stop (inf if none in view). With
    ``sight``, a vehicle farther than the sight distance to its lane is not
    seen: it neither blocks nor yields (its lag still counts in the lag).

    Two-wheelers are judged as cars are (the same gap rule, the distance
    rule of young children read at the rider's speed) and yield by the same
    test (their ``u_yield`` carries the yield ratio, :mod:`simulator.traffic`);
    a yielding rider must be able to stop at ``road.rider_stop_decel``. The
    lanes held (codes of direction, lane and rider:
    :data:`simulator.kernels.HELD_LANE`): a yielding driver holds the cars
    behind it, a yielding rider the riders behind it (they ride beside the
    cars of the kerb lane, not behind them). The scan is compiled
    (:func:`simulator.kernels.scan_gaps`).
    """
    tau, how, lag, held = scan_gaps(
        stream.t, stream.speed, stream.direction, stream.lane, stream.u_yield, stream.kind, t0, not_before,
        deadline, walker.patience, critical_gap(walker, length, impatient=False),
        critical_gap(walker, length, impatient=True), walker.inattentive or walker.time_weight >= 1,
        walker.inattentive, *_gap_rule(walker), yield_rate, *_stopping(road), _table(sight),
        sight is not None)
    return tau, held, _MODES[how], lag


def _gap_rule(walker: Walker) -> tuple[float, float, float, float]:
    """The distance rule's reference speed, exponent and limits, as the compiled scan takes them."""
    return walker.ref_speed, 1.0 - walker.time_weight, walker.gap_ratio_min, walker.gap_ratio_max


def _stopping(road: Road) -> tuple[float, float, float]:
    """The reaction time and twice the comfortable decelerations of a driver and a rider."""
    ride = road.stop_decel if road.rider_stop_decel is None else road.rider_stop_decel
    return road.stop_reaction, 2 * road.stop_decel, 2 * ride


def _table(sight: LaneSight | None) -> np.ndarray:
    return _NO_SIGHT if sight is None else sight_table(sight)


_MODES = {LAG: Mode.LAG, GAP: Mode.GAP, YIELD: Mode.YIELD, INATTENTIVE: Mode.INATTENTIVE,
          IMPATIENT: Mode.IMPATIENT, DEADLINE: Mode.DEADLINE}
_NO_SIGHT = np.full((2, 1), np.inf)


Nearby = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Per sampled vehicle near a stage: t_in, t_out (the walker in its lane), t_seen, t_vehicle, speed, kind."""


def _surrogates(near: Nearby | None, risk: Risk) -> Encounter:
    """The encounter with the vehicles near a stage (none if there are none)."""
    if near is None:
        return NO_ENCOUNTER
    t_in, t_out, t_seen, t_vehicle, speed, kind = near
    return encounter(t_seen=t_seen, t_in=t_in, t_out=t_out, t_vehicle=t_vehicle, v=speed,
                     braking=risk.exposure.braking, ttc_limit=risk.ttc, pet_limit=risk.pet,
                     drac_limit=risk.drac, kind=kind)


def _nearby(
    road: Road,
    directions: tuple[int, ...],
    start: float,
    walker: Walker,
    length: float,
    held: np.ndarray,
    risk: Risk,
    only_lane: tuple[int, int] | None = None,
    *,
    from_kerb: bool = True,
) -> Nearby | None:
    """The sampled vehicles of ``directions`` (or one lane) near a stage starting at ``start``.

    From the kerb, a driver whose lane's sight distance is limited sees the
    walker only once within it: ``t_seen = max(step-in, t_vehicle - sight / v)``.
    None where there are none, or the risk wants no surrogates. Picked by
    :func:`simulator.kernels.pick_vehicles` (compiled).
    """
    total_lanes = 1 if only_lane else sum(road.lanes[x] for x in directions)
    if total_lanes == 0 or not risk.surrogates:
        return None
    width = length / total_lanes
    step_in = start + walker.step_off
    s = road.stream if only_lane is None else road.lane(*only_lane)
    one = -1 if len(directions) == 2 or only_lane else directions[0]
    sight = road.sight_for(walker) if from_kerb else None
    # where each lane starts on the walker's path, counted from the near kerb
    first = [0, 0]
    if len(directions) == 2:
        first[directions[1]] = road.lanes[directions[0]]
    picked = pick_vehicles(
        s.t, s.speed, s.direction, s.lane, s.kind, start - risk.pet - 1.0,
        step_in + length / walker.speed + risk.pet + 1.0, start, held, one, only_lane is not None, road.near,
        np.array(road.lanes), np.array(first), step_in, width, walker.speed, width / walker.speed,
        _table(sight), sight is not None)
    return picked if picked[0].size else None


def _stage(
    road: Road,
    directions: tuple[int, ...],
    t0: float,
    not_before: float,
    walker: Walker,
    length: float,
    risk: Risk,
    deadline: float = math.inf,
    *,
    from_kerb: bool = True,
) -> tuple[float, float, Mode, float, Encounter]:
    stream = road.stream if len(directions) == 2 else road.direction(directions[0])
    start, held, how, lag = _accept(
        stream,
        t0,
        walker,
        length=length,
        yield_rate=road.yield_rate,
        road=road,
        not_before=not_before,
        deadline=deadline,
        sight=road.sight_for(walker) if from_kerb else None,
    )
    if how == Mode.DEADLINE:
        return start, start, how, lag, NO_ENCOUNTER
    end = start + walker.step_off + length / walker.speed
    near = _nearby(road, directions, start, walker, length, held, risk, from_kerb=from_kerb)
    enc = _surrogates(near, risk)
    need = critical_gap(walker, length, impatient=start - t0 >= walker.patience)
    lanes = [x for x in road.lane_order() if x[0] in directions]
    harm = stage_harm(road, lanes, start, walker, walker.judgement(need), risk, from_kerb=from_kerb)
    return start, end, how, lag, expected(enc, harm)


def cross(road: Road, walker: Walker, t0: float, risk: Risk) -> Outcome:
    """Simulate one walker crossing ``road``, arriving at the kerb at ``t0``."""
    both = tuple(x for x in (road.near, 1 - road.near) if road.lanes[x] > 0)
    if road.signal is not None:
        return _signalised(road, walker, t0, risk, both)
    if road.refuge and len(both) == 2:
        return _two_stage(road, walker, t0, t0, risk, mode=Mode.REFUGE)
    if len(both) == 2 and math.isfinite(walker.patience) and not walker.inattentive:
        start, end, how, lag, enc = _stage(
            road, both, t0, t0, walker, road.length, risk, deadline=t0 + walker.patience
        )
        if how != Mode.DEADLINE:
            return Outcome(t0, start, end, how, end - start - walker.step_off, lag, enc)
        return _lane_by_lane(road, walker, t0, t0 + walker.patience, risk)
    start, end, how, lag, enc = _stage(road, both, t0, t0, walker, road.length, risk)
    return Outcome(t0, start, end, how, end - start - walker.step_off, lag, enc)


def decide(road: Road, walker: Walker, t0: float, risk: Risk, *, inattentive_share: float,
           rolling_share: float, rolling_min_lanes: int) -> Outcome:
    """A walker's crossing of ``road`` from ``t0``, with the risk of the branches it did not walk.

    The walker crosses on its own judgement (:func:`cross`); on a wide road
    without signal or refuge a share of walkers (``rolling_share``, from
    ``rolling_min_lanes`` lanes) crosses lane by lane from the start
    (:func:`rolling`), and a child alone may step out without looking
    (``inattentive_share``, :func:`simulator.kerbharm.careless`). The risk is
    the expected value over these branches (each is computed, so no rare
    event is sampled); the timing is the walked branch's. A pure function of
    its inputs (the road's vehicles are drawn before).
    """
    outcome = cross(road, walker, t0, risk)
    enc = outcome.encounter
    if road.signal is None and not road.refuge and sum(road.lanes) >= rolling_min_lanes:
        enc = blend(enc, rolling(road, walker, t0, risk.expected_only).encounter, rolling_share)
    if inattentive_share > 0:
        enc = blend(enc, careless(road, walker, outcome, risk), inattentive_share)
    return outcome if enc is outcome.encounter else replaced(outcome, encounter=enc)


def _two_stage(road: Road, walker: Walker, t0: float, not_before: float, risk: Risk, *,
               mode: Mode) -> Outcome:
    half = road.length / 2
    s1, e1, _, lag1, enc1 = _stage(road, (road.near,), t0, not_before, walker, half, risk)
    _s2, e2, _, lag2, enc2 = _stage(road, (1 - road.near,), t0, e1, walker, half, risk, from_kerb=False)
    in_road = e2 - s1 - walker.step_off
    return Outcome(t0, s1, e2, mode, in_road, min(lag1, lag2), worst(enc1, enc2))


def rolling(road: Road, walker: Walker, t0: float, risk: Risk) -> Outcome:
    """Lane by lane from the start, as a strategy (not after patience runs out)."""
    return _lane_by_lane(road, walker, t0, t0, risk)


def escort(road: Road, walker: Walker, t0: float, risk: Risk) -> Outcome:
    """A guard takes a group across: lane by lane, stepping out when the lane's next driver can stop.

    ``road.yield_rate`` is the share of drivers who obey the guard; the others
    are the hazard the guard judges (with an adult's error).
    """
    out = _lane_by_lane(replaced(road, signal=None), walker, t0, t0, risk, share=1.0 - road.yield_rate)
    return replaced(out, mode=Mode.GUARD)


def _lane_by_lane(road: Road, walker: Walker, t0: float, not_before: float, risk: Risk, *,
                  share: float = 1.0) -> Outcome:
    """Rolling crossing (中国式过马路): one lane at a time, standing on the lane lines.

    Each lane is judged on its own; between lanes the walker stands on the
    line while vehicles pass on both sides (:func:`simulator.harm.line_harm`).
    ``share``: the share of vehicles that are a hazard (1; those ignoring a guard).
    """
    lanes = road.lane_order()
    width = road.length / len(lanes)
    per_lane = walker.lane_by_lane  # patient: it waits in each lane for that lane's gap
    kerb_sight, near_sight = road.sight_for(per_lane), road.sight_for(walker)
    # only the first lane is judged from the kerb, behind any parked cars (compiled: kernels.roll_lanes)
    first, t, waits, lag, *sums = roll_lanes(
        *road.stream.in_lanes(tuple(lanes)), t0, not_before, critical_gap(per_lane, width, impatient=False),
        per_lane.time_weight >= 1, *_gap_rule(per_lane), road.yield_rate, *_stopping(road),
        _table(kerb_sight), kerb_sight is not None, walker.step_off, width, walker.speed, risk.surrogates,
        _table(near_sight), near_sight is not None, risk.exposure.braking.mean_reaction, risk.ttc, risk.pet,
        risk.drac)
    harm = rolling_harm(road, lanes, first, waits, per_lane, risk, share=share)
    enc = from_sums(*sums)
    return Outcome(t0, first, t, Mode.STAGED, t - first - walker.step_off, lag, expected(enc, harm))


def _signalised(road: Road, walker: Walker, t0: float, risk: Risk, both: tuple[int, ...]) -> Outcome:
    sig = road.signal
    assert sig is not None
    blind = walker.inattentive  # on the green man, an inattentive walker does not look
    if blind:
        walker = walker.attentive  # children stop at a red man; impatience is what breaks
    phase = (t0 - sig.offset) % sig.cycle
    cross_time = walker.step_off + road.length / walker.speed
    if phase < sig.green:
        enc = on_green(road, walker, t0, t0 + sig.green - phase, risk, blind=blind)
        return Outcome(t0, t0, t0 + cross_time, Mode.GREEN, cross_time - walker.step_off, math.inf, enc)
    green = t0 + sig.cycle - phase
    run_out = t0 + walker.patience
    if math.isfinite(walker.patience) and run_out < green:
        # impatient before the green man: across at once if the traffic allows, else lane by lane
        start, end, how, lag, enc = _stage(road, both, t0, run_out, walker, road.length, risk,
                                           deadline=math.nextafter(run_out, math.inf))
        if how != Mode.DEADLINE:
            return Outcome(t0, start, end, Mode.RED, end - start - walker.step_off, lag, enc)
        rolled = _lane_by_lane(road, walker, t0, run_out, risk)
        if rolled.start < green:  # the first lane opened before the green man: across against the red
            return replaced(rolled, mode=Mode.RED)
    enc = on_green(road, walker, green, green + sig.green, risk, blind=blind)
    return Outcome(t0, green, green + cross_time, Mode.GREEN, cross_time - walker.step_off, math.inf, enc)
