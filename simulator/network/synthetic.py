"""Synthetic district: a typical Chinese urban district around one primary school.

Superblocks bounded by six-lane arterials with median fences, split into quarters
by two-lane collectors (through streets aligned across the arterials), a few local
streets, gated residential compounds (小区) whose gates open onto collectors and
local streets, pocket parks with footways, and the school gate on a collector in
the most central superblock. The street graph follows the contract of
:mod:`simulator.network.site`. The same :class:`DistrictSpec` always gives the
same graph (node ids and attributes) and the same homes.

Bus stops stand in pairs (one each side, at the kerb) on every arterial: at
its point nearest the school gate and every :data:`STOP_SPACING` m from
there; those within ``transit.max_stop_walk`` of the gate are kept. They take
no random draws, so the streets and homes are those of the district without
them. A scenario may move the gate (``site.gate``, x/y in metres) and move or
add stops (``site.stops``), as on a map (:mod:`simulator.network.stops`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np

from simulator.errors import NetworkError
from simulator.network.site import Home, School, Site, Stop
from simulator.network.stops import Placed, check_placed, near_stops, shown, with_placed_stops
from simulator.params import Parameters, default_parameters

CRS = "EPSG:32649"
CENTRE = (800_000.0, 2_523_000.0)  # UTM 49N, near Nanning
GATE_OFFSET = 8.0  # m from the street centreline to a gate (on the sidewalk)
SNAP = 10.0  # m: a new gate or path end this close to a street node joins it
CLEAR = 20.0  # m: new junctions and midblock crossings keep this far from other nodes
SETBACK = {"primary": 25.0, "tertiary": 12.0, "residential": 10.0}  # m, compound fences
HOUSEHOLDS_PER_M2 = 0.025  # FAR ~2.5 with ~100 m² flats
STOP_SPACING = 400.0  # m between bus stops along an arterial
STOP_KERB = 0.5  # m from the kerb (carriageway edge) to a stop, on the sidewalk side
STOP_CLEAR = 40.0  # m: a stop this close to a junction moves this far from it
SCHOOL_NAME = "实验小学"
SCHOOL_STREET = "学府路"
_ARTERIALS = ("民族", "友爱", "朝阳", "青秀", "东葛", "竹溪", "金湖", "园湖", "长湖", "星湖",
              "桃源", "江南", "白沙", "秀灵", "明秀", "北湖", "安吉", "科园", "滨湖", "五象")
_COLLECTORS = ("建设", "新民", "人民", "中华", "解放", "和平", "兴宁", "共和", "文化", "团结",
               "胜利", "七星", "仙葫", "凤翔", "荔园", "桂春", "中山", "南宁", "广源", "茶花")
_OPPOSITE = {"S": "N", "N": "S", "W": "E", "E": "W"}


@dataclass(frozen=True)
class DistrictSpec:
    """What the synthetic district looks like.

    Attributes
    ----------
    superblocks
        Columns and rows of superblocks bounded by arterials.
    block_size
        Nominal superblock width and height, m (each jittered by ±10 %).
    compounds_per_block
        Gated residential compounds per superblock.
    pupils
        Pupils of the school; carried in the site notes (home weights are households).
    seed
        Seed of the layout.
    """

    superblocks: tuple[int, int] = (3, 3)
    block_size: tuple[float, float] = (450.0, 400.0)
    compounds_per_block: int = 4
    pupils: int = 1500
    seed: int = 1


@dataclass
class _Road:
    """A straight, axis-parallel road and the positions of the nodes on it."""

    name: str
    highway: str
    vertical: bool
    at: float  # x of a vertical road, y of a horizontal one
    stops: dict[float, dict[str, Any]] = field(default_factory=dict)

    def point(self, s: float) -> tuple[float, float]:
        """Coordinates of position ``s`` along the road."""
        return (self.at, s) if self.vertical else (s, self.at)

    def add(self, s: float, *, snap: float = 0.0, **attrs: Any) -> float:
        """Put a node at ``s`` (or at an existing node within ``snap``); return its position."""
        near = [t for t in self.stops if abs(t - s) <= snap]
        if near:
            s = min(near, key=lambda t: abs(t - s))
        self.stops.setdefault(s, {}).update(attrs)
        return s

    def clear(self, s: float) -> bool:
        """True when no node is within :data:`CLEAR` of ``s``."""
        return all(abs(t - s) >= CLEAR for t in self.stops)


@dataclass(frozen=True)
class _Cell:
    """A rectangle of land bounded by a road on each side (W, E, S, N)."""

    x0: float
    x1: float
    y0: float
    y1: float
    sides: dict[str, _Road]

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def span(self, side: str) -> tuple[float, float]:
        return (self.x0, self.x1) if side in "SN" else (self.y0, self.y1)

    def line(self, side: str) -> float:
        return {"W": self.x0, "E": self.x1, "S": self.y0, "N": self.y1}[side]

    def beside(self, side: str, s: float, offset: float) -> tuple[float, float]:
        """Point at ``s`` along ``side``, ``offset`` m from the street centreline into the cell."""
        d = self.line(side) + (offset if side in "WS" else -offset)
        return (s, d) if side in "SN" else (d, s)

    def gateable(self) -> list[str]:
        return [s for s in "SNWE" if self.sides[s].highway != "primary"]

    def inner(self, side: str) -> tuple[float, float]:
        """Extent along ``side`` inside the compound fences (setbacks shrink where tight)."""
        lo, hi = ("W", "E") if side in "SN" else ("S", "N")
        a, b = self.span(side)
        da, db = SETBACK[self.sides[lo].highway], SETBACK[self.sides[hi].highway]
        k = min(1.0, 0.5 * (b - a) / (da + db))
        return a + da * k, b - db * k


@dataclass
class _Plan:
    """The district while it is being laid out: roads (with their nodes) and footways."""

    art_v: list[_Road]
    art_h: list[_Road]
    col_v: list[_Road]
    col_h: list[_Road]
    roads: list[_Road]
    footways: list[tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=list)
    lanes_named: dict[str, int] = field(default_factory=dict)

    def quarter(self, block: tuple[int, int], q: tuple[int, int]) -> _Cell:
        """Quarter ``q`` of superblock ``block``, between two arterials and two collectors."""
        (i, j), (qx, qy) = block, q
        w, e = (self.art_v[i], self.col_v[i]) if qx == 0 else (self.col_v[i], self.art_v[i + 1])
        s, n = (self.art_h[j], self.col_h[j]) if qy == 0 else (self.col_h[j], self.art_h[j + 1])
        return _Cell(w.at, e.at, s.at, n.at, {"W": w, "E": e, "S": s, "N": n})


def _validate(spec: DistrictSpec) -> None:
    checks = (
        ("superblocks", len(spec.superblocks) == 2 and min(spec.superblocks) >= 1,
         "at least (1, 1)"),
        ("block_size", len(spec.block_size) == 2 and min(spec.block_size) >= 150.0,
         "at least 150 m each way"),
        ("compounds_per_block", spec.compounds_per_block >= 1, "at least 1"),
        ("pupils", spec.pupils >= 1, "at least 1"),
    )
    for name, ok, need in checks:
        if not ok:
            msg = f"DistrictSpec.{name} must be {need}, got {getattr(spec, name)!r}"
            raise NetworkError(msg)


def _cn(n: int) -> str:
    """Chinese numeral for 1..99 (Arabic digits beyond)."""
    d = "零一二三四五六七八九"
    if n < 10 or n >= 100:
        return d[n] if n < 10 else str(n)
    tens, ones = divmod(n, 10)
    return (d[tens] if tens > 1 else "") + "十" + (d[ones] if ones else "")


def _names(rng: np.random.Generator, pool: tuple[str, ...], suffix: str, n: int) -> list[str]:
    """``n`` distinct street names drawn from ``pool`` (numbered once the pool runs out)."""
    order, m = rng.permutation(len(pool)), len(pool)
    return [pool[order[k % m]] + (_cn(k // m + 1) if k >= m else "") + suffix for k in range(n)]


def _draw(rng: np.random.Generator, a: float, b: float, lo: float, hi: float) -> float:
    """A position between ``a`` and ``b`` at a random fraction in ``[lo, hi]``, to the cm."""
    return round(a + (b - a) * float(rng.uniform(lo, hi)), 2)


def _free(rng: np.random.Generator, span: tuple[float, float], roads: list[_Road]
          ) -> float | None:
    """A position in the middle of ``span`` at least :data:`CLEAR` from the nodes of ``roads``."""
    draws = (_draw(rng, *span, 0.35, 0.65) for _ in range(20))
    return next((t for t in draws if all(r.clear(t) for r in roads)), None)


def _lines(rng: np.random.Generator, n: int, size: float, centre: float) -> list[float]:
    """Positions of ``n + 1`` arterials ``size`` ±10 % apart, centred on ``centre``."""
    widths = size * rng.uniform(0.9, 1.1, n)
    edges = centre - widths.sum() / 2 + np.concatenate([[0.0], np.cumsum(widths)])
    return [round(float(v), 1) for v in edges]


def _plan(spec: DistrictSpec, rng: np.random.Generator) -> _Plan:
    """Arterial grid and through collectors, with their junctions."""
    cols, rows = spec.superblocks
    xs = _lines(rng, cols, spec.block_size[0], CENTRE[0])
    ys = _lines(rng, rows, spec.block_size[1], CENTRE[1])
    cx = [_draw(rng, xs[i], xs[i + 1], 0.4, 0.6) for i in range(cols)]
    cy = [_draw(rng, ys[j], ys[j + 1], 0.4, 0.6) for j in range(rows)]
    an = _names(rng, _ARTERIALS, "大道", cols + rows + 2)
    kn = _names(rng, _COLLECTORS, "路", cols + rows)
    art_v = [_Road(an[i], "primary", True, x) for i, x in enumerate(xs)]
    art_h = [_Road(an[cols + 1 + j], "primary", False, y) for j, y in enumerate(ys)]
    col_v = [_Road(kn[i], "tertiary", True, x) for i, x in enumerate(cx)]
    col_h = [_Road(kn[cols + j], "tertiary", False, y) for j, y in enumerate(cy)]
    for v in art_v + col_v:
        for h in art_h + col_h:
            v.add(h.at)
            h.add(v.at)
    return _Plan(art_v, art_h, col_v, col_h, art_v + art_h + col_v + col_h)


def _place_school(plan: _Plan, rng: np.random.Generator, *, block: tuple[int, int]
                  ) -> tuple[School, tuple[int, int], tuple[_Road, float, float]]:
    """School gate with its zebra on a collector; its quarter; where the footbridge goes."""
    q = (int(rng.integers(2)), int(rng.integers(2)))
    cell = plan.quarter(block, q)
    side = max(cell.gateable(), key=lambda e: cell.span(e)[1] - cell.span(e)[0])  # longer arm
    road = cell.sides[side]
    road.name = SCHOOL_STREET
    s = road.add(_draw(rng, *cell.span(side), 0.4, 0.6), crossing="zebra")
    # the footbridge is on the arterial at the end of the school's arm of the collector
    far = ("S" if q[1] == 0 else "N") if side in "WE" else ("W" if q[0] == 0 else "E")
    school = School(SCHOOL_NAME, *cell.beside(side, s, GATE_OFFSET))
    return school, q, (cell.sides[far], *cell.span(far))


def _midblock_zebra(plan: _Plan, rng: np.random.Generator, *, block: tuple[int, int]) -> None:
    """A zebra across a collector of the superblock, away from other nodes."""
    cell = plan.quarter(block, (int(rng.integers(2)), int(rng.integers(2))))
    side = cell.gateable()[int(rng.integers(2))]
    s = _free(rng, cell.span(side), [cell.sides[side]])
    if s is not None:
        cell.sides[side].add(s, crossing="zebra")


def _add_local(plan: _Plan, cell: _Cell, rng: np.random.Generator) -> list[_Cell]:
    """Split a quarter in two by a local street from its collector to its arterial."""
    vertical = bool(rng.integers(2))
    ends, (lo, hi) = ("S", "N") if vertical else ("W", "E"), ("W", "E") if vertical else ("S", "N")
    a, b = cell.span(ends[0])
    at = _free(rng, (a, b), [cell.sides[e] for e in ends]) if b - a >= 100.0 else None
    if at is None:
        return [cell]
    parent = next(cell.sides[e].name for e in ends if cell.sides[e].highway != "primary")
    plan.lanes_named[parent] = plan.lanes_named.get(parent, 0) + 1
    road = _Road(f"{parent}{_cn(plan.lanes_named[parent])}巷", "residential", vertical, at)
    for e in ends:
        cell.sides[e].add(at)
        road.add(cell.line(e))
    plan.roads.append(road)
    cut = {"W": "x0", "E": "x1", "S": "y0", "N": "y1"}
    return [replace(cell, **{cut[hi]: at}, sides={**cell.sides, hi: road}),
            replace(cell, **{cut[lo]: at}, sides={**cell.sides, lo: road})]


def _strips(a: float, b: float, k: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """``k`` intervals of random width side by side in ``[a, b]`` with gaps between them."""
    gap = min(10.0, 0.2 * (b - a) / k)
    w = rng.uniform(0.8, 1.2, k)
    w = w / w.sum() * (b - a - gap * (k - 1))
    starts = a + np.concatenate([[0.0], np.cumsum(w[:-1] + gap)])
    return [(float(s), float(s + wi)) for s, wi in zip(starts, w, strict=True)]


def _fill(cell: _Cell, k: int, rng: np.random.Generator, *, first: int) -> list[Home]:
    """``k`` compounds side by side along one street of the cell, each with 1-2 gates."""
    sides = cell.gateable()
    g = sides[int(rng.integers(len(sides)))]
    row = g in "SN"  # compounds side by side in x
    xr, yr = cell.inner("S"), cell.inner("W")
    homes: list[Home] = []
    for n, strip in enumerate(_strips(*(xr if row else yr), k, rng)):
        box = (strip, yr) if row else (xr, strip)
        touches = {"W" if row else "S": n == 0, "E" if row else "N": n == k - 1, _OPPOSITE[g]: True}
        other = [s for s in sides if touches.get(s)]
        gates = [(g, 0.3, 0.7)]
        if rng.integers(2):
            two = [(g, 0.15, 0.4), (g, 0.6, 0.85)]
            gates = [*gates, (other[int(rng.integers(len(other)))], 0.3, 0.7)] if other else two
        households = (box[0][1] - box[0][0]) * (box[1][1] - box[1][0]) * HOUSEHOLDS_PER_M2
        for m, (side, lo, hi) in enumerate(gates):
            span = box[0] if side in "SN" else box[1]
            s = cell.sides[side].add(_draw(rng, *span, lo, hi), snap=SNAP)
            x, y = cell.beside(side, s, GATE_OFFSET)
            homes.append(Home(f"h{first + n}-{m + 1}", x, y, round(households / len(gates), 1)))
    return homes


def _park(plan: _Plan, cell: _Cell) -> None:
    """A footway across a pocket park between two of its non-arterial streets."""
    sides = cell.gateable()
    if len(sides) >= 2:
        ends = [cell.sides[e].point(cell.sides[e].add(round(sum(cell.span(e)) / 2, 2), snap=SNAP))
                for e in sides[:2]]
        plan.footways.append((ends[0], ends[1]))


def _block(plan: _Plan, spec: DistrictSpec, rng: np.random.Generator, *, block: tuple[int, int],
           school_q: tuple[int, int] | None, first: int) -> list[Home]:
    """Local streets, compounds and parks of one superblock."""
    quarters = [(qx, qy) for qy in (0, 1) for qx in (0, 1) if (qx, qy) != school_q]
    with_local = {quarters[int(k)] for k in rng.permutation(len(quarters))[:2]}
    cells: list[_Cell] = []
    for q in quarters:
        cell = plan.quarter(block, q)
        cells += _add_local(plan, cell, rng) if q in with_local else [cell]
    n = spec.compounds_per_block
    share = n * np.array([c.area for c in cells]) / sum(c.area for c in cells)
    counts = np.floor(share).astype(int)
    counts[np.argsort(counts - share, kind="stable")[: n - counts.sum()]] += 1
    homes: list[Home] = []
    for cell, k in zip(cells, counts.tolist(), strict=True):
        if k:
            homes += _fill(cell, k, rng, first=first)
            first += k
        elif rng.uniform() < 0.5:
            _park(plan, cell)
    return homes


def _place_footbridge(road: _Road, lo: float, hi: float) -> None:
    """Footbridge in the middle of the longest stretch of ``road`` between ``lo`` and ``hi``."""
    a, b = max(pairwise(sorted(s for s in road.stops if lo <= s <= hi)), key=lambda p: p[1] - p[0])
    road.add(round((a + b) / 2, 2), crossing="footbridge")


def _edge_attrs(highway: str, name: str, params: Parameters) -> dict[str, Any]:
    """Contract attributes of a street (or, for ``footway``, a car-free path)."""
    street = highway != "footway"
    lanes = int(params["traffic.default_lanes"][highway]) if street else 0
    speed = float(params["traffic.default_limit"][highway]) if street else 0.0
    width = lanes * float(params["traffic.lane_width"])
    return {"highway": highway, "lanes": lanes, "width": width, "maxspeed": speed,
            "oneway": False, "name": name, "walk": True, "carriageway": street,
            "median_fence": highway == "primary"}


def _graph(plan: _Plan, params: Parameters, *, name: str
           ) -> tuple[nx.MultiDiGraph, dict[tuple[float, float], int], dict[int, list[str]]]:
    """Street graph with nodes numbered in creation order; node lookup; road classes at nodes."""
    g = nx.MultiDiGraph(crs=CRS, name=name, source="synthetic", defaulted={})
    ids: dict[tuple[float, float], int] = {}
    kinds: dict[int, list[str]] = {}

    def node(x: float, y: float) -> int:
        key = (round(x, 3), round(y, 3))
        if key not in ids:
            ids[key] = len(ids) + 1
            g.add_node(ids[key], x=x, y=y, signal=False)
            kinds[ids[key]] = []
        return ids[key]

    def link(u: int, v: int, attrs: dict[str, Any]) -> None:
        length = math.dist((g.nodes[u]["x"], g.nodes[u]["y"]), (g.nodes[v]["x"], g.nodes[v]["y"]))
        g.add_edge(u, v, length=length, **attrs)
        g.add_edge(v, u, length=length, **attrs)

    for road in plan.roads:
        attrs, prev = _edge_attrs(road.highway, road.name, params), None
        for s in sorted(road.stops):
            n = node(*road.point(s))
            g.nodes[n].update(road.stops[s])
            kinds[n].append(road.highway)
            if prev is not None:
                link(prev, n, attrs)
            prev = n
    for a, b in plan.footways:
        link(node(*a), node(*b), _edge_attrs("footway", "", params))
    return g, ids, kinds


def _signals(g: nx.MultiDiGraph, kinds: dict[int, list[str]], rng: np.random.Generator, *,
             near: list[int]) -> None:
    """Signals at arterial crossroads and about half the arterial×collector junctions.

    Of the arterial×collector junctions ``near`` (around the school's superblock) at
    least one is signalised and at least one is not; those without signals get zebras.
    """
    mixed = sorted(n for n, k in kinds.items() if "primary" in k and "tertiary" in k)
    chosen = {mixed[int(k)] for k in rng.permutation(len(mixed))[: round(len(mixed) / 2)]}
    if all(n in chosen for n in near):
        chosen.discard(near[int(rng.integers(len(near)))])
    if not any(n in chosen for n in near):
        chosen.add(near[int(rng.integers(len(near)))])
    for n, k in kinds.items():
        g.nodes[n]["signal"] = k.count("primary") >= 2 or n in chosen
    for n in near:
        if not g.nodes[n]["signal"]:
            g.nodes[n]["crossing"] = "zebra"


def district_site(spec: DistrictSpec | None = None, *, params: Parameters | None = None,
                  gate: tuple[float, float] | None = None,
                  stops: Mapping[str, tuple[float, float]] | None = None) -> Site:
    """Build the synthetic district around one primary school.

    Parameters
    ----------
    spec
        Layout of the district (default :class:`DistrictSpec`).
    params
        Parameter table giving lanes, lane width and speed limits by road class
        (default: the packaged table).
    gate
        ``(x, y)`` (m, the district's CRS) of the school gate, to move it; the
        streets and homes stay the same.
    stops
        Stop id -> ``(x, y)``: an existing id moves that stop, a new one adds
        a stop (kept at any distance from the gate).

    Returns
    -------
    Site
        Street graph, the school gate, one home per compound gate
        (weight = households of the compound, shared among its gates) and
        the bus stops near the gate.

    Raises
    ------
    NetworkError
        When a field of the spec is out of range;
        :class:`~simulator.network.stops.PlaceError` when ``gate`` or a stop is
        outside the district or farther than ``walk.snap_tolerance`` from its streets.
    """
    spec = spec or DistrictSpec()
    _validate(spec)
    params = params or default_parameters()
    rng = np.random.default_rng(spec.seed)
    plan = _plan(spec, rng)
    cols, rows = spec.superblocks
    centre = (cols // 2, rows // 2)
    school, school_q, bridge = _place_school(plan, rng, block=centre)
    blocks = [(i, j) for j in range(rows) for i in range(cols)]
    for block in blocks:
        if block != centre:
            _midblock_zebra(plan, rng, block=block)
    homes: list[Home] = []
    for b, block in enumerate(blocks):
        homes += _block(plan, spec, rng, block=block, first=1 + spec.compounds_per_block * b,
                        school_q=school_q if block == centre else None)
    _place_footbridge(*bridge)
    g, ids, kinds = _graph(plan, params, name=f"Synthetic district (seed {spec.seed})")
    (i, j), v, h = centre, plan.col_v[centre[0]].at, plan.col_h[centre[1]].at
    ends = [(v, plan.art_h[j].at), (v, plan.art_h[j + 1].at),
            (plan.art_v[i].at, h), (plan.art_v[i + 1].at, h)]
    _signals(g, kinds, rng, near=[ids[(round(x, 3), round(y, 3))] for x, y in ends])
    note = (f"synthetic district, seed {spec.seed}: {cols}×{rows} superblocks, "
            f"{spec.compounds_per_block} compounds each, school of about {spec.pupils} pupils")
    found = _bus_stops(plan, school, params)  # laid out around the district's own gate
    school, moved = _placed(g, school, stops or {}, params, gate=gate)
    near = near_stops(with_placed_stops(found, moved), (school.x, school.y),
                      within=float(params["transit.max_stop_walk"]), keep=moved)
    return Site(g, school, tuple(homes), (note,), stops=near)


def _placed(g: nx.MultiDiGraph, school: School, stops: Mapping[str, tuple[float, float]],
            params: Parameters, *, gate: tuple[float, float] | None
            ) -> tuple[School, dict[str, tuple[float, float]]]:
    """The school (at ``gate`` if given) and the placed stops, checked against the district."""
    xs = [x for _, x in g.nodes(data="x")]
    ys = [y for _, y in g.nodes(data="y")]
    box = (min(xs), min(ys), max(xs), max(ys))

    def inside(x: float, y: float) -> bool:
        return box[0] <= x <= box[2] and box[1] <= y <= box[3]

    asked = ([("site.gate", *gate)] if gate is not None else []) + [
        (f"site.stops.{ident}", x, y) for ident, (x, y) in stops.items()]
    placed = [Placed(f, shown(x=x, y=y), float(x), float(y), inside(x, y)) for f, x, y in asked]
    check_placed(g, placed, params=params,
                 extent=f"x {box[0]:.0f}–{box[2]:.0f}, y {box[1]:.0f}–{box[3]:.0f}")
    if gate is not None:
        school = replace(school, x=float(gate[0]), y=float(gate[1]))
    return school, {ident: (float(x), float(y)) for ident, (x, y) in stops.items()}


def _bus_stops(plan: _Plan, school: School, params: Parameters) -> list[Stop]:
    """Pairs of stops on every arterial: at its point nearest the school, then every :data:`STOP_SPACING` m.

    Ids ``busV{i}-{m}{side}`` (vertical arterial ``i``, ``m``-th position from its
    south end, ``W``/``E`` side; ``busH`` and ``S``/``N`` for horizontal ones);
    named after the nearest street across (``建设路口`` when within 60 m, else
    ``建设路北`` and the like).
    """
    half = int(params["traffic.default_lanes"]["primary"]) * float(params["traffic.lane_width"]) / 2
    off = half + STOP_KERB
    out: list[Stop] = []
    for axis, roads, across in (("V", plan.art_v, plan.art_h + plan.col_h),
                                ("H", plan.art_h, plan.art_v + plan.col_v)):
        for i, road in enumerate(roads):
            lo, hi = min(road.stops) + CLEAR, max(road.stops) - CLEAR
            near = min(max(school.y if axis == "V" else school.x, lo), hi)
            first = near - ((near - lo) // STOP_SPACING) * STOP_SPACING
            steps = int((hi - first) // STOP_SPACING)
            for m in range(steps + 1):
                s = round(first + m * STOP_SPACING, 2)
                cross = min(across, key=lambda r: (abs(r.at - s), r.at))
                if abs(cross.at - s) < STOP_CLEAR:  # not in the junction: just past it
                    s = cross.at + (STOP_CLEAR if s >= cross.at else -STOP_CLEAR)
                where = "口" if abs(cross.at - s) <= 60.0 else (
                    ("北" if s > cross.at else "南") if axis == "V" else ("东" if s > cross.at else "西"))
                for side, sign in zip("WE" if axis == "V" else "SN", (-1.0, 1.0), strict=True):
                    x, y = road.point(s)
                    x, y = (x + sign * off, y) if axis == "V" else (x, y + sign * off)
                    out.append(Stop(f"bus{axis}{i}-{m}{side}", x, y, f"{cross.name}{where}"))
    return out
