"""Recommendations for the page, run in the background (no Solara here).

:func:`evaluate` answers one question — where to post guards, which routes
to publish, which measures to fund — with :mod:`simulator.recommend`, as
``saferoute recommend`` does, and returns what the page shows and the
interventions of the scenario it offers. :func:`recommend` runs it in a
worker process (``forkserver``: safe from a threaded web server; the worker
may start its own pool) with a progress callback and cancellation, as
:func:`simulator.ui.jobs.compare` does for comparisons.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simulator.errors import SaferouteError
from simulator.params import default_parameters
from simulator.recommend.base import Evaluator, RunsCancelledError
from simulator.recommend.guards import GuardPick, recommend_guards
from simulator.recommend.measures import VERIFY, recommend_measures
from simulator.recommend.routes import RoutesAdvice, recommend_routes
from simulator.recommend.scenario import (
    NAMES,
    describe_recommendation,
    interventions_from_guards,
    interventions_from_measures,
    interventions_from_routes,
    menu_of,
    scenario_from_recommendation,
)
from simulator.scenario import Scenario
from simulator.ui import jobs

KINDS = ("guards", "routes", "measures")
ORIGIN = "<recommendation>"
POLL_S = 0.25
MENU_GUESS = 14  # candidate measures of a typical menu (for the progress bar only)


@dataclass(frozen=True)
class Request:
    """One question for one base scenario: its kind, the seeds and the kind's options."""

    kind: str
    base: Scenario
    seeds: tuple[int, ...]
    staff: int = 2
    hours: str = field(default_factory=lambda: default_parameters()["guard.default_hours"])
    staff_type: str = "auxiliary_police"
    max_detour: float = 0.2
    compliance: float = 0.6
    budget: float = 40.0

    def planned_runs(self) -> int:
        """Runs the answer is expected to take (the greedy and menu searches may differ a little)."""
        variants = {"guards": 1 + self.staff, "routes": 2, "measures": 1 + MENU_GUESS + VERIFY}[self.kind]
        return variants * len(self.seeds)


@dataclass(frozen=True)
class Advice:
    """The answer: the tables the page shows and the interventions of the scenario it offers."""

    request: Request
    school: str
    interventions: tuple[dict[str, Any], ...]
    runs: int
    picks: tuple[GuardPick, ...] = ()
    routes: RoutesAdvice | None = None
    hazard: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    singles: pd.DataFrame | None = None
    sets: pd.DataFrame | None = None

    def scenario(self, *, name: str | None = None) -> Scenario:
        """The base scenario with the recommendation's interventions (validated like a file)."""
        r = self.request
        return scenario_from_recommendation(
            r.base, name=name or NAMES[r.kind], interventions=self.interventions,
            description=describe_recommendation(r.kind, r.base, seeds=len(r.seeds)), origin=ORIGIN)


def evaluate(request: Request, *, progress: Callable[[int], None] | None = None,
             cancelled: Callable[[], bool] | None = None, workers: int = 1) -> Advice:
    """Answer ``request`` in this process.

    Raises
    ------
    SaferouteError
        A bad option or site (the CLI's one-line message).
    RunsCancelledError
        When ``cancelled`` returned True.
    """
    if request.kind not in KINDS:
        msg = f"{request.kind!r} is not a recommendation (allowed: {', '.join(KINDS)})"
        raise SaferouteError(msg)
    with Evaluator(request.base, seeds=request.seeds, workers=workers, origin=ORIGIN, progress=progress,
                   cancelled=cancelled, keep_workers=True) as ev:
        return _advise(request, ev)


def _advise(request: Request, ev: Evaluator) -> Advice:
    school = ev.site.school.name
    if request.kind == "guards":
        picks, _ = recommend_guards(ev, staff=request.staff, hours=request.hours,
                                    staff_type=request.staff_type)
        changes = interventions_from_guards(picks, staff_type=request.staff_type)
        return Advice(request, school, tuple(changes), ev.runs_done, picks=tuple(picks))
    if request.kind == "routes":
        from simulator.hazard import crossing_hazards

        routes = recommend_routes(ev, max_detour=request.max_detour, compliance=request.compliance)
        setting = ev.setting(ev.variant(ev.base.name, []))
        changes = interventions_from_routes(compliance=request.compliance, max_detour=request.max_detour)
        return Advice(request, school, tuple(changes), ev.runs_done, routes=routes,
                      hazard=dict(crossing_hazards(setting)), weights=dict(setting.home_weights))
    singles, sets = recommend_measures(ev, budget=request.budget)
    changes = (interventions_from_measures(str(sets.iloc[0]["measures"]), menu=menu_of(ev, singles))
               if len(sets) else [])
    return Advice(request, school, tuple(changes), ev.runs_done, singles=singles, sets=sets)


def recommend(request: Request, *, progress: Callable[[int, int], None] = lambda done, planned: None,
              cancelled: Callable[[], bool] = lambda: False, workers: int | None = None) -> Advice | None:
    """Answer ``request`` in a worker process; None if ``cancelled`` returned True first.

    Parameters
    ----------
    request
        The question.
    progress
        Called with (runs done, runs planned) as the runs finish.
    cancelled
        Polled every :data:`POLL_S` seconds; True stops the work (the worker
        process ends after its current runs) and returns None at once.
    workers
        Processes running the simulations (default: :func:`simulator.ui.jobs.workers_for`).

    Raises
    ------
    SaferouteError
        A bad option or site, with the CLI's one-line message.
    """
    planned = request.planned_runs()
    workers = jobs.workers_for(planned) if workers is None else workers
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(jobs.PRELOAD))
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    # not a daemon: the worker may start its own pool of simulation processes
    process = context.Process(target=_answer, args=(request, workers, send, stop), name="saferoute-recommend")
    process.start()
    send.close()
    progress(0, planned)
    try:
        while True:
            if cancelled():
                stop.set()
                return None
            if not receive.poll(POLL_S):
                continue
            try:
                kind, value = receive.recv()
            except EOFError:  # the worker ended without an answer
                process.join(timeout=5)
                msg = f"the recommendation stopped unexpectedly (exit code {process.exitcode})"
                raise SaferouteError(msg) from None
            if kind == "progress":
                progress(int(value), max(planned, int(value)))
            elif kind == "done":
                return value
            elif kind == "cancelled":
                return None
            else:
                raise value
    finally:
        receive.close()
        threading.Thread(target=process.join, daemon=True).start()  # it ends on its own


def _answer(request: Request, workers: int, send: Any, stop: Any) -> None:
    """The worker process: evaluate, sending progress, then the answer (or the error).

    Its own simulation pool forks (settings are not picklable; this process has one thread).
    """
    multiprocessing.set_start_method("fork", force=True)
    try:
        advice = evaluate(request, progress=lambda n: _tell(send, ("progress", n), stop),
                          cancelled=stop.is_set, workers=workers)
        _tell(send, ("done", advice), stop)
    except RunsCancelledError:
        _tell(send, ("cancelled", None), stop)
    except SaferouteError as exc:
        _tell(send, ("error", exc), stop)
    except Exception as exc:  # any failure is told to the page as one line
        _tell(send, ("error", SaferouteError(" ".join(f"{type(exc).__name__}: {exc}".splitlines()))), stop)
    finally:
        send.close()


def _tell(send: Any, message: tuple[str, Any], stop: Any) -> None:
    """Send to the page; if it stopped listening (cancelled), stop at the next poll."""
    try:
        send.send(message)
    except OSError:
        stop.set()


__all__ = ["KINDS", "Advice", "Request", "evaluate", "recommend"]
