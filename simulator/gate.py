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

import networkx as nx
import numpy as np

from simulator.crossing import Crossing
from simulator.network.gatestreet import GATE, GATE_LANE
from simulator.network.walk import WalkNetwork
from simulator.params import Parameters
from simulator.routing import Leg, Route


@dataclass(frozen=True)
class GateSite:
    """The gate street, crossed at the gate, and how parents arrive on it.

    Attributes
    ----------
    crossing
        The gate street crossed at the gate (id :data:`GATE`), as the scenario has it.
    lane
        Its kerb lane on the school's side alone (id :data:`GATE_LANE`).
    school_side
        The traffic direction (0 or 1, as :attr:`Crossing.lanes`) whose lanes
        run beside the school's kerb; a walker from the far kerb starts on the other.
    approach
        Per home id: the direction its parents' vehicles arrive in.
    one_way
        True when the gate street is one-way (every parent can stop on the school's side).
    """

    crossing: Crossing
    lane: Crossing
    school_side: int
    approach: Mapping[str, int]
    one_way: bool

    def crossings(self) -> dict[str, Crossing]:
        """The two crossings by id."""
        return {GATE: self.crossing, GATE_LANE: self.lane}


def gate_site(network: WalkNetwork) -> GateSite | None:
    """The gate street of ``network`` and the direction each home's parents arrive in (None: no street)."""
    street = network.gate_street
    if street is None:
        return None
    approach = _approach(network, street.u, street.v, street.from_u, street.from_v)
    crossings = network.crossings
    return GateSite(crossings.get(GATE, street.crossing), crossings.get(GATE_LANE, street.lane),
                    street.school_side, approach, street.one_way)


def _approach(network: WalkNetwork, u: Hashable, v: Hashable, from_u: float,
              from_v: float) -> dict[str, int]:
    """Per home: the direction its parents drive along the gate street (1 from u's end, 0 from v's end)."""
    street = network.street
    plain = nx.Graph()
    for a, b, data in street.edges(data=True):
        w = float(data.get("length", 1.0))
        if not plain.has_edge(a, b) or plain[a][b]["weight"] > w:
            plain.add_edge(a, b, weight=w)
    from_u_len = nx.single_source_dijkstra_path_length(plain, u, weight="weight") if u in plain else {}
    from_v_len = nx.single_source_dijkstra_path_length(plain, v, weight="weight") if v in plain else {}
    nodes = [n for n in street.nodes if street.degree(n) > 0]
    xy = np.array([(street.nodes[n]["x"], street.nodes[n]["y"]) for n in nodes], float)
    out: dict[str, int] = {}
    for home, node in network.home_nodes.items():
        h = network.graph.nodes[node]
        near = nodes[int(np.argmin(np.hypot(xy[:, 0] - h["x"], xy[:, 1] - h["y"])))]
        via_u = from_u_len.get(near, math.inf) + from_u
        via_v = from_v_len.get(near, math.inf) + from_v
        out[home] = 1 if via_u <= via_v else 0
    return out


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
    in_lane: tuple[list[float], list[float]] = ([], [])  # leave times of double-parked vehicles, per side
    for i in np.argsort(arrive, kind="stable"):
        t, k = float(arrive[i]), str(kind[i])
        parking = rules.ebike_parking_m
        if k == "ebike" and parking is not None and u_rule[i] < params["gate.ebike_parking_use"]:
            out[i] = Drop(0, False, parking, parked=True)
            continue
        side = int(bool(far[i]))
        if side == 1 and zone and u_rule[i] < params["gate.far_side_compliance"]:
            side = 0
        mean = _dwell_mean(k, t, side=side, zone=zone, rules=rules, params=params)
        dwell = mean * math.exp(sigma * float(u_dwell[i]) - 0.5 * sigma**2)
        heap = kerbs[side]
        while heap and heap[0][0] <= t:
            used[side] -= heapq.heappop(heap)[1]
        lane = in_lane[side]
        lane[:] = [x for x in lane if x > t]
        if used[side] + space[k] <= capacity[side] + 1e-9:
            out[i] = Drop(side, False, used[side] + space[k] / 2)
            used[side] += space[k]
            heapq.heappush(heap, (t + dwell, space[k]))
        else:
            out[i] = Drop(side, True, capacity[side] + space["car"] * (len(lane) + 0.5))
            lane.append(t + dwell)
    return [d for d in out if d is not None]


def _dwell_mean(kind: str, t: float, *, side: int, zone: bool, rules: GateRules, params: Parameters) -> float:
    if kind == "ebike":
        return float(params["gate.ebike_dwell"])
    if zone and side == 0:
        return float(params["gate.car_dwell_kiss_ride"])
    if rules.guiding(t):
        return float(params["gate.car_dwell_guided"])
    return float(params["gate.car_dwell_free"])


def route_from(drop: Drop, site: GateSite) -> Route:
    """The child's walk from where it was let out to the gate, crossing what it must."""
    if drop.parked or (drop.side == 0 and not drop.in_lane):
        legs: tuple[Leg, ...] = (Leg(drop.position, None, 0),)
    elif drop.side == 0:
        legs = (Leg(0.0, GATE_LANE, 0), Leg(drop.position, None, 0))
    else:
        legs = (Leg(drop.position, GATE, 1 - site.school_side), Leg(0.0, None, 0))
    return Route(legs, drop.position, (), drop.position)


def route_tail(route: Route, metres: float) -> Route:
    """The last ``metres`` of a walking route: the walk from where a parent stops at a drop-off ban's edge."""
    kept: list[Leg] = []
    left = metres
    for leg in reversed(route.legs):
        if leg.distance >= left:
            kept.append(Leg(left, leg.crossing, leg.near))
            break
        kept.append(leg)
        left -= leg.distance
    legs = tuple(reversed(kept))
    length = sum(leg.distance for leg in legs)
    return Route(legs, length, (), length)
