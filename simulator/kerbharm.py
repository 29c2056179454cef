"""The expected harm of each way of crossing, from the road and the walker as met at the kerb.

:mod:`simulator.kerb` decides *when* a walker crosses and how; this module
turns each decision into the expected impacts and injuries of
:mod:`simulator.harm`: a stage judged from the kerb or a refuge
(:func:`stage_harm`), a crossing lane by lane with its waits on the lane lines
(:func:`rolling_harm`), a crossing on the green man (:func:`on_green`) and a
careless step-out (:func:`careless`). The would-be-impact tables are kept with
the :class:`~simulator.kerbdata.Risk` (every run of a setting shares them) and
used by every crossing whose lanes look alike (:func:`_kept`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from simulator.harm import NO_HARM, Harm, HitTable, Judgement, hit_table, line_harm
from simulator.kerbdata import Mode, Outcome, Risk, Road, Walker, sight_table
from simulator.risk import NO_ENCOUNTER, Encounter, with_harm
from simulator.sight import LaneSight


def critical_gap(walker: Walker, length: float, *, impatient: bool) -> float:
    """The critical gap (s) the walker waits for over ``length`` m (as the kerb decision does)."""
    if walker.inattentive:
        return walker.min_lag
    tc = (length / walker.speed + walker.startup) * walker.gap_factor
    return tc * (walker.impatient_factor if impatient else 1.0)


def expected(enc: Encounter, harm: Harm) -> Encounter:
    """The sampled encounter with the expected harm's probabilities."""
    return with_harm(enc, *harm.probabilities())


def stage_harm(road: Road, lanes: list[tuple[int, int]], t: float, walker: Walker, judgement: Judgement,
               risk: Risk, *, from_kerb: bool) -> Harm:
    """Expected harm over ``lanes`` crossed in one go from time ``t`` (see :mod:`simulator.harm`).

    The would-be impacts (:func:`simulator.harm.hit_table`) are computed for
    the walker's speed to 0.05 m/s and kept with the risk, so walkers who
    differ by less share them; the flow at ``t`` and the walker's own
    judgement are applied exactly. ``from_kerb``: judged from the kerb, behind
    any parked cars (else from a refuge, with a clear view).
    """
    if not lanes:
        return NO_HARM
    rate, mean = road.flow.at(lanes, t)
    sight = road.sight_for(walker) if from_kerb else None
    pace = _pace(walker)
    width = road.length / max(sum(road.lanes), 1)
    speeds = _plain(mean)
    row = None if sight is None else _plain(_sight_row(sight, lanes))
    key = ("stage", width, pace, speeds, row, walker.step_off)
    table = _kept(risk, key, lambda: hit_table(
        entry=walker.step_off + np.arange(len(speeds)) * width / pace, width=width, walker_speed=pace,
        mean_speed=np.array(speeds), exposure=risk.exposure, sight=None if row is None else np.array(row)))
    if table is None:
        return NO_HARM
    return table.harm(rate, judgement, risk.exposure.link)


def _pace(walker: Walker) -> float:
    """The walker's speed to 0.05 m/s: walkers who differ by less share their tables."""
    return max(round(walker.speed * 20.0) / 20.0, 0.05)


def _sight_row(sight: LaneSight, lanes: list[tuple[int, int]]) -> np.ndarray:
    table = sight_table(sight)
    return np.array([table[d, k] for d, k in lanes])


def _kept[T](risk: Risk, key: tuple, build: Callable[[], T]) -> T:
    """A table built once and kept with the risk (:func:`simulator.harm.hit_table`, ``line_harm``).

    ``key`` names what the table depends on besides the risk's own physics
    (braking, injury, signal hazards, all from the parameters), from plain
    numbers: the walker's speed to 0.05 m/s (:func:`_pace`), the lanes' mean
    speeds and sight distances, release times to 0.5 s, so lanes alike share
    one table, whichever crossing they are at. One risk's tables are shared
    only by risks made from the same parameters (the runs of one setting).
    """
    if key not in risk.tables:
        risk.tables[key] = build()
    return risk.tables[key]


def _plain(values: np.ndarray) -> tuple[float, ...]:
    """Mean speeds as a key: they take few values (a class's limit, a calmed limit), kept exact."""
    return tuple(values.tolist())


def rolling_harm(road: Road, lanes: list[tuple[int, int]], t: float, waits: np.ndarray, walker: Walker,
                 risk: Risk, *, share: float) -> Harm:
    """Expected harm of a crossing lane by lane from ``t`` with ``waits`` (s) on the lines between lanes.

    Each lane is judged on its own when the walker reaches it, so in time
    counted from that decision every lane's would-be impacts look alike: one
    table for the whole crossing (the first lane seen past any parked cars),
    with the flow at ``t``. Standing on a line, the walker is passed on both
    sides (:func:`simulator.harm.line_harm`).
    """
    if share <= 0:
        return NO_HARM
    rate, mean = road.flow.at(lanes, t)
    width = road.length / len(lanes)
    sight = road.sight_for(walker)
    first = None if sight is None else float(sight_table(sight)[lanes[0]])
    pace, speeds = _pace(walker), _plain(mean)

    def build() -> HitTable | None:
        row = None if first is None else np.array([first] + [math.inf] * (len(lanes) - 1))
        return hit_table(entry=np.full(len(lanes), walker.step_off), width=width, walker_speed=pace,
                         mean_speed=np.array(speeds), exposure=risk.exposure, sight=row)

    table = _kept(risk, ("rolling", width, pace, speeds, first, walker.step_off), build)
    per_vehicle = _kept(risk, ("line", width, speeds),
                        lambda: line_harm(mean_speed=np.array(speeds), width=width, exposure=risk.exposure))
    judgement = walker.judgement(critical_gap(walker, width, impatient=False))
    harm = NO_HARM if table is None else table.harm(rate * share, judgement, risk.exposure.link)
    beside = np.zeros(len(lanes))
    beside[:-1] += waits
    beside[1:] += waits
    passing = per_vehicle @ (beside * rate * share)
    return harm + Harm(float(passing[0]), float(passing[1]), float(passing[2]))


def careless(road: Road, walker: Walker, walked: Outcome, risk: Risk) -> Encounter:
    """The expected harm had the walker not looked this time (the inattentive branch).

    At the walked outcome's times: at a signal the green man crossed
    without looking (a red crossing is judged either way); elsewhere a step
    out in front of anything at least ``walker.min_lag`` away, or closer if
    parked cars hide it (the careless sight from the kerb edge), each half
    at once where a refuge splits the road.
    """
    blind = Judgement(need=walker.min_lag, sigma=0.0, min_lag=walker.min_lag)
    sig = road.signal
    if sig is not None:
        if walked.mode != Mode.GREEN:
            return walked.encounter
        phase = (walked.start - sig.offset) % sig.cycle
        return on_green(road, walker, walked.start, walked.start + sig.green - phase, risk, blind=True)
    lanes = road.lane_order()
    halves = ([x for x in lanes if x[0] == road.near], [x for x in lanes if x[0] != road.near])
    parts = halves if road.refuge else (lanes,)
    stepping = walker.careless  # from behind any parked cars: it sees little
    harm = NO_HARM
    for k, part in enumerate(parts):
        harm = harm + stage_harm(road, part, walked.start, stepping, blind, risk, from_kerb=k == 0)
    return expected(NO_ENCOUNTER, harm)


def on_green(road: Road, walker: Walker, start: float, walk_end: float, risk: Risk, *,
             blind: bool) -> Encounter:
    """Expected harm of crossing on the green man from ``start`` (the walk phase ends at ``walk_end``).

    It meets drivers who run the red, turning drivers who do not yield (at
    turning speed), and, if still crossing once the clearance interval (timed
    for the HCM walking speed) is over, vehicles starting on their green. The
    walker looks at each lane as it reaches it and judges the vehicles coming
    as a walker crossing lane by lane does, with the same error; a ``blind``
    walker (the inattentive branch) does not look.
    """
    lanes, sig = road.lane_order(), risk.signal
    width = road.length / len(lanes)
    looks = walker.looking_per_lane
    judged = (Judgement(need=0.0, sigma=0.0, min_lag=0.0) if blind
              else looks.judgement(critical_gap(looks, width, impatient=False)))
    released = walk_end + road.length / sig.clearance_speed - start
    rate, mean = road.flow.at(lanes, start)
    n = len(lanes)
    pace = _pace(walker)
    # released after the walker has crossed: no such vehicle meets it (most walkers share the table)
    release = round(released * 2.0) / 2.0 if released < walker.step_off + road.length / pace else math.inf
    speeds = _plain(mean)

    # three groups of the same lanes: red runners, turning drivers, vehicles released on their green
    def build() -> HitTable | None:
        return hit_table(
            entry=np.tile(walker.step_off + np.arange(n) * width / pace, 3), width=width, walker_speed=pace,
            mean_speed=np.concatenate([speeds, np.full(n, sig.turn_speed), np.full(n, sig.discharge_speed)]),
            exposure=risk.exposure, t_from=np.concatenate([np.full(2 * n, -math.inf), np.full(n, release)]))

    table = _kept(risk, ("green", width, pace, speeds, walker.step_off, release), build)
    if table is None:
        return NO_ENCOUNTER
    hazard = np.concatenate([rate * sig.red_running, rate * sig.turning, rate])
    judged_from = _kept(risk, ("looks", n, width, pace), lambda: np.tile(np.arange(n) * width / pace, 3))
    harm = table.harm(hazard, judged, risk.exposure.link, judged_from=judged_from)
    return expected(NO_ENCOUNTER, harm)
