"""The Mesa agents: children, the parties they walk in, and 护学岗 guards, with what they do.

A party is formed from children of one home who leave together
(:func:`party_of`): it picks its route (the recommended one if it follows
it, else the bridge or the shortcut beneath it, :func:`route_for`), and at
each kerb it climbs a bridge, joins a guard's group, or judges the traffic
itself (:meth:`Party.at_kerb`). A guard gathers the parties at its kerb and
takes them across (:meth:`Guard.escort`). The model (:mod:`simulator.model`)
is the frame: the clock, the streams and the roads.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulator.access import means, passable
from simulator.arrival import DRIVEN, GATE_STOP
from simulator.gate import AT_GATE, BAN_EDGE, drops, route_from
from simulator.kerb import Mode, Outcome, cross, escort
from simulator.kerbdata import replaced
from simulator.kerbinputs import child_walker, escorted_walker, guard_walker, inattentive_share, rows_of
from simulator.params import Parameters
from simulator.risk import NO_ENCOUNTER, blend
from simulator.routing import Leg, Route, RouteChoice, crossing_lengths, route_tail
from simulator.sight import lane_sight

if TYPE_CHECKING:
    from collections.abc import Mapping

    from simulator.crossing import Crossing
    from simulator.kerb import Walker
    from simulator.model import SchoolRouteModel
    from simulator.setting import GuardPost, Setting


class Child(mesa.Agent):
    """A pupil walking to school (possibly with an adult and with siblings).

    ``profile`` is the child's mobility (:data:`simulator.access.PROFILES`):
    ``walk``, ``no_stairs`` (wheelchair, crutches) or ``stroller`` (the escort
    pushes a younger sibling).
    """

    def __init__(self, model: SchoolRouteModel, *, index: int, home: str, age: int, speed: float,
                 escorted: bool, educated: bool, profile: str) -> None:
        super().__init__(model)
        self.index = index
        self.home = home
        self.age = age
        self.speed = speed
        self.escorted = escorted
        self.educated = educated
        self.profile = profile
        self.party: Party | None = None


class Party(mesa.Agent):
    """Children who walk and cross together (one child, siblings, or with an adult).

    A party's position between kerbs is a known function of time, so it only
    acts at kerbs: it is an event-driven agent. A party with a member who
    cannot use stairs (or a stroller) is ``step_free``; ``usual_route`` is the
    route it would have taken with stairs (the same draws), for its extra distance.
    """

    model: SchoolRouteModel

    def __init__(self, model: SchoolRouteModel, *, members: list[Child], route: Route,
                 depart: float, speed: float, walker: Walker, inattentive_share: float,
                 step_free: bool, usual_route: Route, arrival_mode: str = "walk",
                 choice: RouteChoice | None = None, origin: str = "") -> None:
        super().__init__(model)
        self.members = members
        self.arrival_mode = arrival_mode
        self.choice = choice
        self.origin = origin
        self.let_out = ""  # where a parent let the party out at the gate (simulator.gate.Drop.place)
        self.route = route
        self.step_free = step_free
        self.usual_route = usual_route
        self.depart = depart
        self.speed = speed
        self.walker = walker
        self.inattentive_share = inattentive_share
        self.leg = 0
        self.arrived: float | None = None
        self.outcomes: list[tuple[str, Outcome, bool]] = []
        self.waypoints: list[tuple[float, int]] = [(depart, 0)]
        for child in members:
            child.party = self

    @property
    def size(self) -> int:
        """Number of children in the party."""
        return len(self.members)

    def start(self) -> None:
        """Leave home."""
        self._walk_leg(self.depart)

    def _walk_leg(self, t: float) -> None:
        leg = self.route.legs[self.leg]
        at = t + leg.distance / self.speed
        if leg.crossing is None:
            self.model.call_at(self.reach_school, at)
        else:
            self.model.call_at(self.reach_kerb, at)

    def reach_kerb(self) -> None:
        """Arrive at the kerb of the next crossing."""
        self.at_kerb(self.route.legs[self.leg])

    def at_kerb(self, leg: Leg) -> None:
        """At the kerb of ``leg.crossing``: over the bridge, to the guard, or across on its own judgement.

        On its own judgement (:func:`simulator.kerb.decide`): on a wide road
        without signal or refuge a share of walkers (``rolling.share``) crosses
        lane by lane from the start; a child alone may step out without
        waiting for a safe gap (or, on the green man, cross without looking).
        The outcome's risk is the expected value over these branches (each is
        computed, so no rare event is sampled); its timing is the walked
        branch's. A decision another scenario of the seed has made is reused
        (:meth:`SchoolRouteModel.decision <simulator.model.SchoolRouteModel.decision>`).
        """
        model, p = self.model, self.model.params
        cid = leg.crossing
        assert cid is not None
        t = model.time
        traffic = model.setting.traffic[cid]
        c = traffic.crossing
        if c.grade_separated:
            # stairs, or a ramp or lift where it is quicker (and always for a step-free party)
            way = means(c, p, step_free=self.step_free) or means(c, p, step_free=False)
            assert way is not None
            end = t + way.length / self.speed + way.extra_s
            over = Outcome(t, t, end, Mode(c.facility), 0.0, math.inf, NO_ENCOUNTER)
            self.crossed(cid, over, guarded=False)
            return
        guard = model.guards.get(cid)
        if guard is not None and guard.on_duty(t):
            guard.join(self, leg.near)
            return
        road = model.road(cid, leg.near)
        if traffic.mean_speed[0].window is not None:  # speeds, and so yielding, change with the hour
            road = replaced(road, yield_rate=traffic.yield_rate(t, params=p))
        self.crossed(cid, model.decision(road, self.walker, t, self.inattentive_share), guarded=False)

    def crossed(self, crossing: str, outcome: Outcome, *, guarded: bool) -> None:
        """Record a finished crossing and walk on."""
        self.outcomes.append((crossing, outcome, guarded))
        self.leg += 1
        self.waypoints.append((outcome.end, self.leg))
        self._walk_leg(outcome.end)

    def reach_school(self) -> None:
        """Arrive at the school gate."""
        self.arrived = self.model.time
        self.model.arrivals += self.size


class Guard(mesa.Agent):
    """A 护学岗 post: gathers children at the kerb, stops traffic, escorts them across."""

    model: SchoolRouteModel

    def __init__(self, model: SchoolRouteModel, post: GuardPost) -> None:
        super().__init__(model)
        self.post = post
        self.queue: list[tuple[Party, float, int]] = []
        self.free_at = post.start
        self.escort_call: int | None = None
        self.escorts = 0

    def on_duty(self, t: float) -> bool:
        """True while the post is staffed."""
        return self.post.start <= t < self.post.end

    def join(self, party: Party, near: int) -> None:
        """A party reaches the post's kerb and waits to be escorted."""
        t = self.model.time
        self.queue.append((party, t, near))
        waiting = sum(p.size for p, _, _ in self.queue)
        limit = self.model.params["guard.max_group"] * self.post.count
        if waiting >= limit:
            self._escort_at(max(t, self.free_at))
        elif self.escort_call is None:
            self._escort_at(max(t + self.model.params["guard.max_hold"], self.free_at))

    def _escort_at(self, at: float) -> None:
        if self.escort_call is not None:
            self.model.cancel_call(self.escort_call)
        self.escort_call = self.model.call_at(self.escort, at)

    def escort(self) -> None:
        """Stop traffic when it can stop and take every waiting party across."""
        self.escort_call = None
        group, self.queue = self.queue, []
        if not group:
            return
        end = self._take_across(group)
        self.escorts += 1
        crossing_time = end - self.model.time
        self.free_at = end + crossing_time  # walks back to the kerb

    def _take_across(self, group: list[tuple[Party, float, int]]) -> float:
        """Lead ``group`` across lane by lane; returns when it reaches the far kerb.

        Drivers obey the guard with the staff type's rate (or yield as they
        would anyway, if more); guards who keep the kerbs clear leave no
        parked car to hide the group. A share of the children
        (``guard.no_wait_share``) does not wait and crosses on its own on
        arrival: each party's risk is the expected value over both (its
        timing is the guard's).
        """
        model, p, post = self.model, self.model.params, self.post
        walker = guard_walker(p, slowest=min(party.speed for party, _, _ in group))
        road = model.road(post.crossing, group[0][2])
        if post.clear_parking:
            c = model.setting.traffic[post.crossing].crossing
            road = replace(road, sight=lane_sight(c, road.near, p, parked=False),
                           careless_sight=lane_sight(c, road.near, p, parked=False, careless=True))
        obey = p["guard.obey"][post.staff]
        out = escort(replace(road, yield_rate=max(obey, road.yield_rate)), walker, model.time, model.risk)
        alone = p["guard.no_wait_share"]
        for party, arrived, near in group:
            enc = out.encounter
            if alone > 0:
                road_own = model.road(post.crossing, near)
                own = cross(road_own, party.walker, arrived, model.risk.expected_only)
                enc = blend(enc, own.encounter, alone)
            party.crossed(post.crossing, replaced(out, arrive=arrived, encounter=enc), guarded=True)
        return out.end


def lead_of(members: list[Child]) -> Child:
    """The child who leads a party: the eldest (the first drawn among equals)."""
    return max(members, key=lambda c: (c.age, -c.index))


def party_of(model: SchoolRouteModel, members: list[Child], *, educated: np.ndarray,
             mode: str = "walk") -> Party:
    """The party of ``members``: its route, walker, departure and chance of stepping out inattentively.

    The eldest member leads (its draws decide the route and the walker); the
    party walks at its slowest member's speed and leaves so as to arrive
    ``slack`` before the earliest bell among its members. ``mode``
    (:mod:`simulator.arrival`) says where the walk starts: at home, at the bus
    stop (when the last bus that keeps the plan sets it down), at the
    school-bus stop, or at the gate (its route is set by :mod:`simulator.gate`
    once every parent's arrival is known).
    """
    pop, s, p = model.population, model.setting, model.params
    lead = lead_of(members)
    i = lead.index
    choice, origin = _start(s, lead.home, mode)
    u_route, slowest = float(pop.u_route[i]), min(c.speed for c in members)
    crossings = s.network.crossings
    step_free = any(c.profile != "walk" for c in members)
    if choice is None:  # from the gate, or the school bus at the gate: set later, or nothing to walk
        usual = route = GATE_WALK
    else:
        follows = choice.recommended is not None and float(pop.u_follow[i]) < s.follow_share
        usual = route_for(choice, follows=follows, u=u_route, speed=slowest, step_free=False,
                          crossings=crossings, params=p)
        route = (route_for(choice, follows=follows, u=u_route, speed=slowest, step_free=True,
                           crossings=crossings, params=p) if step_free else usual)
    rows = rows_of(p, len(members))
    if any(c.escorted for c in members):
        walker = escorted_walker(p, speed=slowest, gap_factor=float(pop.adult_gap_factor[i]),
                                 patience=float(pop.patience[i]), rows=rows)
        inattentive = 0.0
    else:
        walker = child_walker(p, age=lead.age, speed=slowest, gap_factor=float(pop.gap_factor[i]),
                              patience=float(pop.patience[i]), educated=bool(educated[i]), rows=rows)
        inattentive = inattentive_share(p, age=lead.age, educated=bool(educated[i]))
    free = route.length / slowest
    bell = min(s.bell_for(c.age) for c in members)
    # nobody leaves before the simulated period starts: the model cannot look back in time
    depart = max(bell - float(pop.slack[i]) - free * p["child.walk_time_budget"], 0.0)
    if mode == "bus" and s.buses is not None:
        depart = max(s.buses.alight(origin, depart), 0.0)
    return Party(model, members=members, route=route, depart=depart, speed=slowest, walker=walker,
                 inattentive_share=inattentive, step_free=step_free, usual_route=usual, arrival_mode=mode,
                 choice=choice, origin=origin)


def set_down(model: SchoolRouteModel, parties: list[Party]) -> None:
    """Where each parent lets its child out, and the child's walk from there (:mod:`simulator.gate`).

    At the gate, in order of arrival (a full kerb puts the later ones in the
    lane); under a drop-off ban, at the ban's edge, from where the children
    walk the rest of their home's route (leaving that much earlier).
    """
    s, p, pop = model.setting, model.params, model.population
    if not parties:
        return
    rules, site = s.gate_rules, s.gate
    if rules.ban_m > 0:
        lengths = crossing_lengths(s.network.crossings, p, step_free=False)
        for party in parties:
            choice = s.routes[party.members[0].home]
            usual = (choice.step_free_routes()[0] or choice.shortcut) if party.step_free else choice.compliant
            tail = route_tail(usual, rules.ban_m, graph=s.network.graph, crossings=s.network.crossings,
                              lengths=lengths)
            party.route = party.usual_route = tail
            party.origin = party.let_out = BAN_EDGE
            party.depart = max(party.depart - tail.length / party.speed * p["child.walk_time_budget"], 0.0)
        return
    if site is None:
        return
    leads = [lead_of(party.members).index for party in parties]
    far = [site.far(party.members[0].home) for party in parties]
    placed = drops(np.array([party.depart for party in parties]), np.array([x.arrival_mode for x in parties]),
                   np.array(far), pop.z_dwell[leads], pop.u_rule[leads], rules=rules, params=p)
    for party, drop in zip(parties, placed, strict=True):
        party.route = party.usual_route = route_from(drop, site)
        party.let_out = drop.place
        if drop.parked:  # the parent leaves the e-bike in the parking and walks the child in
            for child in party.members:
                child.escorted = True


GATE_WALK = Route((Leg(0.0, None, 0),), 0.0, (), 0.0)
"""The route of a party set down at the gate itself."""


def _start(s: Setting, home: str, mode: str) -> tuple[RouteChoice | None, str]:
    """Where a party of ``home`` arriving by ``mode`` starts walking: its routes and the place's id."""
    if mode == "bus":
        stop = s.home_stop[home]
        return s.stop_routes[stop], stop
    if mode == "school_bus":
        stop = s.modes.school_bus_stop if s.modes is not None else GATE_STOP
        return (None, GATE_STOP) if stop == GATE_STOP else (s.stop_routes[stop], stop)
    if mode in DRIVEN:
        return None, AT_GATE
    return s.routes[home], home


def route_for(choice: RouteChoice, *, follows: bool, u: float, speed: float, step_free: bool,
              crossings: Mapping[str, Crossing], params: Parameters) -> Route:
    """A party's route: the recommended one if it follows it (and can walk it), else its own choice.

    A party that cannot use stairs chooses between its step-free compliant
    route (a detour, a ramp or a lift) and crossing at grade beneath the
    bridge, as other walkers choose between the bridge and the shortcut.
    """
    if follows and choice.recommended is not None and (
        not step_free or passable(choice.recommended.crossings, crossings)
    ):
        return choice.recommended
    if not step_free:
        return choose_route(choice.compliant, choice.shortcut, u, speed=speed, params=params)
    compliant, shortcut = choice.step_free_routes()
    if compliant is None:
        return shortcut  # no step-free way over: at grade it is
    return choose_route(compliant, shortcut, u, speed=speed, params=params)


def choose_route(compliant: Route, shortcut: Route, u: float, *, speed: float, params: Parameters) -> Route:
    """The bridge's route or the shortcut beneath it; avoidance grows with the bridge's extra time."""
    if shortcut is compliant:
        return compliant
    extra = (compliant.cost - shortcut.cost) / speed
    p_avoid = 1.0 / (1.0 + math.exp(-(extra - params["grade.avoid_midpoint"]) / params["grade.avoid_scale"]))
    return shortcut if u < p_avoid else compliant
