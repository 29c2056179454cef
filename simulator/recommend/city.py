"""One 护学岗 guard budget across a city's schools: greedy by verified risk reduction per staff-hour.

Method. Risk must add up across schools, so it is counted in expected severe
injuries a year at each school (``severe_per_year``: the morning's expected
severe injuries × trips a year), not per 100,000 trips (a rate). Each school
screens its crossings in its base run and offers one-person posts in order of
screening gain, with their hours, exactly as :mod:`simulator.recommend.guards`
does for one school. A post stands at a crossing of a map, so it serves every
school of that map whose streets hold the crossing (catchments overlap in a
city; a synthetic district is a place of its own). Every offer is verified by
simulation: at each school it serves, that school's base plus its posts so far
plus the candidate, with the same seeds (common random numbers), paired
against the school's current posts; the offer's change is, seed by seed, the
sum of those schools' differences, with :func:`simulator.intervals.mean_ci`.
A candidate that does not lower the risk is dropped and the school offers its
next one (up to :data:`~simulator.recommend.guards.MAX_TRIES` in a row); a
crossing already posted is not offered again. Of the verified offers the one
with the largest reduction per staff-hour (of a morning's duty) is posted at
every school it serves; offers that involve one of those schools are verified
again from their new posts; this repeats until ``staff`` posts or until no offer
lowers the risk. The city's cumulative change is, seed by seed, the sum over
schools of the change of their current posts from their base, with its 95% CI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulator.errors import ScenarioError
from simulator.intervals import includes_zero, mean_ci
from simulator.params import default_parameters
from simulator.recommend.allocation import PER_YEAR, CityPost
from simulator.recommend.base import Evaluator, check_positive
from simulator.recommend.guards import (
    MAX_TRIES,
    Candidate,
    candidate_post,
    guard_window,
    screening_gains,
)
from simulator.runs import run_many
from simulator.scenario import Scenario


@dataclass
class _School:
    """A school's state in the greedy: its screening table, posts so far and where it is."""

    name: str
    ev: Evaluator
    place: str  # the map file (schools of one map share crossings), or the school's own name
    base: str = ""
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    posts: list[dict[str, object]] = field(default_factory=list)
    current: str = ""  # the variant with the posts so far
    next_row: int = 0
    tries: int = 0
    done: bool = False

    def has(self, crossing: str) -> bool:
        """True when a post could stand at ``crossing`` on this school's streets."""
        c = self.ev.network.crossings.get(crossing)
        return c is not None and not c.grade_separated and not c.informal

    def trial(self, cand: Candidate) -> Scenario:
        """This school's posts so far plus ``cand`` (named by count: posts only grow, so names are unique)."""
        return self.ev.variant(f"护学岗 {len(self.posts) + 1}: {cand.crossing}", [*self.posts, cand.post])


@dataclass
class _Offer:
    """A candidate post of one school and the trials verifying it at every school it serves."""

    school: _School
    candidate: Candidate
    trials: dict[str, tuple[_School, str, str]] = field(default_factory=dict)  # name: school, trial, current
    change: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def per_staff_hour(self) -> float:
        return -self.change[0] / self.candidate.staff_hours if self.candidate.staff_hours else 0.0


def allocate_guards(
    evaluators: Mapping[str, Evaluator],
    *,
    staff: int,
    hours: str | None = None,
    staff_type: str = "auxiliary_police",
    note: Callable[[str], None] | None = None,
) -> tuple[list[CityPost], dict[str, pd.DataFrame]]:
    """Allocate ``staff`` one-person posts across schools (see the module docstring).

    Parameters
    ----------
    evaluators
        One evaluator per school, by the school's name; all with the same seeds.
    staff
        Guards to place, one per post (at most the schools' at-grade crossings).
    hours
        The window posts may cover, ``HH:MM-HH:MM``.
    staff_type
        Who staffs the posts (a key of ``guard.obey``).
    note
        Called with a line of progress (the schools screened, each post placed).

    Returns
    -------
    tuple of list of CityPost and dict of str to DataFrame
        The posts in the order chosen, and each school's screening table.

    Raises
    ------
    ScenarioError
        No schools, different seeds, a bad window or staff type, or more staff than crossings.
    """
    say = note or (lambda _line: None)
    schools = [_School(name, ev, str(ev.base.site.map or f"<{name}>")) for name, ev in evaluators.items()]
    if not schools:
        msg = "no schools to allocate guards to (allowed: one or more)"
        raise ScenarioError(msg)
    seeds = schools[0].ev.seeds
    if any(s.ev.seeds != seeds for s in schools):
        msg = "the schools' evaluators have different seeds (allowed: the same seeds, for paired results)"
        raise ScenarioError(msg)
    hours = hours or default_parameters()["guard.default_hours"]
    windows = [guard_window(s.ev, hours, staff_type=staff_type) for s in schools]
    places = {(s.place, c) for s in schools for c in s.ev.network.crossings if s.has(c)}
    check_positive(staff, "--staff", most=len(places), what=", the at-grade crossings of these schools")
    bases = [s.ev.variant(s.ev.base.name, []) for s in schools]
    _run_together([(s.ev, b) for s, b in zip(schools, bases, strict=True)])
    for s, b, (window, p0) in zip(schools, bases, windows, strict=True):
        s.base = s.current = b.name
        s.table = screening_gains(s.ev, b.name, window, p0)
    say(f"{len(schools)} school(s) screened with {len(seeds)} seeds; verifying candidate posts")
    posts: list[CityPost] = []
    offers: dict[str, _Offer] = {}
    posted: set[tuple[str, str]] = set()
    while len(posts) < staff:
        _fill_offers(schools, offers, posted, staff_type)
        if not offers:
            break
        best = max(offers.values(), key=lambda o: o.per_staff_hour)  # ties: the first school
        served = [t[0] for t in best.trials.values()]
        for t, trial, _ in best.trials.values():
            t.posts.append(best.candidate.post)
            t.current = trial
        posted.add((best.school.place, best.candidate.crossing))
        best.school.tries = 0
        del offers[best.school.name]
        for name, o in list(offers.items()):
            if (o.school.place, o.candidate.crossing) in posted:  # that crossing has its guard now
                del offers[name]
            elif set(o.trials) & {t.name for t in served}:  # a school it serves has a new post
                offers[name] = _Offer(o.school, o.candidate)  # verify again
        posts.append(_post(best, schools, len(posts) + 1, staff_type))
        p = posts[-1]
        say(f"post {p.order}: {p.school} {p.crossing} {p.hours}, {p.change:+.4f} severe/year")
    return posts, {s.name: s.table for s in schools}


def _fill_offers(
    schools: Sequence[_School], offers: dict[str, _Offer], posted: set[tuple[str, str]], staff_type: str
) -> None:
    """Verify every offer not verified yet; give each school without one its next candidate."""
    while True:
        for s in schools:
            if s.name not in offers and not s.done:
                cand = _next_candidate(s, posted, staff_type)
                if cand is not None:
                    offers[s.name] = _Offer(s, cand)
        todo = [o for o in offers.values() if not o.trials]
        if not todo:
            return
        for o in todo:
            served = [o.school] + [t for t in schools if t is not o.school and t.place == o.school.place]
            o.trials = {t.name: (t, t.trial(o.candidate).name, t.current) for t in served
                        if t.has(o.candidate.crossing)}
        _run_together([(t.ev, t.trial(o.candidate)) for o in todo for t, _, _ in o.trials.values()])
        for o in todo:
            o.change = mean_ci(list(_summed_change(list(o.trials.values()))))
            if not o.change[0] < 0:  # no verified reduction: not offered; the school tries its next
                o.school.tries += 1
                del offers[o.school.name]


def _next_candidate(s: _School, posted: set[tuple[str, str]], staff_type: str) -> Candidate | None:
    """The school's next screened crossing not posted yet, or None (then the school is done)."""
    while s.tries < MAX_TRIES and s.next_row < len(s.table):
        row = next(s.table.iloc[[s.next_row]].itertuples())
        s.next_row += 1
        if (s.place, row.crossing) not in posted:
            return candidate_post(row, staff_type=staff_type)
    s.done = True
    return None


def _run_together(pairs: Sequence[tuple[Evaluator, Scenario]]) -> None:
    """Run scenarios of several evaluators (same seeds) in one pool; stored in each evaluator."""
    todo = list({(id(ev), sc.name): (ev, sc) for ev, sc in pairs if sc.name not in ev.results}.values())
    if not todo:
        return
    if any(getattr(ev, "progress", None) or getattr(ev, "cancelled", None) for ev, _ in todo):
        for ev, sc in todo:  # the evaluators report progress or can be stopped: their own runs
            ev.run([sc])
        return
    seeds = todo[0][0].seeds
    pool = todo[0][0].pool
    if pool is not None and all(ev.pool is pool for ev, _ in todo):  # kept workers: they keep the seeds
        kept = pool.run([(ev.base, (sc,), ev.origin) for ev, sc in todo], seeds)
        for (ev, sc), runs in zip(todo, kept, strict=True):
            ev.results[sc.name] = runs[0]
        return
    done = run_many([ev.setting(sc) for ev, sc in todo], seeds, workers=todo[0][0].workers)
    for k, (ev, sc) in enumerate(todo):  # results come in (setting, seed) order
        ev.results[sc.name] = done[k * len(seeds) : (k + 1) * len(seeds)]


def _summed_change(pairs: Sequence[tuple[_School, str, str]]) -> np.ndarray:
    """Per seed: the sum over (school, after, before) of the change a year from ``before`` to ``after``."""
    total = np.zeros(len(pairs[0][0].ev.seeds))
    for s, after, before in pairs:
        was = {r.seed: r.summary[PER_YEAR] for r in s.ev.results[before]}
        total += np.array([r.summary[PER_YEAR] - was[r.seed] for r in s.ev.results[after]])
    return total


def _post(offer: _Offer, schools: Sequence[_School], order: int, staff_type: str) -> CityPost:
    cand, change = offer.candidate, offer.change
    city = mean_ci(list(_summed_change([(s, s.current, s.base) for s in schools])))
    return CityPost(
        order=order,
        school=offer.school.name,
        crossing=cand.crossing,
        road=cand.road,
        hours=cand.hours,
        staff_type=staff_type,
        staff_hours=cand.staff_hours,
        gain_screened=cand.gain,
        served=tuple(offer.trials),
        change=change[0],
        ci_low=change[1],
        ci_high=change[2],
        significant=not includes_zero(change[1], change[2]),
        per_staff_hour=offer.per_staff_hour,
        cumulative=city[0],
        cumulative_low=city[1],
        cumulative_high=city[2],
    )
