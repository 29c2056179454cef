"""The gate street: the carriageway beside the school gate, crossed at the gate.

Parents who drive or ride a child to school stop at its kerbs
(:mod:`simulator.gate`); a child let out on the far side crosses it at the gate
(crossing :data:`GATE`), and one let out of a double-parked vehicle crosses its
kerb lane on the school's side (crossing :data:`GATE_LANE`). Both are built
here, with the street, so every view of a site (the model, the command line,
the maps) has them. Traffic drives on the right: a direction's lanes lie on
its right.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import pairwise

import networkx as nx
import numpy as np

from simulator.crossing import Crossing
from simulator.network.junctions import Leg, Road, Settings, leg_crossing, street_roads
from simulator.params import Parameters

GATE = "gate"
"""The id of the gate street's crossing at the gate."""
GATE_LANE = "gate-lane"
"""The id of the kerb lane on the school's side, crossed by a child let out of a double-parked vehicle."""
GATE_IDS = (GATE, GATE_LANE)


@dataclass(frozen=True)
class GateStreet:
    """The gate street and where the gate lies along it.

    Attributes
    ----------
    crossing
        Where a child let out on the far side crosses: a mapped crossing of
        the gate street within ``gate.kerb_length`` of the gate (a zebra or a
        signal by the gate), else the crossing :data:`GATE` added at the gate.
    lane
        The kerb lane on the school's side (:data:`GATE_LANE`), crossed by a
        child let out of a double-parked vehicle.
    school_side
        The traffic direction (0 or 1, as ``crossing.lanes``) whose lanes run
        beside the school's kerb. On a one-way street: whether the school is on
        the travel direction's left (1: parents, who stop at the right-hand
        kerb, let children out on the far side) or right (0).
    one_way
        True for a one-way gate street.
    u, v
        The street nodes at its ends (the polyline runs from ``u`` to ``v``).
        Direction 0 travels towards ``u``; a one-way street's only direction
        (index 0) travels from ``u`` to ``v``, as the map's one-way edge does.
    detour
        Metres along the kerb from the gate to ``crossing`` (0 for :data:`GATE`).
    """

    crossing: Crossing
    lane: Crossing
    school_side: int
    one_way: bool
    u: object
    v: object
    detour: float = 0.0

    def crossings(self) -> dict[str, Crossing]:
        """The crossings the gate street adds to the network's (those not on the map)."""
        added = {GATE_LANE: self.lane}
        return {GATE: self.crossing, **added} if self.crossing.id == GATE else added

    @property
    def far_kerb(self) -> int:
        """The side (as :class:`simulator.kerb.Road` counts it) of a walker starting from the far kerb."""
        return 0 if self.one_way else 1 - self.school_side


def gate_street(street: nx.MultiDiGraph, gate: tuple[float, float], *, params: Parameters,
                crossings: Mapping[str, Crossing] | None = None) -> GateStreet | None:
    """The carriageway nearest ``gate`` (projected metres) and where children cross it.

    Parameters
    ----------
    street
        The street graph.
    gate
        The school gate, projected metres.
    params
        Parameter table (``gate.kerb_length``, lane widths and the class defaults).
    crossings
        The network's crossings: one of the gate street's within
        ``gate.kerb_length`` of the gate is where children let out on the far side cross.

    Returns
    -------
    GateStreet or None
        None where no carriageway has a width.
    """
    settings = Settings.of(params)
    roads = [r for r in street_roads(street, settings) if r.carriageway and r.width > 0]
    if not roads:
        return None
    point = np.asarray(gate, float)
    best: Road = min(roads, key=lambda r: _nearest(r.coords, point)[0])
    _, foot, tangent, _ = _nearest(best.coords, point)
    crossing = leg_crossing(best.u, Leg(0, 0, 0.0), best, "unmarked", (float(foot[0]), float(foot[1])),
                            settings)
    lanes = crossing.lanes
    one_way = lanes[1] == 0
    offset = point - foot
    if one_way:  # travel runs along the polyline; the school on its right (0) or left (1)
        school_side = 0 if float(offset @ np.array([tangent[1], -tangent[0]])) > 0 else 1
    else:  # direction 0 travels towards u, against the polyline's tangent; its lanes lie on its right
        school_side = 0 if float(offset @ np.array([-tangent[1], tangent[0]])) > 0 else 1
    kerb = float(params["gate.kerb_length"])
    # not on the map: a place the model adds (inferred), lined by parents' stopped vehicles
    crossing = replace(crossing, id=GATE, inferred=True, parking_m=kerb)
    near_side = 0 if one_way else school_side
    per_lane = crossing.volume[near_side] / max(lanes[near_side], 1)
    lane = replace(crossing, id=GATE_LANE, lanes=(1, 0), length=crossing.length / max(sum(lanes), 1),
                   volume=(per_lane, 0.0))
    mapped = _mapped_at(crossings or {}, best, foot, kerb)
    if mapped is None:
        return GateStreet(crossing, lane, school_side, one_way, best.u, best.v)
    flipped = not one_way and mapped.node != best.u  # its lanes are counted from the other end
    return GateStreet(mapped, lane, 1 - school_side if flipped else school_side, one_way, best.u, best.v,
                      float(np.hypot(mapped.x - foot[0], mapped.y - foot[1])))


def kerb_sides(street: nx.MultiDiGraph, points: Mapping[str, tuple[float, float]], *,
               params: Parameters) -> dict[str, tuple[tuple[float, float], int]]:
    """For each point (a bus stop): its nearest carriageway's unit heading there, and its kerb.

    The kerb is +1 on the right of the heading, -1 on its left: a vehicle
    travelling along the heading stops at +1 (traffic drives on the right).
    """
    roads = [r for r in street_roads(street, Settings.of(params)) if r.carriageway and r.width > 0]
    out: dict[str, tuple[tuple[float, float], int]] = {}
    near = _Segments(roads)
    for key, xy in points.items():
        p = np.asarray(xy, float)
        if not roads:
            break
        best = min(near.candidates(p), key=lambda r: _nearest(r.coords, p)[0])
        _, foot, tangent, _ = _nearest(best.coords, p)
        right = float((p - foot) @ np.array([tangent[1], -tangent[0]])) > 0
        out[key] = ((float(tangent[0]), float(tangent[1])), 1 if right else -1)
    return out


def _mapped_at(crossings: Mapping[str, Crossing], road: Road, foot: np.ndarray,
               reach: float) -> Crossing | None:
    """The at-grade crossing of ``road`` nearest the gate's foot point within ``reach`` m, if any."""
    ends = {(road.u, road.v, road.key), (road.v, road.u, road.key)}
    near = [c for c in crossings.values()
            if tuple(c.edge) in ends and not c.grade_separated and not c.informal
            and math.hypot(c.x - foot[0], c.y - foot[1]) <= reach]
    return min(near, key=lambda c: math.hypot(c.x - foot[0], c.y - foot[1])) if near else None


class _Segments:
    """Every segment of some roads at once, to find the roads nearest a point without a loop per segment.

    :meth:`candidates` gives, in their order, the roads within a micrometre of
    the nearest (the distances computed at once may differ from
    :func:`_nearest`'s in the last bits): the nearest road by :func:`_nearest`
    is always among them, and the first of equals stays the first.
    """

    def __init__(self, roads: list[Road]) -> None:
        self.roads = roads
        ends = [(a, b, i) for i, r in enumerate(roads) for a, b in pairwise(r.coords)]
        self.a = np.array([a for a, _, _ in ends], float).reshape(-1, 2)
        self.seg = np.array([b for _, b, _ in ends], float).reshape(-1, 2) - self.a
        self.road = np.array([i for _, _, i in ends], int)

    def candidates(self, p: np.ndarray) -> list[Road]:
        length2 = (self.seg**2).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(((p - self.a) * self.seg).sum(axis=1) / length2, 0.0, 1.0)
        d = np.hypot(*(p - (self.a + t[:, None] * self.seg)).T)
        d[length2 == 0] = np.inf  # a segment of no length is skipped, as _nearest skips it
        per_road = np.full(len(self.roads), np.inf)
        np.minimum.at(per_road, self.road, d)
        return [self.roads[i] for i in np.flatnonzero(per_road <= per_road.min() + 1e-6)]


def _nearest(coords: list[tuple[float, float]], p: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Distance from ``p`` to a polyline, the nearest point, the unit tangent there, the length before it."""
    best = (math.inf, p, np.array([1.0, 0.0]), 0.0)
    walked = 0.0
    for a, b in pairwise(coords):
        a_, b_ = np.asarray(a, float), np.asarray(b, float)
        seg = b_ - a_
        n = float(np.hypot(*seg))
        if n == 0:
            continue
        t = min(max(float((p - a_) @ seg) / n**2, 0.0), 1.0)
        foot = a_ + t * seg
        d = float(np.hypot(*(p - foot)))
        if d < best[0]:
            best = (d, foot, seg / n, walked + t * n)
        walked += n
    return best
