"""Where and when to post K 护学岗 guards: greedy placement, each step verified by simulation.

Method. (1) Run the base scenario; a guard on duty at a crossing removes most
of the risk of the crossings made there while it is on duty, so each
crossing's *screening gain* is the expected severe injuries of the events
there within the window. (2) Take candidates in order of gain; each post's
hours are the shortest 5-minute-aligned span inside the window that holds 95%
of that crossing's risk. (3) Verify: run the base plus the first k posts with
the same seeds (common random numbers) and keep a post only if the paired
risk change it brings is not an increase; report each kept post's marginal
risk reduction with its 95% CI (marked within noise when the interval includes
0), the cumulative reduction and the reduction per staff-hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulator.errors import ScenarioError
from simulator.intervals import includes_zero
from simulator.params import clock_seconds, clock_text, default_parameters
from simulator.recommend.base import Evaluator, check_positive
from simulator.recommend.scenario import one_guard
from simulator.scenario import staff_types

STEP = 300.0  # hours are chosen on a 5-minute grid
MIN_POST = 1800.0  # a post is staffed for at least 30 minutes (an assumption: shorter shifts are impractical)
COVER = 0.95
MAX_TRIES = 3  # candidates tried per post before giving up on adding more


@dataclass(frozen=True)
class GuardPick:
    """One recommended post and what it was measured to do."""

    crossing: str
    road: str
    hours: str
    staff_hours: float
    gain_screened: float  # expected severe per 100k trips at the crossing, base run
    change: float  # marginal paired change in severe per 100k trips (negative = safer)
    ci_low: float
    ci_high: float
    significant: bool  # the marginal change's interval excludes 0 (else: within noise)
    cumulative: float  # change of base + posts so far versus the base
    per_staff_hour: float  # risk reduction per staff-hour (severe per 100k trips per hour)


def parse_window(text: str, *, period: tuple[float, float]) -> tuple[float, float]:
    """Seconds after midnight of ``HH:MM-HH:MM``, inside the simulated period."""
    try:
        a, b = (clock_seconds(part.strip()) for part in text.replace("–", "-").split("-"))
    except ValueError:
        msg = f"--hours: {text!r} is not allowed (allowed: a window HH:MM-HH:MM, e.g. 07:10-08:30)"
        raise ScenarioError(msg) from None
    if b <= a:
        msg = f"--hours: {text!r} ends before it starts (allowed: an end later than the start)"
        raise ScenarioError(msg)
    if a < period[0] or b > period[1]:
        msg = (
            f"--hours: {text!r} is outside the simulated period {clock_text(period[0])[:5]}-"
            f"{clock_text(period[1])[:5]} (allowed: a window inside it)"
        )
        raise ScenarioError(msg)
    return a, b


def screening_gains(ev: Evaluator, base_name: str, window: tuple[float, float], t0: float) -> pd.DataFrame:
    """Per crossing: expected severe per 100k trips within the window in the base runs, and its span."""
    rows = []
    runs = ev.results[base_name]
    frames = [r.events.assign(seed=r.seed, n=r.summary["children"]) for r in runs]
    events = pd.concat(frames, ignore_index=True)
    inside = events[(events["arrive_s"] >= window[0] - t0) & (events["arrive_s"] < window[1] - t0)]
    inside = inside[~inside["mode"].isin(["footbridge", "underpass"])]
    for cid, ev_c in inside.groupby("crossing"):
        c = ev.network.crossings[str(cid)]
        if c.informal or c.grade_separated:
            continue
        gain = float((1e5 * ev_c["p_severe"] / ev_c["n"]).sum() / len(runs))
        rows.append(
            {
                "crossing": cid,
                "road": c.name,
                "gain": gain,
                "span": _span(ev_c, window, t0),
                "uses": int(ev_c["children"].sum()),
            }
        )
    table = pd.DataFrame(rows, columns=["crossing", "road", "gain", "span", "uses"])
    return table.sort_values(["gain", "uses", "crossing"], ascending=[False, False, True], ignore_index=True)


def _span(events: pd.DataFrame, window: tuple[float, float], t0: float) -> tuple[float, float]:
    """The shortest grid-aligned span inside the window holding COVER of the risk (clock seconds)."""
    w = events["p_severe"].to_numpy()
    t = events["arrive_s"].to_numpy() + t0
    if w.sum() <= 0:
        return window
    grid = [window[0] + k * STEP for k in range(math.ceil((window[1] - window[0]) / STEP) + 1)]
    grid[-1] = window[1]
    best = window
    for i, a in enumerate(grid):
        for b in grid[i + 1 :]:
            share = w[(t >= a) & (t < b)].sum() / w.sum()
            if share >= COVER and max(b - a, MIN_POST) < best[1] - best[0]:
                best = (a, b)
                break
    if best[1] - best[0] < MIN_POST:  # widen around the risk, staying inside the window
        mid = (best[0] + best[1]) / 2
        a = min(max(window[0], mid - MIN_POST / 2), window[1] - MIN_POST)
        best = (max(a, window[0]), min(max(a, window[0]) + MIN_POST, window[1]))
    return best


def guard_window(ev: Evaluator, hours: str, *, staff_type: str) -> tuple[tuple[float, float], float]:
    """The window posts may cover and the simulated period's start (clock seconds), options checked."""
    if staff_type not in staff_types():
        msg = f"--staff-type: {staff_type!r} is not allowed (allowed: {', '.join(staff_types())})"
        raise ScenarioError(msg)
    params = default_parameters()
    period = ev.base.period
    p0 = clock_seconds(period.start if period else params["school.period_start"])
    p1 = clock_seconds(period.end if period else params["school.period_end"])
    return parse_window(hours, period=(p0, p1)), p0


def at_grade_crossings(ev: Evaluator) -> int:
    """How many crossings of the site could take a post (at grade, not informal)."""
    return sum(1 for c in ev.network.crossings.values() if not c.grade_separated and not c.informal)


@dataclass(frozen=True)
class Candidate:
    """A one-person post at a screened crossing: its hours and the guard intervention."""

    crossing: str
    road: str
    gain: float
    hours: str
    staff_hours: float
    post: dict[str, object]


def candidate_post(row: Any, *, staff_type: str) -> Candidate:
    """The post a screening row (:func:`screening_gains`) offers: one guard over the row's span."""
    a, b = row.span
    hours_text = f"{clock_text(a)[:5]}-{clock_text(b)[:5]}"
    post = one_guard(row.crossing, hours=hours_text, staff_type=staff_type)
    return Candidate(row.crossing, row.road, row.gain, hours_text, (b - a) / 3600.0, post)


def recommend_guards(
    ev: Evaluator,
    *,
    staff: int,
    hours: str | None = None,
    staff_type: str = "auxiliary_police",
) -> tuple[list[GuardPick], pd.DataFrame]:
    """Choose up to ``staff`` single-person posts; returns the picks and the screening table.

    ``hours``: the window posts may cover (default: parameter ``guard.default_hours``).
    """
    window, p0 = guard_window(ev, hours or default_parameters()["guard.default_hours"], staff_type=staff_type)
    most = at_grade_crossings(ev)
    check_positive(staff, "--staff", most=most, what=", the number of at-grade crossings here")
    base = ev.variant(ev.base.name, [])
    ev.run([base])
    table = screening_gains(ev, base.name, window, p0)
    picks: list[GuardPick] = []
    posts: list[dict[str, object]] = []
    previous, tries = base.name, 0
    for row in table.itertuples():
        if len(picks) == staff or tries >= MAX_TRIES:
            break
        cand = candidate_post(row, staff_type=staff_type)
        trial = ev.variant(f"护学岗 {len(picks) + 1}: {row.crossing}", [*posts, cand.post])
        ev.run([trial])
        change = ev.change(trial.name, previous)
        if change[0] > 0:  # the verified effect is an increase: do not post a guard there
            tries += 1
            continue
        tries = 0
        posts.append(cand.post)
        staff_hours = cand.staff_hours
        picks.append(
            GuardPick(
                crossing=row.crossing,
                road=row.road,
                hours=cand.hours,
                staff_hours=staff_hours,
                gain_screened=row.gain,
                change=change[0],
                ci_low=change[1],
                ci_high=change[2],
                significant=not includes_zero(change[1], change[2]),
                cumulative=ev.change(trial.name, base.name)[0],
                per_staff_hour=-change[0] / staff_hours if staff_hours else 0.0,
            )
        )
        previous = trial.name
    return picks, table
