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
    crossing, lane
        The crossings :data:`GATE` and :data:`GATE_LANE`.
    school_side
        The direction (0 or 1, as :attr:`Crossing.lanes`) whose lanes run
        beside the school's kerb: direction 0 travels towards ``u``.
    one_way
        True for a one-way gate street.
    u, v
        The street nodes at its ends (the polyline runs from ``u`` to ``v``).
    from_u, from_v
        Metres along it from each end to the gate.
    """

    crossing: Crossing
    lane: Crossing
    school_side: int
    one_way: bool
    u: object
    v: object
    from_u: float
    from_v: float


def gate_street(street: nx.MultiDiGraph, gate: tuple[float, float], *,
                params: Parameters) -> GateStreet | None:
    """The carriageway nearest ``gate`` (projected metres) and its two crossings; None if there is none."""
    settings = Settings.of(params)
    roads = [r for r in street_roads(street, settings) if r.carriageway and r.width > 0]
    if not roads:
        return None
    point = np.asarray(gate, float)
    best: Road = min(roads, key=lambda r: _nearest(r.coords, point)[0])
    _, foot, tangent, along = _nearest(best.coords, point)
    crossing = leg_crossing(best.u, Leg(0, 0, 0.0), best, "unmarked", (float(foot[0]), float(foot[1])),
                            settings)
    lanes = crossing.lanes
    one_way = lanes[1] == 0
    # direction 0 travels towards u, against the polyline's tangent; its lanes lie on its right
    right_of_0 = np.array([-tangent[1], tangent[0]])
    school_side = 0 if one_way or float((point - foot) @ right_of_0) > 0 else 1
    # not on the map: a place the model adds (inferred), lined by parents' stopped vehicles
    crossing = replace(crossing, id=GATE, inferred=True, parking_m=float(params["gate.kerb_length"]))
    per_lane = crossing.volume[school_side] / max(lanes[school_side], 1)
    lane = replace(crossing, id=GATE_LANE, lanes=(1, 0), length=crossing.length / max(sum(lanes), 1),
                   volume=(per_lane, 0.0))
    length = float(sum(math.dist(a, b) for a, b in pairwise(best.coords)))
    return GateStreet(crossing, lane, school_side, one_way, best.u, best.v, along, length - along)


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
