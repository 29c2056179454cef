"""Where every child is at time t: keyframes along each party's route, and positions from them.

The model is event-driven, so it never stores positions. A party walks its
route (``route.nodes``, walk-graph nodes with ``x``, ``y``) at its ``speed``
from ``depart``; at the kerb of each crossing it waits until the crossing
outcome's ``start`` and is in the carriageway until its ``end``; it reaches
the school at ``arrived``. :func:`trajectories` turns that into piecewise
linear keyframes (time, x, y, state) per party and :func:`positions`
interpolates them at any time, vectorised over every child.

A model that has only run until ``model.time`` gives keyframes that are exact
up to that time (:attr:`Trajectories.known_until`): walks to the next kerb are
already determined, and a party at a kerb whose crossing has not been decided
yet is held there.

This module is part of the core: it imports no UI, report or plotting code.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

if TYPE_CHECKING:
    from simulator.agents import Party
    from simulator.model import SchoolRouteModel

HOME, WALK, WAIT, CROSS, ARRIVED = 0, 1, 2, 3, 4
STATES = ("home", "walk", "wait", "cross", "arrived")
SIBLING_SPACING_M = 1.5  # children of one party are drawn on a small ring this far apart


@dataclass(frozen=True)
class Trajectories:
    """Keyframes of every party and which party every child walks in.

    Attributes
    ----------
    times
        Keyframe times, model seconds, sorted within each party.
    xy
        Keyframe positions, projected metres, shape ``(K, 2)``.
    state
        State of the segment that starts at each keyframe (:data:`STATES`);
        the last keyframe's state holds afterwards.
    start
        Keyframes of party ``p`` are ``start[p]:start[p + 1]``.
    party_of
        Party number of each child (children in model order).
    offset
        Each child's offset from its party's position, m, shape ``(C, 2)``.
    known_until
        Positions are exact up to this model time (the model's clock when read).
    period_start
        Clock seconds (after midnight) of model time 0.
    """

    times: np.ndarray
    xy: np.ndarray
    state: np.ndarray
    start: np.ndarray
    party_of: np.ndarray
    offset: np.ndarray
    known_until: float
    period_start: float

    @property
    def parties(self) -> int:
        """Number of parties."""
        return len(self.start) - 1

    @property
    def children(self) -> int:
        """Number of children."""
        return len(self.party_of)

    def span(self) -> tuple[float, float]:
        """First departure and last keyframe (model seconds)."""
        if not len(self.times):
            return 0.0, 0.0
        first = self.times[self.start[:-1][np.diff(self.start) > 0]]
        return float(first.min()), float(self.times.max())


def trajectories(model: SchoolRouteModel) -> Trajectories:
    """The keyframes of every party of a (finished or partly run) model.

    Parameters
    ----------
    model
        A :class:`~simulator.model.SchoolRouteModel`; it need not have finished.

    Returns
    -------
    Trajectories
        Exact for every time up to ``model.time``.
    """
    graph = model.setting.network.graph
    times: list[float] = []
    xs: list[float] = []
    ys: list[float] = []
    states: list[int] = []
    start = [0]
    party_number: dict[int, int] = {}
    for number, party in enumerate(model.parties):
        party_number[id(party)] = number
        for t, x, y, s in party_keyframes(party, graph):
            times.append(t)
            xs.append(x)
            ys.append(y)
            states.append(s)
        start.append(len(times))
    party_of = np.empty(len(model.children), dtype=np.int64)
    offset = np.zeros((len(model.children), 2))
    for party in model.parties:
        n = party.size
        for j, child in enumerate(party.members):
            party_of[child.index] = party_number[id(party)]
            if n > 1:
                angle = 2 * math.pi * j / n
                radius = SIBLING_SPACING_M / (2 * math.sin(math.pi / n))
                offset[child.index] = (radius * math.cos(angle), radius * math.sin(angle))
    return Trajectories(
        times=np.asarray(times, float),
        xy=np.column_stack([xs, ys]) if xs else np.zeros((0, 2)),
        state=np.asarray(states, np.int8),
        start=np.asarray(start, np.int64),
        party_of=party_of,
        offset=offset,
        known_until=float(model.time),
        period_start=float(model.setting.period_start),
    )


def party_keyframes(party: Party, graph: nx.Graph) -> list[tuple[float, float, float, int]]:
    """``(time, x, y, state)`` keyframes of one party along its route.

    Parameters
    ----------
    party
        The party (its route, departure, speed and the crossings decided so far).
    graph
        The walk graph the route's nodes belong to.
    """
    nodes: Sequence[Hashable] = party.route.nodes
    if not nodes:
        return _at_gate(party, graph)
    speed = party.speed
    t = party.depart
    x, y = _xy(graph, nodes[0])
    frames = [(t, x, y, WALK)]
    i = 0
    for k, leg in enumerate(party.route.legs):
        while i < len(nodes) - 1 and not _is_crossing(graph.edges[nodes[i], nodes[i + 1]]):
            for length, (px, py) in _edge_points(graph, nodes[i], nodes[i + 1]):
                t += length / speed
                frames.append((t, px, py, WALK))
            i += 1
        if leg.crossing is None:
            break
        if k >= len(party.outcomes):  # at the kerb, not decided yet (or beyond the model's clock)
            frames[-1] = (*frames[-1][:3], WAIT)
            return frames
        _, outcome, _ = party.outcomes[k]
        kx, ky = frames[-1][1], frames[-1][2]
        frames[-1] = (outcome.arrive, kx, ky, WAIT)
        frames.append((outcome.start, kx, ky, CROSS))
        i += 1
        fx, fy = _xy(graph, nodes[i])
        t = outcome.end
        frames.append((t, fx, fy, WALK))
    end = party.arrived if party.arrived is not None else t
    frames[-1] = (end, frames[-1][1], frames[-1][2], ARRIVED)
    return frames


def _at_gate(party: Party, graph: nx.Graph) -> list[tuple[float, float, float, int]]:
    """Keyframes of a party set down at the gate (:mod:`simulator.gate`): drawn at the gate itself.

    Its few metres along the kerb are not on the walk graph; its wait and
    crossing of the gate street are kept.
    """
    x, y = _xy(graph, party.model.setting.network.school_node)
    frames = [(party.depart, x, y, WALK)]
    t = party.depart
    for k, leg in enumerate(party.route.legs):
        if leg.crossing is None:
            break
        if k >= len(party.outcomes):
            frames[-1] = (*frames[-1][:3], WAIT)
            return frames
        _, outcome, _ = party.outcomes[k]
        frames[-1] = (outcome.arrive, x, y, WAIT)
        frames += [(outcome.start, x, y, CROSS), (outcome.end, x, y, WALK)]
        t = outcome.end
    end = party.arrived if party.arrived is not None else t
    frames[-1] = (end, x, y, ARRIVED)
    return frames


def _is_crossing(data: dict[str, Any]) -> bool:
    """The same test as the router's: a crossing edge ends a leg."""
    return data.get("crossing") is not None and data.get("kind") == "crossing"


def _xy(graph: nx.Graph, node: Hashable) -> tuple[float, float]:
    d = graph.nodes[node]
    return float(d["x"]), float(d["y"])


def _edge_points(graph: nx.Graph, a: Hashable, b: Hashable) -> list[tuple[float, tuple[float, float]]]:
    """(walked length, point) steps from ``a`` to ``b``, following the edge's shape if it has one."""
    data = graph.edges[a, b]
    length = float(data["length"])
    end = _xy(graph, b)
    geometry = data.get("geometry")
    if geometry is None:
        return [(length, end)]
    pts = [(float(p[0]), float(p[1])) for p in geometry.coords]
    ax, ay = _xy(graph, a)
    if math.dist(pts[0], (ax, ay)) > math.dist(pts[-1], (ax, ay)):
        pts.reverse()
    pts = [(ax, ay), *pts[1:-1], end]
    pieces = [math.dist(p, q) for p, q in pairwise(pts)]
    total = sum(pieces) or 1.0
    return [(length * d / total, q) for d, q in zip(pieces, pts[1:], strict=True)]


def party_positions(traj: Trajectories, t: float) -> tuple[np.ndarray, np.ndarray]:
    """Position ``(P, 2)`` and state ``(P,)`` of every party at model time ``t``.

    Before its departure a party is at home (state ``HOME``); after its last
    keyframe it stays there in that keyframe's state (``ARRIVED`` at school).
    """
    n = traj.parties
    counts = np.diff(traj.start)
    xy = np.full((n, 2), np.nan)
    state = np.full(n, HOME, np.int8)
    some = counts > 0
    if not some.any():
        return xy, state
    xy[some] = traj.xy[traj.start[:-1][some]]  # at home before leaving
    owner = np.repeat(np.arange(n), counts)
    span = float(np.abs(traj.times).max()) + abs(t) + 1.0
    keys = owner * (2 * span) + traj.times
    idx = np.searchsorted(keys, np.arange(n) * (2 * span) + t, side="right") - 1
    moving = some & (idx >= traj.start[:-1])
    i = idx[moving]
    j = np.minimum(i + 1, traj.start[1:][moving] - 1)
    t0, t1 = traj.times[i], traj.times[j]
    dt = t1 - t0
    f = np.clip(np.divide(t - t0, dt, out=np.zeros_like(dt), where=dt > 0), 0.0, 1.0)
    xy[moving] = traj.xy[i] + (traj.xy[j] - traj.xy[i]) * f[:, None]
    state[moving] = traj.state[i]
    return xy, state


def positions(traj: Trajectories | SchoolRouteModel, t: float) -> tuple[np.ndarray, np.ndarray]:
    """Position ``(C, 2)`` (projected metres) and state ``(C,)`` of every child at model time ``t``.

    Parameters
    ----------
    traj
        Keyframes from :func:`trajectories`, or a model (its keyframes are built first).
    t
        Model seconds (seconds after the start of the simulated period).

    Returns
    -------
    tuple of numpy.ndarray
        Positions (children of one party on a small ring around it) and
        states (:data:`HOME`, :data:`WALK`, :data:`WAIT`, :data:`CROSS`, :data:`ARRIVED`).
    """
    if not isinstance(traj, Trajectories):
        traj = trajectories(traj)
    xy, state = party_positions(traj, t)
    return xy[traj.party_of] + traj.offset, state[traj.party_of]
