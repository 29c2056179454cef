"""The Mesa agents: children, the parties they walk in, and 护学岗 guards."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from simulator.kerb import Outcome, Walker
from simulator.routing import Route

if TYPE_CHECKING:
    from simulator.model import SchoolRouteModel
    from simulator.setting import GuardPost


class Child(mesa.Agent):
    """A pupil walking to school (possibly with an adult and with siblings).

    ``profile`` is the child's mobility (:data:`simulator.access.PROFILES`):
    ``walk``, ``no_stairs`` (wheelchair, crutches) or ``stroller`` (the escort
    pushes a younger sibling).
    """

    def __init__(self, model: SchoolRouteModel, *, index: int, home: str, age: int, speed: float,
                 escorted: bool, educated: bool, profile: str = "walk") -> None:
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

    def __init__(self, model: SchoolRouteModel, *, members: list[Child], route: Route,
                 depart: float, speed: float, walker: Walker, inattentive_share: float,
                 step_free: bool = False, usual_route: Route | None = None) -> None:
        super().__init__(model)
        self.members = members
        self.route = route
        self.step_free = step_free
        self.usual_route = route if usual_route is None else usual_route
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
            self.model.schedule_event(self.reach_school, at=at)
        else:
            self.model.schedule_event(self.reach_kerb, at=at)

    def reach_kerb(self) -> None:
        """Arrive at the kerb of the next crossing and hand over to the model's kerb logic."""
        self.model.at_kerb(self, self.route.legs[self.leg])

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

    def __init__(self, model: SchoolRouteModel, post: GuardPost) -> None:
        super().__init__(model)
        self.post = post
        self.queue: list[tuple[Party, float, int]] = []
        self.free_at = post.start
        self.escort_event = None
        self.escorts = 0

    def on_duty(self, t: float) -> bool:
        """True while the post is staffed."""
        return self.post.start <= t < self.post.end

    def join(self, party: Party, near: int) -> None:
        """A party reaches the post's kerb and waits to be escorted."""
        t = self.model.time
        self.queue.append((party, t, near))
        waiting = sum(p.size for p, _, _ in self.queue)
        limit = self.model.setting.params["guard.max_group"] * self.post.count
        if waiting >= limit:
            self._escort_at(max(t, self.free_at))
        elif self.escort_event is None:
            self._escort_at(max(t + self.model.setting.params["guard.max_hold"], self.free_at))

    def _escort_at(self, at: float) -> None:
        if self.escort_event is not None:
            self.escort_event.cancel()
        self.escort_event = self.model.schedule_event(self.escort, at=at)

    def escort(self) -> None:
        """Stop traffic when it can stop and take every waiting party across."""
        self.escort_event = None
        group, self.queue = self.queue, []
        if not group:
            return
        end = self.model.escort(self, group)
        self.escorts += 1
        crossing_time = end - self.model.time
        self.free_at = end + crossing_time  # walks back to the kerb
