"""The SUMO comparison's workload (``bench_sumo.py``): the grid, the homes and each simulator's input.

An 8 x 8 grid of 200 m blocks with 100 m stubs, one lane a direction at 50 km/h, 300 veh/h per
direction, 9 signals, homes 300–1,200 m from the school gate along the streets; written as an
OpenStreetMap file and a scenario for saferoute, and as netgenerate options and a demand file for SUMO.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from simulator.params import clock_seconds, default_parameters

JUNCTIONS = 9            # 9 x 9 junctions: 8 x 8 blocks
BLOCK_M = 200.0
STUB_M = 100.0           # streets attached at the border, so that border junctions are 4-legged
SPEED_KMH = 50.0
VPH = 300.0              # vehicles per hour per direction, every street
SIGNALS = tuple((i, j) for i in (2, 4, 6) for j in (2, 4, 6))
CENTRE = (4, 4)
GATE_M = 20.0            # the school gate: 20 m east of the centre junction, south side of the street
HOME_OFFSETS = (25.0, 75.0, 125.0, 175.0)  # homes along each block face, m from the face's west/south end
HOME_SETBACK = (10.0, 18.0)  # building depth from the street's centre line, m
HOME_WIDTH_M = 12.0
HOME_LEVELS = 6
WALK_RANGE_M = (300.0, 1200.0)
PERIOD = ("07:00", "08:30")
BELL = "08:20"
PERIOD_S = 5400.0
SIGNAL_CYCLE_S = 120      # SUMO's default fixed-time plan with this cycle gives the walk 52 s
SIGNAL_WALK_S = 52
SEED = 1
SCHOOL = "网格小学 Grid School"
LETTERS = "ABCDEFGHI"
UTM50 = "EPSG:32650"
X0, Y0 = 500_000.0, 3_320_000.0


@dataclass(frozen=True)
class Home:
    """A home: a building on one side of one street segment, and where SUMO's walk starts."""

    id: int
    x: float            # centre of the building, m from junction (0, 0)
    y: float
    footprint: tuple[tuple[float, float], ...]
    distance_m: float   # along the street centre lines to the school gate
    edge: str           # SUMO edge whose sidewalk passes the home
    offset_m: float     # along that edge from its start junction



# --- the workload ---------------------------------------------------------------------------------


def name_junction(i: int, j: int) -> str:
    """SUMO's id of grid junction (column ``i``, row ``j``): ``A0`` ... ``I8``."""
    return f"{LETTERS[i]}{j}"


def find_segment_ends(seg: tuple[str, int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """The two junctions of a segment ``(kind, i, j)``: horizontal ``h`` or vertical ``v``."""
    kind, i, j = seg
    return (i, j), ((i + 1, j) if kind == "h" else (i, j + 1))


def measure_grid_distance(seg: tuple[str, int, int], offset: float, gate: tuple[str, int, int],
                  gate_offset: float) -> float:
    """Shortest distance along the street centre lines from a point on ``seg`` to one on ``gate``.

    Offsets are metres from the segment's west (horizontal) or south (vertical) junction.
    """
    if seg == gate:
        return abs(offset - gate_offset)
    a0, a1 = find_segment_ends(seg)
    b0, b1 = find_segment_ends(gate)
    best = math.inf
    for ja, da in ((a0, offset), (a1, BLOCK_M - offset)):
        for jb, db in ((b0, gate_offset), (b1, BLOCK_M - gate_offset)):
            blocks = abs(ja[0] - jb[0]) + abs(ja[1] - jb[1])
            best = min(best, da + db + BLOCK_M * blocks)
    return best


def place_homes() -> list[Home]:
    """Residential buildings on every block face whose walk to the gate is 300–1,200 m.

    Four 12 m buildings per block face (25, 75, 125, 175 m along it), 10–18 m
    from the street's centre line; the distance is along the street centre
    lines from the building's foot on its street to the gate.
    """
    gate = ("h", *CENTRE)
    homes: list[Home] = []
    last = JUNCTIONS - 1
    for kind in ("h", "v"):
        for i in range(JUNCTIONS if kind == "v" else last):
            for j in range(JUNCTIONS if kind == "h" else last):
                for side in (-1, 1):  # south/west, north/east of the street
                    across = (j if kind == "h" else i) + (0 if side > 0 else -1)
                    if not 0 <= across < last:  # no block on that side (outside the grid)
                        continue
                    for t in HOME_OFFSETS:
                        d = measure_grid_distance((kind, i, j), t, gate, GATE_M)
                        if not WALK_RANGE_M[0] <= d <= WALK_RANGE_M[1]:
                            continue
                        homes.append(_make_home(len(homes), kind, i, j, side, t, d))
    return homes


def _make_home(ident: int, kind: str, i: int, j: int, side: int, t: float, d: float) -> Home:
    """One building (see :func:`place_homes`) and the SUMO edge whose sidewalk is on its side."""
    near, far = HOME_SETBACK
    half = HOME_WIDTH_M / 2
    along = (i if kind == "h" else j) * BLOCK_M + t
    base = (j if kind == "h" else i) * BLOCK_M
    lo, hi = sorted((base + side * near, base + side * far))
    corners: tuple[tuple[float, float], ...] = ((along - half, lo), (along + half, lo),
                                                (along + half, hi), (along - half, hi))
    if kind == "v":
        corners = tuple((b, a) for a, b in corners)
    start, end = find_segment_ends((kind, i, j))
    # SUMO drives on the right: the sidewalk (lane 0) of the edge from ``start`` is on its right,
    # south of an eastbound street and east of a northbound one
    forward = (side < 0) if kind == "h" else (side > 0)
    u, v = (start, end) if forward else (end, start)
    edge = name_junction(*u) + name_junction(*v)
    centre = (sum(c[0] for c in corners) / 4, sum(c[1] for c in corners) / 4)
    return Home(ident, centre[0], centre[1], corners, d, edge, t if forward else BLOCK_M - t)


# --- saferoute's input: an OSM map and a scenario ---------------------------------------------------------


def write_osm(path: Path, homes: list[Home]) -> None:
    """The grid as OpenStreetMap XML: streets, 9 signal nodes, the school and the homes.

    Streets are ``highway=tertiary``, ``lanes=2`` (one per direction),
    ``maxspeed=50``, one way per row and column of the grid from stub to stub.
    """
    to_lonlat = Transformer.from_crs(UTM50, "EPSG:4326", always_xy=True)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="bench_sumo">']
    ids = iter(range(1, 10**9))

    def add_node(x: float, y: float, tags: dict[str, str] | None = None) -> int:
        n = next(ids)
        lon, lat = to_lonlat.transform(X0 + x, Y0 + y)
        body = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in (tags or {}).items())
        lines.append(f'<node id="{n}" version="1" lat="{lat:.8f}" lon="{lon:.8f}">{body}</node>')
        return n

    def add_way(refs: list[int], tags: dict[str, str]) -> None:
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        body = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<way id="{next(ids)}" version="1">{nds}{body}</way>')

    last = JUNCTIONS - 1
    junction = {(i, j): add_node(i * BLOCK_M, j * BLOCK_M,
                                 {"highway": "traffic_signals"} if (i, j) in SIGNALS else None)
                for i in range(JUNCTIONS) for j in range(JUNCTIONS)}
    road = {"highway": "tertiary", "lanes": "2", "maxspeed": f"{SPEED_KMH:.0f}"}
    for k in range(JUNCTIONS):
        ends = (-STUB_M, last * BLOCK_M + STUB_M)
        row = [add_node(ends[0], k * BLOCK_M), *(junction[i, k] for i in range(JUNCTIONS)),
               add_node(ends[1], k * BLOCK_M)]
        add_way(row, {**road, "name": f"东西{k + 1}路 Row {k + 1} Road"})
        column = [add_node(k * BLOCK_M, ends[0]), *(junction[k, j] for j in range(JUNCTIONS)),
                  add_node(k * BLOCK_M, ends[1])]
        add_way(column, {**road, "name": f"南北{k + 1}街 Column {k + 1} Street"})
    cx, cy = CENTRE[0] * BLOCK_M + GATE_M, CENTRE[1] * BLOCK_M - 10.0
    add_node(cx, cy, {"amenity": "school", "name": SCHOOL})
    for home in homes:
        refs = [add_node(x, y) for x, y in home.footprint]
        add_way([*refs, refs[0]], {"building": "apartments", "building:levels": str(HOME_LEVELS)})
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_scenario(path: Path, osm: Path, *, children: int) -> None:
    """The saferoute scenario: the map, the children, the morning and the traffic on every street."""
    text = f"""\
# bench_sumo.py: the SUMO comparison grid (issue 15)
name: SUMO grid {children}
description: >-
  8 x 8 blocks of 200 m, 1 lane per direction at 50 km/h, 300 veh/h per
  direction on every street, 9 signals, {children} children walking 300-1200 m.
site: {{map: {osm.name}, school: {SCHOOL}, catchment_m: {WALK_RANGE_M[1] + 50:.0f}}}
children: {children}
bell: "{BELL}"
period: {{start: "{PERIOD[0]}", end: "{PERIOD[1]}"}}
enforcement: normal
parameters:
  traffic.peak_volume_per_lane: {{tertiary: {VPH:.0f}}}   # every street is tertiary, 1 lane a direction
  traffic.profile_factors: [1, 1, 1, 1, 1, 1]           # the same volume all morning
  signal.cycle: {SIGNAL_CYCLE_S}
  signal.walk: {SIGNAL_WALK_S - 4}                                     # + signal.walk_extension 4 s
  mode.motorised_weights: {{ebike: 0, car: 0, bus: 0}}    # every pupil walks from home, as SUMO's walkers do
interventions: []
"""
    path.write_text(text, encoding="utf-8")


# --- SUMO's input: netgenerate options and a demand file ------------------------------------------------


def build_netgenerate_command(binaries: Path, net: Path) -> list[str]:
    """``netgenerate --grid`` for the workload (sidewalks, crossings, 9 signals)."""
    signals = ",".join(name_junction(i, j) for i, j in SIGNALS)
    return [str(binaries / "netgenerate"), "--grid", "--grid.number", str(JUNCTIONS),
            "--grid.length", f"{BLOCK_M:.0f}", "--grid.attach-length", f"{STUB_M:.0f}",
            "--default.lanenumber", "1", "--default.speed", f"{SPEED_KMH / 3.6:.4f}",
            "--sidewalks.guess", "--crossings.guess", "--tls.set", signals,
            "--tls.cycle.time", str(SIGNAL_CYCLE_S), "--no-turnarounds", "true",
            "--output-file", str(net)]


def read_trim(net: Path) -> float:
    """How far an edge's lanes start past its junction's centre (``(block - lane length) / 2``)."""
    gate = name_junction(*CENTRE) + name_junction(CENTRE[0] + 1, CENTRE[1])
    for lane in ET.parse(net).getroot().iter("lane"):
        if lane.get("id") == f"{gate}_0":
            return (BLOCK_M - float(lane.get("length", BLOCK_M))) / 2
    raise SystemExit(f"bench_sumo: {net} has no lane {gate}_0: netgenerate changed its ids")


def draw_children(homes: list[Home], *, children: int, seed: int) -> pd.DataFrame:
    """SUMO's walkers: homes, speeds and departures drawn like saferoute's (seeded).

    Homes are drawn with equal weights (the buildings are equal); age 6–12,
    speed and arrival slack before the bell from saferoute's parameter table;
    a child leaves ``bell - slack - walk_time_budget x distance / speed``
    after 07:00 (at 07:00 at the earliest), as saferoute's children do.
    """
    p = default_parameters()
    rng = np.random.default_rng(seed)
    home = rng.integers(0, len(homes), size=children)
    youngest, oldest = p["school.ages"]
    age = rng.integers(youngest, oldest + 1, size=children)
    share = (np.clip(age, 6, 12) - 6) / 6.0
    mean = p["child.walk_speed_age6"] + (p["child.walk_speed_age12"] - p["child.walk_speed_age6"]) * share
    speed = np.maximum(mean + p["child.walk_speed_sd"] * rng.standard_normal(children),
                       p["child.walk_speed_min"])
    slack_mean, slack_sd = p["child.arrival_slack_mean"] * 60, p["child.arrival_slack_sd"] * 60
    k = (slack_mean / slack_sd) ** 2
    slack = np.maximum(rng.gamma(k, slack_mean / k, children), 60.0)
    distance = np.array([homes[h].distance_m for h in home])
    bell = clock_seconds(BELL) - clock_seconds(PERIOD[0])
    depart = np.maximum(bell - slack - p["child.walk_time_budget"] * distance / speed, 0.0)
    return pd.DataFrame({"home": home, "speed": speed, "distance": distance, "depart": depart}
                        ).sort_values("depart", kind="stable").reset_index(drop=True)


def write_demand(path: Path, homes: list[Home], walkers: pd.DataFrame, *, trim: float) -> None:
    """The SUMO route file: 36 vehicle flows (each row and column, both ways) and the walkers."""
    rate = VPH / 3600.0
    last = JUNCTIONS - 1
    flows: list[tuple[str, str, str]] = []
    for k in range(JUNCTIONS):
        letter = LETTERS[k]
        flows += [(f"row{k}east", f"left{k}A{k}", f"I{k}right{k}"),
                  (f"row{k}west", f"right{k}I{k}", f"A{k}left{k}"),
                  (f"col{k}north", f"bottom{k}{letter}0", f"{letter}{last}top{k}"),
                  (f"col{k}south", f"top{k}{letter}{last}", f"{letter}0bottom{k}")]
    gate = name_junction(*CENTRE) + name_junction(CENTRE[0] + 1, CENTRE[1])
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<routes>"]
    lines += [f'  <flow id="{fid}" from="{a}" to="{b}" begin="0" end="{PERIOD_S:.0f}" '
              f'period="exp({rate:.8f})" departLane="best" departSpeed="max"/>' for fid, a, b in flows]
    for n, row in enumerate(walkers.itertuples(index=False)):
        home = homes[int(row.home)]
        lines.append(f'  <person id="c{n}" depart="{row.depart:.2f}" departPos="{home.offset_m - trim:.2f}">'
                     f'<walk from="{home.edge}" to="{gate}" arrivalPos="{GATE_M - trim:.2f}" '
                     f'speed="{row.speed:.3f}"/></person>')
    lines.append("</routes>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


