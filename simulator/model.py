"""The Mesa model: children walk from home to school and cross roads at kerbs.

Event-driven: walking between kerbs needs no stepping (a party's position is a
known function of time), so the model's event list holds departures, kerb
arrivals, guard escorts and school arrivals. Model time is seconds after the
start of the simulated period (``setting.period_start`` on the clock).

A party with a child who cannot use stairs, or an escort pushing a stroller,
walks a step-free route (:mod:`simulator.access`); kerbs where parked cars
limit the sight distance are met with it (:mod:`simulator.sight`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import mesa
import numpy as np

from simulator.access import means, passable, profiles
from simulator.agents import Child, Guard, Party
from simulator.kerb import Outcome, Risk, Road, Walker, cross, escort
from simulator.population import Children, draw_children
from simulator.risk import NO_ENCOUNTER, blend, braking_nodes, injury_model
from simulator.routing import Leg, Route, RouteChoice
from simulator.setting import Setting, signal_of
from simulator.sight import lane_sight
from simulator.traffic import KMH, Stream, make_stream

TRAILING = 3600.0  # children still walking are followed this long after the period ends


class SchoolRouteModel(mesa.Model):
    """Children walking to one school on one seeded morning.

    Parameters
    ----------
    setting
        The prepared network, routes, traffic, guards and parameters.
    rng
        The run's seed (an int). Every random draw derives from it.
    """

    def __init__(self, setting: Setting, *, rng: int | None = None) -> None:
        seed = 0 if rng is None else int(rng)
        super().__init__(rng=seed)
        self.seed = seed
        self.setting = setting
        p = setting.params
        self.params = p
        self.risk = Risk(
            braking_nodes(p), injury_model(p), p["conflict.ttc"], p["conflict.pet"], p["conflict.drac"]
        )
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
        for number, members in enumerate(groups):
            self._make_party(number, [self.children[i] for i in members], educated)
        for party in self.parties:
            self.schedule_event(party.start, at=max(party.depart, 0.0))

    def _make_party(self, number: int, members: list[Child], educated: np.ndarray) -> None:
        pop, s, p = self.population, self.setting, self.params
        lead = max(members, key=lambda c: (c.age, -c.index))
        i = lead.index
        choice = s.routes[lead.home]
        follows = choice.recommended is not None and float(pop.u_follow[i]) < s.follow_share
        u_route, slowest = float(pop.u_route[i]), min(c.speed for c in members)
        usual = self._route_for(choice, follows=follows, u=u_route, speed=slowest, step_free=False)
        step_free = any(c.profile != "walk" for c in members)
        route = (self._route_for(choice, follows=follows, u=u_route, speed=slowest, step_free=True)
                 if step_free else usual)
        speed = min(c.speed for c in members)
        escorted = any(c.escorted for c in members)
        rows = 1 + (len(members) - 1) // 3
        if escorted:
            walker = Walker(
                speed=speed,
                startup=p["adult.startup_time"] + 2 * (rows - 1),
                gap_factor=float(pop.adult_gap_factor[i]),
                time_weight=1.0,
                patience=float(pop.patience[i]) * 2,
                impatient_factor=p["child.impatient_gap_factor"],
            )
            inattentive = 0.0
        else:
            age = lead.age
            time_weight = min(max((age - 6) / (p["child.time_judgement_age"] - 6), 0.0), 1.0)
            gap = float(pop.gap_factor[i]) * (p["education.gap_factor"] if educated[i] else 1.0)
            walker = Walker(
                speed=speed,
                startup=p["child.startup_time"] + 2 * (rows - 1),
                gap_factor=gap,
                time_weight=time_weight,
                ref_speed=p["child.distance_judgement_ref_speed"] * KMH,
                patience=float(pop.patience[i]),
                impatient_factor=p["child.impatient_gap_factor"],
                min_lag=p["child.inattentive_min_lag"],
                lane_margin=p["child.lane_margin"],
            )
            inattentive = (
                p["child.inattentive_share_age6"]
                + (p["child.inattentive_share_age12"] - p["child.inattentive_share_age6"]) * (age - 6) / 6
            )
            if educated[i]:
                inattentive *= p["education.inattentive_factor"]
        free = route.length / speed
        bell = min(s.bell_for(c.age) for c in members)
        # nobody leaves before the simulated period starts: the model cannot look back in time
        depart = max(bell - float(pop.slack[i]) - free * p["child.walk_time_budget"], 0.0)
        self.parties.append(
            Party(
                self,
                members=members,
                route=route,
                depart=depart,
                speed=speed,
                walker=walker,
                inattentive_share=inattentive,
                step_free=step_free,
                usual_route=usual,
            )
        )

    def _route_for(self, choice: RouteChoice, *, follows: bool, u: float, speed: float,
                   step_free: bool) -> Route:
        """A party's route: the recommended one if it follows it (and can walk it), else its own choice.

        A party that cannot use stairs chooses between its step-free compliant
        route (a detour, a ramp or a lift) and crossing at grade beneath the
        bridge, as other walkers choose between the bridge and the shortcut.
        """
        crossings = self.setting.network.crossings
        if follows and choice.recommended is not None and (
            not step_free or passable(choice.recommended.crossings, crossings)
        ):
            return choice.recommended
        if not step_free:
            return self._choose_route(choice.compliant, choice.shortcut, u, speed=speed)
        compliant, shortcut = choice.step_free_routes()
        if compliant is None:
            return shortcut  # no step-free way over: at grade it is
        return self._choose_route(compliant, shortcut, u, speed=speed)

    def _choose_route(self, compliant: Route, shortcut: Route, u: float, *, speed: float) -> Route:
        if shortcut is compliant:
            return compliant
        p = self.params
        extra = (compliant.cost - shortcut.cost) / speed
        p_avoid = 1.0 / (1.0 + math.exp(-(extra - p["grade.avoid_midpoint"]) / p["grade.avoid_scale"]))
        return shortcut if u < p_avoid else compliant

    # --- traffic ------------------------------------------------------------
    def stream(self, crossing: str) -> Stream:
        """The vehicles of a crossing (drawn on first use, from the run seed and the crossing id)."""
        if crossing not in self.streams:
            tr = self.setting.traffic[crossing]
            c = tr.crossing
            self.streams[crossing] = make_stream(
                seed=self.seed,
                crossing_id=crossing,
                lanes=c.lanes,
                rate=tr.rate,
                mean_speed=tr.mean_speed,
                speed_cv=self.params["traffic.speed_cv"],
                max_rate=self.params["traffic.max_rate_per_lane"] / 3600.0,
                start=-600.0,
                end=self.setting.period_end + TRAILING,
            )
        return self.streams[crossing]

    def road(self, crossing: str, near: int) -> Road:
        """The road as a walker coming from side ``near`` meets it."""
        key = (crossing, near)
        if key not in self.roads:
            tr = self.setting.traffic[crossing]
            c = tr.crossing
            self.roads[key] = Road(
                length=c.length,
                lanes=c.lanes,
                near=near if c.lanes[1] else 0,
                stream=self.stream(crossing),
                yield_rate=tr.yield_rate(self.setting.bell, params=self.params),
                signal=signal_of(c),
                refuge=c.facility == "refuge",
                stop_reaction=self.params["driver.reaction_mean"],
                stop_decel=self.params["yield.comfortable_decel"],
                sight=lane_sight(c, near if c.lanes[1] else 0, self.params),
                careless_sight=lane_sight(c, near if c.lanes[1] else 0, self.params, careless=True),
            )
        return self.roads[key]

    # --- kerb events ----------------------------------------------------------
    def at_kerb(self, party: Party, leg: Leg) -> None:
        """A party is at the kerb of ``leg.crossing``: decide how it crosses."""
        cid = leg.crossing
        assert cid is not None
        t = self.time
        c = self.setting.traffic[cid].crossing
        if c.grade_separated:
            # stairs, or a ramp or lift where it is quicker (and always for a step-free party)
            way = means(c, self.params, step_free=party.step_free) or means(c, self.params, step_free=False)
            assert way is not None
            end = t + way.length / party.speed + way.extra_s
            party.crossed(cid, Outcome(t, t, end, c.facility, 0.0, math.inf, NO_ENCOUNTER), guarded=False)
            return
        guard = self.guards.get(cid)
        if guard is not None and guard.on_duty(t):
            guard.join(party, leg.near)
            return
        road = self.road(cid, leg.near)
        traffic = self.setting.traffic[cid]
        if traffic.mean_speed[0].window is not None:  # speeds, and so yielding, change with the hour
            road = replace(road, yield_rate=traffic.yield_rate(t, params=self.params))
        outcome = cross(road, party.walker, t, self.risk)
        if party.inattentive_share > 0 and road.signal is None:
            # expected value over the chance of stepping out without waiting for a safe gap:
            # both branches are computed, so no rare event is sampled
            careless = cross(road, replace(party.walker, inattentive=True), t, self.risk)
            outcome = replace(
                outcome, encounter=blend(outcome.encounter, careless.encounter, party.inattentive_share)
            )
        party.crossed(cid, outcome, guarded=False)

    def escort(self, guard: Guard, group: list[tuple[Party, float, int]]) -> float:
        """A guard takes ``group`` across; returns when the group reaches the far kerb."""
        p = self.params
        post = guard.post
        t = self.time
        near = group[0][2]
        obey = p["guard.obey"][post.staff]
        walker = Walker(
            speed=min(p["guard.escort_speed"], *(party.speed for party, _, _ in group)),
            startup=p["adult.startup_time"],
            lane_margin=p["guard.lane_margin"],
        )
        road = self.road(post.crossing, near)
        if post.clear_parking:  # the guards keep the kerbs clear: no parked car hides the group
            c = self.setting.traffic[post.crossing].crossing
            road = replace(road, sight=lane_sight(c, road.near, self.params, parked=False),
                           careless_sight=lane_sight(c, road.near, self.params, parked=False, careless=True))
        out = escort(replace(road, yield_rate=max(obey, road.yield_rate)), walker, t, self.risk)
        for party, arrived, _ in group:
            mine = Outcome(arrived, out.start, out.end, "guard", out.in_road, out.lag, out.encounter)
            party.crossed(post.crossing, mine, guarded=True)
        return out.end

    # --- running ------------------------------------------------------------
    def run(self) -> None:
        """Run the morning until every child has arrived (or the trailing hour ends)."""
        horizon = self.setting.period_end + TRAILING
        while self.arrivals < len(self.children) and self.time < horizon:
            self.run_until(min(self.time + 900.0, horizon))
        self.running = False
