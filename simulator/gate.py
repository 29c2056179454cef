"""The school gate: where parents' cars and e-bikes stop, and which children must cross to reach it.

The gate street is the carriageway nearest the gate. A parent who drives or
rides a child there arrives along it in the direction its path from home
takes (from the nearer end of the gate street) and stops at the kerb on its
own right: on the school's side if its lanes run beside the school, else on
the far side, and then the child crosses the gate street to the gate (the
crossing ``gate``, judged by the child like any other, behind the stopped
vehicles that line the kerb). A one-way gate street lets every parent stop on
the school's side.

Each side's kerb holds ``gate.kerb_length`` metres of stopped vehicles (a car
takes ``gate.kerb_length_per_car``, an e-bike ``gate.kerb_length_per_ebike``).
A vehicle stands there for its dwell (lognormal around the mean of its kind:
unguided, guided by 高峰勤务 staff, or in a 即停即走 zone); one that finds the
kerb full stops in the lane beside it (double parking): the queue spills into
the street, and its child, let out in the kerb lane, crosses that lane
(``gate-lane``) among the two-wheelers and cars that squeeze past.

Levers act through these mechanisms only: a 即停即走 zone is a marked kerb on
the school's side with staffed, short stops, where stopping on the far side
is banned (and ``gate.far_side_compliance`` of the far-side parents turn round
to the zone); e-bike parking near the gate takes the e-bikes of
``gate.ebike_parking_use`` of their parents off the kerb, and those parents
walk their children in; a staggered start spreads the arrivals, so fewer
vehicles find the kerb full; a 护学岗 post on ``gate`` escorts the children
across and guides the cars (shorter stops while it is on duty).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from simulator.crossing import Crossing
from simulator.network.gatestreet import GATE_LANE, GateStreet
from simulator.network.walk import WalkNetwork
from simulator.params import Parameters
from simulator.routing import Leg, Route

AT_GATE = "gate"
"""Where the walk of a pupil let out at the gate starts (``start`` and ``route`` in the trip table)."""
BAN_EDGE = "ban_edge"
"""Where a pupil is let out under a drop-off ban (``start``, ``route`` and ``let_out`` in the trip table)."""


@dataclass(frozen=True)
class GateSite:
    """The gate street, where children let out on the far side cross it, and how parents arrive.

    Attributes
    ----------
    street
        The gate street (:class:`simulator.network.gatestreet.GateStreet`).
    crossing, lane
        Its crossings as the scenario has them (a zebra painted at the gate, a guard's post).
    approach
        Per home id: the direction its parents' vehicles travel along the gate
        street, from their path (the end they reach it by).
    """

    street: GateStreet
    crossing: Crossing
    lane: Crossing
    approach: Mapping[str, int]

    def far(self, home: str) -> bool:
        """True when a parent from ``home`` stops at the far kerb (on its right-hand side)."""
        if self.street.one_way:
            return self.street.school_side == 1
        return self.approach.get(home, self.street.school_side) != self.street.school_side

    def vehicles(self, driven: Mapping[str, float]) -> tuple[float, float]:
        """Parents' vehicles passing the gate in each direction: each drives past once, on its way."""
        out = [0.0, 0.0]
        for home, n in driven.items():
            out[0 if self.street.one_way else self.approach.get(home, 0)] += n
        return out[0], out[1]


def gate_site(network: WalkNetwork, paths: Mapping[str, list[Hashable]]) -> GateSite | None:
    """The gate street of ``network`` and each home's approach along it (None: no gate street).

    ``paths``: each home's street path to the gate (:func:`simulator.setting.dropoff_paths`),
    the same the parents' vehicles take on the streets.
    """
    street = network.gate_street
    if street is None:
        return None
    crossings = network.crossings
    approach = {home: _approach(path, street) for home, path in paths.items()}
    return GateSite(street, crossings.get(street.crossing.id, street.crossing),
                    crossings.get(GATE_LANE, street.lane), approach)


def _approach(path: list[Hashable], street: GateStreet) -> int:
    """The direction a vehicle on ``path`` travels along the gate street when it reaches the gate.

    A path that ends along the gate street came along it (v to u: direction 0,
    towards u); one that ends at an end node drives on from there (from u:
    direction 1); one ending elsewhere is taken to come from u's end.
    """
    u, v = street.u, street.v
    if len(path) >= 2 and (path[-2], path[-1]) == (v, u):
        return 0
    if len(path) >= 2 and (path[-2], path[-1]) == (u, v):
        return 1
    return 0 if path and path[-1] == v else 1


@dataclass(frozen=True)
class GateRules:
    """What a scenario does at the gate.

    Attributes
    ----------
    zone_m
        Length (m) of a 即停即走 zone on the school's side (0: none).
    ebike_parking_m
        Walk (m) from e-bike parking to the gate, on the school's side (None: no parking).
    guided
        Windows (model s) when 护学岗 staff at the gate guide the cars.
    ban_m
        No parent may stop within this distance (m) of the gate: children are
        let out at the ban's edge and walk the rest of their home's route.
    """

    zone_m: float = 0.0
    ebike_parking_m: float | None = None
    guided: tuple[tuple[float, float], ...] = ()
    ban_m: float = 0.0

    def guiding(self, t: float) -> bool:
        """True while staff guide the cars at the gate."""
        return any(a <= t < b for a, b in self.guided)


@dataclass(frozen=True)
class Drop:
    """Where one vehicle lets its child out.

    ``side`` 0 the school's kerb, 1 the far kerb; ``in_lane``: double-parked
    beside the full kerb; ``position`` m along the kerb from the gate;
    ``parked``: an e-bike left in the parking, its parent walks the child in.
    """

    side: int
    in_lane: bool
    position: float
    parked: bool = False

    @property
    def place(self) -> str:
        """``parking``; the kerb (``kerb``, ``far_kerb``) or the lane beside it (``lane``, ``far_lane``)."""
        if self.parked:
            return "parking"
        return ("far_" if self.side else "") + ("lane" if self.in_lane else "kerb")


def drops(arrive: np.ndarray, kind: np.ndarray, far: np.ndarray, u_dwell: np.ndarray,
          u_rule: np.ndarray, *, rules: GateRules, params: Parameters) -> list[Drop]:
    """Where each vehicle stops, in arrival order, side by side.

    Parameters
    ----------
    arrive
        Arrival at the gate, model s.
    kind
        ``"car"`` or ``"ebike"`` per vehicle.
    far
        True where the vehicle arrives in the direction whose kerb is the far side.
    u_dwell
        Standard-normal draws for the stop times.
    u_rule
        Uniform draws: turning round to a 即停即走 zone, using e-bike parking.
    """
    zone = rules.zone_m > 0
    kerb = float(params["gate.kerb_length"])
    capacity = (rules.zone_m if zone else kerb, kerb)
    space = {"car": float(params["gate.kerb_length_per_car"]),
             "ebike": float(params["gate.kerb_length_per_ebike"])}
    sigma = float(params["gate.dwell_sigma"])
    out: list[Drop | None] = [None] * len(arrive)
    kerbs: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])  # (leaves, metres) heaps
    used = [0.0, 0.0]
    use = float(params["gate.ebike_parking_use"])
    for i in np.argsort(arrive, kind="stable"):
        t, k, u = float(arrive[i]), str(kind[i]), float(u_rule[i])
        parking = rules.ebike_parking_m
        if k == "ebike" and parking is not None:
            if u < use:
                out[i] = Drop(0, False, parking, parked=True)
                continue
            u = (u - use) / (1.0 - use)  # the rest of the draw decides the next choice, independently
        side = int(bool(far[i]))
        if side == 1 and zone and u < params["gate.far_side_compliance"]:
            side = 0
        mean = _dwell_mean(k, t, side=side, zone=zone, rules=rules, params=params)
        dwell = mean * math.exp(sigma * float(u_dwell[i]) - 0.5 * sigma**2)
        heap = kerbs[side]
        while heap and heap[0][0] <= t:
            used[side] -= heapq.heappop(heap)[1]
        if used[side] + space[k] <= capacity[side] + 1e-9:
            out[i] = Drop(side, False, used[side] + space[k] / 2)
            used[side] += space[k]
            heapq.heappush(heap, (t + dwell, space[k]))
        else:
            out[i] = Drop(side, True, capacity[side] / 2)  # beside the stopped row, halfway along on average
    return [d for d in out if d is not None]


def _dwell_mean(kind: str, t: float, *, side: int, zone: bool, rules: GateRules, params: Parameters) -> float:
    """Mean stop time: an e-bike's; a car's in a 即停即走 zone, guided by staff, or unguided."""
    if kind == "ebike":
        return float(params["gate.ebike_dwell"])
    if zone and side == 0:
        return float(params["gate.car_dwell_kiss_ride"])
    if rules.guiding(t):
        return float(params["gate.car_dwell_guided"])
    return float(params["gate.car_dwell_free"])


def route_from(drop: Drop, site: GateSite) -> Route:
    """The child's walk from where it was let out to the gate, crossing what it must.

    From the far kerb it walks to the gate street's crossing (the mapped one
    by the gate, ``detour`` metres along, or the one at the gate), crosses
    and walks back to the gate.
    """
    detour = site.street.detour
    if drop.parked or (drop.side == 0 and not drop.in_lane):
        legs: tuple[Leg, ...] = (Leg(drop.position, None, 0),)
    elif drop.side == 0:
        legs = (Leg(0.0, GATE_LANE, 0), Leg(drop.position, None, 0))
    else:
        legs = (Leg(drop.position + detour, site.crossing.id, site.street.far_kerb), Leg(detour, None, 0))
    length = sum(leg.distance for leg in legs)
    return Route(legs, length, (), length)
