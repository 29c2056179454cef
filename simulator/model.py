"""The Mesa model: the frame in which children walk from home to school and cross roads.

Event-driven: walking between kerbs needs no stepping (a party's position is a
known function of time), so the model's event list holds departures, kerb
arrivals, guard escorts and school arrivals. Model time is seconds after the
start of the simulated period (``setting.period_start`` on the clock).

Mesa runs the clock (``run_until``, ``run_for``, ``step``, ``time``). The
model's own events sit on a plain heap of (time, ticket, action) tuples
(:meth:`SchoolRouteModel.call_at`): a Mesa event object costs about ten times
as much to make and to order, and a morning has tens of thousands. They run in
the order Mesa would run them (by time, then as scheduled). Events scheduled
with Mesa's ``schedule_event`` still run in time order among them, after the
model's own at the same time.

The model draws the children, holds the vehicle streams and the roads as
walkers meet them, and runs the clock; what parties and guards do at a kerb
is in :mod:`simulator.agents`.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable

import mesa
import numpy as np

from simulator.access import profiles
from simulator.agents import Child, Guard, Party, lead_of, party_of, set_down
from simulator.arrival import DRIVEN
from simulator.kept import BySeed
from simulator.kerb import Outcome, Risk, Road, Walker, decide
from simulator.kerbinputs import road_at
from simulator.population import Children, draw_children
from simulator.setting import Setting
from simulator.traffic import Stream, recent_stream

TRAILING = 3600.0  # children still walking are followed this long after the period ends
DECISIONS_LIMIT = 200_000
"""At most this many kerb decisions are kept per parameter table, over every seed kept (a run of 100,000
children makes about 180,000 and keeps about 30 MiB more)."""


class SchoolRouteModel(mesa.Model):
    """Children walking to one school on one seeded morning.

    Parameters
    ----------
    setting
        The prepared network, routes, traffic, guards and parameters.
    rng
        The run's seed (an int). Every random draw derives from it.
    keep_seeds
        How many seeds' vehicle streams and kerb decisions this process
        keeps for the runs that follow (:mod:`simulator.kept`): 1, the
        latest, for runs seed by seed; more for a caller that comes back to
        the same seeds. The results are the same whatever it is.
    """

    time: float  # Mesa's observable clock, s (declared for the type checker)

    def __init__(self, setting: Setting, *, rng: int | None = None, keep_seeds: int = 1) -> None:
        seed = 0 if rng is None else int(rng)
        super().__init__(rng=seed)
        # event-driven: no time-step events (Mesa schedules a step every time unit, a second here;
        # its own event simulator stops them the same way, mesa.experimental.devs)
        self._default_schedule.stop()
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._tickets = itertools.count()
        self._cancelled: set[int] = set()
        self.seed = seed
        self.keep_seeds = keep_seeds
        self.setting = setting
        p = setting.params
        self.params = p
        self.risk = Risk.from_params(p, tables=p.derived.setdefault("risk_tables", {}))
        self.arrivals = 0
        self.streams: dict[str, Stream] = {}
        self.roads: dict[tuple[str, int], Road] = {}
        self.guards = {g.crossing: Guard(self, g) for g in setting.guards}
        homes = list(setting.routes)
        weights = np.array([self._home_weight(h) for h in homes])
        self.population: Children = draw_children(setting.n_children, weights, params=p, seed=seed)
        self.children: list[Child] = []
        self.parties: list[Party] = []
        self._make_parties(homes)

    # --- set-up -------------------------------------------------------------
    def _home_weight(self, home: str) -> float:
        return float(self.setting.home_weights.get(home, 1.0))

    def _make_parties(self, homes: list[str]) -> None:
        pop, s = self.population, self.setting
        educated = pop.u_educated < s.education_share
        mobility = profiles(pop.u_mobility, pop.u_stroller, pop.escorted, params=self.params)
        for i in range(len(pop)):
            self.children.append(
                Child(
                    self,
                    index=i,
                    home=homes[pop.home[i]],
                    age=int(pop.age[i]),
                    speed=float(pop.speed[i]),
                    escorted=bool(pop.escorted[i]),
                    educated=bool(educated[i]),
                    profile=str(mobility[i]),
                )
            )
        order = np.argsort(pop.group, kind="stable")
        groups = np.split(order, np.flatnonzero(np.diff(pop.group[order])) + 1)
        for members in groups:
            party = [self.children[i] for i in members]
            lead = lead_of(party)
            mode = self._mode(lead)
            if mode not in ("walk", "bus"):  # the parent stays with the vehicle; no adult on the school bus
                for child in party:
                    child.escorted = False
            self.parties.append(party_of(self, party, educated=educated, mode=mode))
        set_down(self, [p for p in self.parties if p.arrival_mode in DRIVEN])
        for party in self.parties:
            self.call_at(party.start, max(party.depart, 0.0))

    def _mode(self, child: Child) -> str:
        """How a child arrives (:mod:`simulator.arrival`): every child walks without mode shares."""
        s, pop = self.setting, self.population
        if s.modes is None or child.home not in s.mode_p:
            return "walk"
        i = child.index
        return s.modes.draw(s.mode_p[child.home], float(pop.u_mode[i]), pop.u_race[i].tolist(),
                            float(pop.u_shift[i]))

    # --- traffic ------------------------------------------------------------
    def stream(self, crossing: str) -> Stream:
        """The vehicles of a crossing (drawn on first use, from the run seed and the crossing id).

        Cars by lane and the two-wheelers of the kerb lanes (:func:`simulator.traffic.make_stream`;
        drawn once per seed and traffic in this process, :func:`simulator.traffic.recent_stream`).
        """
        if crossing not in self.streams:
            tr = self.setting.traffic[crossing]
            c = tr.crossing
            self.streams[crossing] = recent_stream(
                seeds=self.keep_seeds,
                seed=self.seed,
                crossing_id=crossing,
                lanes=c.lanes,
                rate=tr.rate,
                mean_speed=tr.mean_speed,
                speed_cv=self.params["traffic.speed_cv"],
                max_rate=self.params["traffic.max_rate_per_lane"] / 3600.0,
                start=-600.0,
                end=self.setting.period_end + TRAILING,
                twowheelers=tr.twowheelers,
            )
        return self.streams[crossing]

    def road(self, crossing: str, near: int) -> Road:
        """The road as a walker coming from side ``near`` meets it."""
        key = (crossing, near)
        if key not in self.roads:
            tr = self.setting.traffic[crossing]
            self.roads[key] = road_at(tr, near, stream=self.stream(crossing),
                                      yield_rate=tr.yield_rate(self.setting.bell, params=self.params),
                                      params=self.params)
        return self.roads[key]

    def decision(self, road: Road, walker: Walker, t: float, inattentive_share: float) -> Outcome:
        """A party's crossing of ``road`` from ``t`` (:func:`simulator.kerb.decide`), made once per process.

        Runs of several scenarios with one seed meet the same decisions
        (common random numbers): a party that reaches a crossing whose traffic
        a scenario does not change, at the same time and with the same walker,
        crosses the same way. The decision is a pure function of the road as
        met (its vehicles by identity: a stream drawn once per seed,
        :func:`simulator.traffic.recent_stream`), the walker, the time and the
        parameters, so it is kept with the parameters (:attr:`Parameters.derived`)
        for the ``keep_seeds`` seeds run most recently, at most
        :data:`DECISIONS_LIMIT` in all (:mod:`simulator.kept`); a road that
        cannot be a key is decided anew. Code that changes how decisions are
        made within one process (a test patching the kerb modules) must drop
        them first: ``params.derived.pop("decisions", None)``.
        """
        p = self.params
        kept: BySeed[tuple[Stream, Outcome]] | None = p.derived.get("decisions")
        if kept is None:
            kept = p.derived.setdefault("decisions", BySeed(budget=DECISIONS_LIMIT))
        try:
            key = (road.identity, walker, t, inattentive_share)
            found = kept.get(self.seed, key)
        except TypeError:  # a rate or speed function that cannot be a key
            key, found = None, None
        if found is not None and found[0] is road.stream:
            return found[1]
        outcome = decide(road, walker, t, self.risk, inattentive_share=inattentive_share,
                         rolling_share=p["rolling.share"], rolling_min_lanes=p["rolling.min_lanes"])
        if key is not None:  # the stream held: its id stays its own
            kept.put(self.seed, key, (road.stream, outcome), seeds=self.keep_seeds, most=DECISIONS_LIMIT)
        return outcome

    # --- the clock ------------------------------------------------------------
    def call_at(self, action: Callable[[], None], when: float) -> int:
        """Run ``action`` at model time ``when``; returns a ticket for :meth:`cancel_call`.

        Raises
        ------
        ValueError
            If ``when`` is before the model's time (as Mesa's ``schedule_event``).
        """
        if when < self.time:
            msg = f"cannot schedule an action at {when} s: the model's time is already {self.time} s"
            raise ValueError(msg)
        ticket = next(self._tickets)
        heapq.heappush(self._queue, (when, ticket, action))
        return ticket

    def cancel_call(self, ticket: int) -> None:
        """Do not run the action of ``ticket``."""
        self._cancelled.add(ticket)

    def _advance_time(self, until: float) -> None:
        """Mesa's clock step: the model's events and any Mesa events up to ``until``, in time order.

        At the same time the model's own events run first. Mesa's list is
        only looked at when something was scheduled on it (a notebook's
        ``schedule_event``): the model itself never uses it.
        """
        if until <= self.time:
            super()._advance_time(until)  # Mesa's warning
            return
        queue, mesa_events, cancelled = self._queue, self._event_list, self._cancelled
        while True:
            own = queue[0][0] if queue else math.inf
            theirs = math.inf
            if not mesa_events.is_empty():
                ahead = mesa_events.peek_ahead(1)  # skips cancelled events
                theirs = ahead[0].time if ahead else math.inf
            if min(own, theirs) > until:
                break
            if own <= theirs:
                _, ticket, action = heapq.heappop(queue)
                if ticket in cancelled:
                    cancelled.discard(ticket)
                    continue
                self.time = own
                action()
            else:
                event = mesa_events.pop_event()
                self.time = event.time
                event.execute()
        self.time = until

    # --- running ------------------------------------------------------------
    def run(self) -> None:
        """Run the morning until every child has arrived (or the trailing hour ends)."""
        horizon = self.setting.period_end + TRAILING
        while self.arrivals < len(self.children) and self.time < horizon:
            self.run_until(min(self.time + 900.0, horizon))
        self.running = False
