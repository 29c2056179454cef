"""The kerb decision's inputs built from the parameter table: walkers and roads, one builder each.

Every :class:`~simulator.kerbdata.Walker` and :class:`~simulator.kerbdata.Road`
the model, the hazard screening and the HCM validation use is made here, so
a behavioural value is read from ``parameters.yaml`` in one place:

- a child walking without an adult judges gaps partly by distance (fully by
  time from ``child.time_judgement_age``), may step out inattentively
  (:func:`inattentive_share`), and crosses lane by lane once patience runs out;
- an escorted party is led by its adult (time-based gaps, the adult's
  start-up), who waits ``escort.patience_factor`` times as long;
- a 护学岗 guard leads a group lane by lane at ``guard.escort_speed``;
- the HCM walker is the closed forms' adult (no impatience).

A party of several children walks in rows of ``group.children_per_row``;
each row behind the first adds ``group.startup_per_row`` to the start-up
time. Adults never step out without judging the gap (no inattentive branch),
so their ``min_lag`` is infinite.
"""

from __future__ import annotations

import math

from simulator.kerbdata import Flow, Road, Walker
from simulator.params import Parameters
from simulator.setting import CrossingTraffic, signal_of
from simulator.sight import lane_sight
from simulator.traffic import KMH, Stream


def rows_of(params: Parameters, children: int) -> int:
    """Rows a party of ``children`` walks in (one row up to ``group.children_per_row``)."""
    return 1 + (children - 1) // params["group.children_per_row"]


def time_weight(params: Parameters, age: float) -> float:
    """1 for a child who judges gaps by time, 0 by distance; linear from 6 y to the judgement age."""
    return min(max((age - 6) / (params["child.time_judgement_age"] - 6), 0.0), 1.0)


def inattentive_share(params: Parameters, *, age: float, educated: bool) -> float:
    """Chance that a child alone steps out without waiting for a safe gap at one kerb."""
    at6, at12 = params["child.inattentive_share_age6"], params["child.inattentive_share_age12"]
    share = at6 + (at12 - at6) * (age - 6) / 6
    return share * params["education.inattentive_factor"] if educated else share


def child_walker(params: Parameters, *, age: float, speed: float, gap_factor: float, patience: float,
                 educated: bool, rows: int = 1) -> Walker:
    """A child (or children) crossing without an adult."""
    return Walker(
        speed=speed,
        startup=params["child.startup_time"] + params["group.startup_per_row"] * (rows - 1),
        gap_factor=gap_factor * (params["education.gap_factor"] if educated else 1.0),
        time_weight=time_weight(params, age),
        ref_speed=params["child.distance_judgement_ref_speed"] * KMH,
        patience=patience,
        impatient_factor=params["child.impatient_gap_factor"],
        inattentive=False,
        min_lag=params["child.inattentive_min_lag"],
        step_off=params["kerb.step_off"],
        lane_margin=params["child.lane_margin"],
        gap_ratio_min=params["child.gap_ratio_limits"][0],
        gap_ratio_max=params["child.gap_ratio_limits"][1],
        judgement_sd=params["child.judgement_sd"],
    )


def escorted_walker(params: Parameters, *, speed: float, gap_factor: float, patience: float,
                    rows: int = 1) -> Walker:
    """A party led by an adult: the adult's gaps and start-up; ``patience`` is the child's."""
    return _adult(params, speed=speed,
                  startup=params["adult.startup_time"] + params["group.startup_per_row"] * (rows - 1),
                  gap_factor=gap_factor, patience=patience * params["escort.patience_factor"],
                  impatient_factor=params["child.impatient_gap_factor"],
                  lane_margin=params["adult.lane_margin"])


def guard_walker(params: Parameters, *, slowest: float) -> Walker:
    """A 护学岗 guard leading a group whose slowest member walks at ``slowest`` m/s."""
    return _adult(params, speed=min(params["guard.escort_speed"], slowest),
                  startup=params["adult.startup_time"], gap_factor=1.0, patience=math.inf,
                  impatient_factor=1.0, lane_margin=params["guard.lane_margin"])


def hcm_walker(params: Parameters, *, speed: float, startup: float) -> Walker:
    """The HCM closed forms' pedestrian: time-based critical headway, never impatient."""
    return _adult(params, speed=speed, startup=startup, gap_factor=1.0, patience=math.inf,
                  impatient_factor=1.0, lane_margin=params["adult.lane_margin"])


def _adult(params: Parameters, *, speed: float, startup: float, gap_factor: float, patience: float,
           impatient_factor: float, lane_margin: float) -> Walker:
    return Walker(speed=speed, startup=startup, gap_factor=gap_factor, time_weight=1.0,
                  ref_speed=params["child.distance_judgement_ref_speed"] * KMH, patience=patience,
                  impatient_factor=impatient_factor, inattentive=False, min_lag=math.inf,
                  step_off=params["kerb.step_off"], lane_margin=lane_margin,
                  gap_ratio_min=params["child.gap_ratio_limits"][0],
                  gap_ratio_max=params["child.gap_ratio_limits"][1],
                  judgement_sd=params["adult.judgement_sd"])


def road_at(traffic: CrossingTraffic, near: int, *, stream: Stream, yield_rate: float,
            params: Parameters) -> Road:
    """The road as a walker coming from side ``near`` meets it (a one-way road from side 0)."""
    c = traffic.crossing
    side = near if c.lanes[1] else 0
    return Road(length=c.length, lanes=c.lanes, near=side, stream=stream, yield_rate=yield_rate,
                signal=signal_of(c), refuge=c.facility == "refuge",
                stop_reaction=params["driver.reaction_mean"], stop_decel=params["yield.comfortable_decel"],
                flow=Flow(traffic.rate, traffic.mean_speed, traffic.twowheelers),
                sight=lane_sight(c, side, params), careless_sight=lane_sight(c, side, params, careless=True),
                rider_stop_decel=rider_stop_decel(params))


def rider_stop_decel(params: Parameters) -> float:
    """The deceleration (m/s²) at which a yielding two-wheeler rider is judged able to stop.

    The car's ratio of comfortable to emergency braking applied to the
    rider's emergency braking: yield.comfortable_decel x
    twowheeler.decel_mean / driver.decel_mean (no comfortable value for
    riders was found).
    """
    return params["yield.comfortable_decel"] * params["twowheeler.decel_mean"] / params["driver.decel_mean"]
