"""The expected harm of each way of crossing, from the road and the walker as met at the kerb.

:mod:`simulator.kerb` decides *when* a walker crosses and how; this module
turns each decision into the expected impacts and injuries of
:mod:`simulator.harm`: a stage judged from the kerb or a refuge
(:func:`stage_harm`), a crossing lane by lane with its waits on the lane lines
(:func:`rolling_harm`), a crossing on the green man (:func:`on_green`) and a
careless step-out (:func:`careless`). The would-be-impact tables are kept with
the :class:`~simulator.kerbdata.Risk` (every run made with the same parameter table shares them) and
used by every crossing whose lanes look alike (:func:`_kept`).

Two-wheelers (e-bikes, bicycles) ride the kerb lane of each direction: every
way of crossing adds their expected harm to the cars', as independent Poisson
classes (their counts add before 1 - exp), over those lanes only, with their
own physics (:attr:`~simulator.kerbdata.Risk.riders`) and the same walker
judgement (the distance rule read at the rider's speed: the research note
found drivers accept shorter gaps before slower bicycles, and no pedestrian
study). Their part of the severe count is kept (:attr:`simulator.harm.Harm.severe_tw`).
A rider ignores a guard, or turns across the green man without yielding,
more often than a driver: it yields with min(1, ratio x the drivers' rate).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from simulator.harm import NO_HARM, Exposure, Harm, HitTable, Judgement, hit_table, joined, line_harm
from simulator.kerbdata import Mode, Outcome, Risk, Road, Walker, sight_table
from simulator.kernels import line_rates
from simulator.risk import NO_ENCOUNTER, Encounter, with_harm
from simulator.sight import LaneSight


def critical_gap(walker: Walker, length: float, *, impatient: bool) -> float:
    """The critical gap (s) the walker waits for over ``length`` m (as the kerb decision does)."""
    if walker.inattentive:
        return walker.min_lag
    tc = (length / walker.speed + walker.startup) * walker.gap_factor
    return tc * (walker.impatient_factor if impatient else 1.0)


def expected(enc: Encounter, harm: Harm) -> Encounter:
    """The sampled encounter with the expected harm's probabilities (and the two-wheelers' part)."""
    return with_harm(enc, *harm.probabilities(), harm.severe_tw_probability())


def stage_harm(road: Road, lanes: list[tuple[int, int]], t: float, walker: Walker, judgement: Judgement,
               risk: Risk, *, from_kerb: bool) -> Harm:
    """Expected harm over ``lanes`` crossed in one go from time ``t`` (see :mod:`simulator.harm`).

    The would-be impacts (:func:`simulator.harm.hit_table`) are computed for
    the walker's speed to 0.05 m/s and kept with the risk, so walkers who
    differ by less share them; the flow at ``t`` and the walker's own
    judgement are applied exactly. ``from_kerb``: judged from the kerb, behind
    any parked cars (else from a refuge, with a clear view). The two-wheelers
    of the kerb lanes among ``lanes`` add their own table's harm.
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

    def cars() -> HitTable | None:
        return hit_table(entry=walker.step_off + np.arange(len(speeds)) * width / pace, width=width,
                         walker_speed=pace, mean_speed=np.array(speeds), exposure=risk.exposure,
                         sight=None if row is None else np.array(row))

    riders = _riders(road, lanes, t, risk)
    if riders is None:
        table = _kept(risk, key, cars)
        return NO_HARM if table is None else table.harm(rate, judgement, risk.exposure.link)
    where, rider_rate, exposures, rider_speeds = riders
    rider_row = None if row is None else tuple(row[i] for i in where)

    def both() -> HitTable | None:
        entry = walker.step_off + np.array(where) * width / pace
        sight_row = None if rider_row is None else np.array(rider_row)
        own = [hit_table(entry=entry, width=width, walker_speed=pace, mean_speed=np.full(len(where), v),
                         exposure=exposure, sight=sight_row)
               for exposure, v in zip(exposures, rider_speeds, strict=True)]
        m = len(where)
        return joined([_kept(risk, key, cars), *own], [len(lanes), m, m], [False, True, True])

    table = _kept(risk, (*key, "tw", rider_speeds, where, rider_row), both)
    if table is None:
        return NO_HARM
    return table.harm(np.concatenate([rate, rider_rate]), judgement, risk.exposure.link)


def _riders(road: Road, lanes: list[tuple[int, int]], t: float, risk: Risk
            ) -> tuple[tuple[int, ...], np.ndarray, tuple[Exposure, Exposure], tuple[float, float]] | None:
    """The two-wheelers among ``lanes`` at ``t``: positions, rates (e-bikes then bicycles), physics, speeds.

    None where no two-wheeler rides these lanes now (or the risk has no
    two-wheeler physics): then no two-wheeler table is built or used.
    """
    if risk.riders is None:
        return None
    found = road.flow.riders_at(lanes, t)
    if found is None:
        return None
    riders = road.flow.twowheelers
    assert riders is not None
    return found[0], found[1], risk.riders, riders.mean_speed


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
    only by risks made from the same parameter table (kept with it:
    :attr:`simulator.params.Parameters.derived`), whatever the scenario.
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
    sides (:func:`simulator.harm.line_harm`). The two-wheelers of the kerb
    lanes add theirs; of them, a hazard share of 1 - min(1, ratio x (1 -
    ``share``)) (a rider obeys a guard less often than a driver).
    """
    riders = _riders(road, lanes, t, risk)
    if share <= 0 and riders is None:
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

    key = ("rolling", width, pace, speeds, first, walker.step_off)
    judgement = walker.judgement(critical_gap(walker, width, impatient=False))
    if riders is None:
        per_vehicle = _kept(risk, ("line", width, speeds), lambda: line_harm(
            mean_speed=np.array(speeds), width=width, exposure=risk.exposure))
        harm = Harm(*(per_vehicle @ line_rates(waits, rate, share, _NO_RATES, _NO_LANES, 0.0)).tolist())
        table = _kept(risk, key, build)
        return harm if table is None else harm + table.harm(rate * share, judgement, risk.exposure.link)
    where, rider_rate, exposures, rider_speeds = riders
    flow = road.flow.twowheelers
    assert flow is not None
    rider_share = 1.0 - min(1.0, flow.yield_ratio * (1.0 - share))
    rider_row = None if first is None else tuple(first if i == 0 else math.inf for i in where)
    m = len(where)

    def both() -> HitTable | None:
        sight_row = None if rider_row is None else np.array(rider_row)
        own = [hit_table(entry=np.full(m, walker.step_off), width=width, walker_speed=pace,
                         mean_speed=np.full(m, v), exposure=exposure, sight=sight_row)
               for exposure, v in zip(exposures, rider_speeds, strict=True)]
        return joined([_kept(risk, key, build), *own], [len(lanes), m, m], [False, True, True])

    def lines() -> np.ndarray:
        # per vehicle passing the line: rows impact, severe, death, the two-wheelers' severe;
        # columns the lanes' cars, then an e-bike and a bicycle
        cars = line_harm(mean_speed=np.array(speeds), width=width, exposure=risk.exposure)
        own = np.concatenate([line_harm(mean_speed=np.array([v]), width=width, exposure=exposure)
                              for exposure, v in zip(exposures, rider_speeds, strict=True)], axis=1)
        return np.block([[cars, own], [np.zeros((1, cars.shape[1])), own[1:2]]])

    per_vehicle = _kept(risk, ("line", width, speeds, "tw", rider_speeds), lines)
    passing = line_rates(waits, rate, share, rider_rate, _lane_array(where), rider_share)
    harm = Harm(*(per_vehicle @ passing).tolist())
    table = _kept(risk, (*key, "tw", rider_speeds, where, rider_row), both)
    if table is None:
        return harm
    return harm + table.harm(np.concatenate([rate * share, rider_rate * rider_share]), judgement,
                             risk.exposure.link)


_NO_RATES, _NO_LANES = np.empty(0), np.empty(0, np.int64)


@functools.cache
def _lane_array(where: tuple[int, ...]) -> np.ndarray:
    """Positions as the compiled line sums take them (made once: roads have few kinds of lanes)."""
    found = np.array(where, np.int64)
    found.flags.writeable = False
    return found


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
    walker (the inattentive branch) does not look. The two-wheelers of the
    kerb lanes come the same three ways: riders who run the red
    (``twowheeler.red_running``), turning riders who do not yield, and riders
    released on their green, at their own speed (at most the turning and
    the discharge speed).
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

    key = ("green", width, pace, speeds, walker.step_off, release)
    judged_from = _kept(risk, ("looks", n, width, pace), lambda: np.tile(np.arange(n) * width / pace, 3))
    hazard = np.concatenate([rate * sig.red_running, rate * sig.turning, rate])
    riders = _riders(road, lanes, start, risk)
    if riders is None:
        table = _kept(risk, key, build)
        if table is None:
            return NO_ENCOUNTER
        return expected(NO_ENCOUNTER, table.harm(hazard, judged, risk.exposure.link, judged_from=judged_from))
    where, rider_rate, exposures, rider_speeds = riders
    m = len(where)
    at = np.array(where) * width / pace

    def both() -> HitTable | None:
        own = [hit_table(
            entry=np.tile(walker.step_off + at, 3), width=width, walker_speed=pace,
            mean_speed=np.concatenate([np.full(m, v), np.full(m, min(v, sig.turn_speed)),
                                       np.full(m, min(v, sig.discharge_speed))]),
            exposure=exposure, t_from=np.concatenate([np.full(2 * m, -math.inf), np.full(m, release)]))
            for exposure, v in zip(exposures, rider_speeds, strict=True)]
        return joined([_kept(risk, key, build), *own], [3 * n, 3 * m, 3 * m], [False, True, True])

    table = _kept(risk, (*key, "tw", rider_speeds, where), both)
    if table is None:
        return NO_ENCOUNTER
    all_looks = _kept(risk, ("looks", n, width, pace, "tw", where),
                      lambda: np.concatenate([judged_from, np.tile(at, 6)]))
    # the riders' rates (e-bikes, then bicycles) in the table's order: red runners, turning, released
    pick, times = _kept(risk, ("green-tw", m), lambda: (
        np.concatenate([np.tile(np.arange(m), 3), np.tile(m + np.arange(m), 3)]),
        np.repeat(np.tile([sig.rider_red_running, sig.rider_turning, 1.0], 2), m)))
    harm = table.harm(np.concatenate([hazard, rider_rate[pick] * times]), judged, risk.exposure.link,
                      judged_from=all_looks)
    return expected(NO_ENCOUNTER, harm)
