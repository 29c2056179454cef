"""The light base under a map: roads by their width, buildings, water, green space and school grounds.

The site object keeps only the street graph, so for an OSM map the extract is
read a second time here (with the same bounded reader as the site,
:func:`simulator.network.osmdata.read_osm`; once per file and CRS in a
process) and its ``building=*`` footprints, water (``natural=water``,
``waterway=riverbank|dock``, ``landuse=reservoir|basin``, ``water=*``; rivers,
streams, canals and drains as lines), green space (parks, gardens, grass,
woods) and ``amenity=school|kindergarten`` grounds are projected to the graph's
CRS. A map without buildings (the synthetic district, a GraphML file, a sparse
extract) gets its street blocks instead: the faces between the carriageways,
drawn inset from the kerbs. Map data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import networkx as nx
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Transform
from shapely import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from simulator.errors import SaferouteError
from simulator.network.osmdata import areas, project, projector, read_osm, way_line

WATER_AREAS: dict[str, set[str] | None] = {"natural": {"water"}, "waterway": {"riverbank", "dock"},
                                           "landuse": {"reservoir", "basin"}, "water": None}
WATERWAYS = frozenset({"river", "stream", "canal", "drain", "ditch"})
GREEN: dict[str, set[str] | None] = {
    "leisure": {"park", "garden", "pitch", "playground", "nature_reserve"},
    "landuse": {"grass", "forest", "meadow", "recreation_ground", "village_green", "park"},
    "natural": {"wood", "scrub", "grassland"}}
GROUNDS: dict[str, set[str] | None] = {"amenity": {"school", "kindergarten"}}
# colours and widths of the layers (layout only)
STYLE = {
    "blocks": {"facecolor": "#f2efe9", "edgecolor": "none", "zorder": 0.1},
    "green": {"facecolor": "#e4efdb", "edgecolor": "none", "zorder": 0.2},
    "grounds": {"facecolor": "#f7ecd2", "edgecolor": "#e3d2ad", "linewidth": 0.5, "zorder": 0.25},
    "water": {"facecolor": "#cfe2f3", "edgecolor": "none", "zorder": 0.3},
    "roads": {"facecolor": "#ececec", "edgecolor": "none", "zorder": 0.4},
    "buildings": {"facecolor": "#e6e0d7", "edgecolor": "#cdc4b7", "linewidth": 0.3, "zorder": 0.5},
}
WATERWAY_COLOUR, WATERWAY_WIDTH, WATERWAY_Z = "#a8c9e6", 1.4, 0.3
BLOCK_INSET_M = 6.0  # blocks start this far inside the kerb
MIN_BLOCK_M2 = 400.0
MIN_ROAD_WIDTH_M = 4.0  # a road drawn narrower than this would vanish


@dataclass(frozen=True)
class BaseShapes:
    """Shapes of the base layer, projected to the street graph's CRS.

    Attributes
    ----------
    buildings, water, green, grounds, blocks
        (Multi)polygons by layer (``blocks`` only when there are no buildings).
    waterways
        River, stream, canal and drain centrelines.
    """

    buildings: tuple[BaseGeometry, ...] = ()
    water: tuple[BaseGeometry, ...] = ()
    green: tuple[BaseGeometry, ...] = ()
    grounds: tuple[BaseGeometry, ...] = ()
    blocks: tuple[BaseGeometry, ...] = ()
    waterways: tuple[LineString, ...] = ()


def collect_base(street: nx.MultiDiGraph) -> BaseShapes:
    """The base layer of a street graph: its OSM extract's shapes, else its street blocks."""
    source, crs = str(street.graph.get("source", "")), street.graph.get("crs")
    path = Path(source)
    shapes = BaseShapes()
    if crs and path.suffix.lower() != ".graphml" and path.is_file():
        stat = path.stat()
        try:
            shapes = read_osm_shapes(str(path.resolve()), str(crs), (stat.st_mtime_ns, stat.st_size))
        except (SaferouteError, OSError):
            shapes = BaseShapes()  # the base is decoration: a map is still drawn without it
    if shapes.buildings:
        return shapes
    return BaseShapes(water=shapes.water, green=shapes.green, grounds=shapes.grounds,
                      waterways=shapes.waterways, blocks=find_blocks(street))


@lru_cache(maxsize=4)
def read_osm_shapes(path: str, crs: str, stamp: tuple[int, int]) -> BaseShapes:
    """Buildings, water, green space and school grounds of an OSM extract, projected to ``crs``.

    ``stamp`` (modification time, size) makes a changed file read again.
    """
    data = read_osm(path)
    to_map = projector(crs)

    def layer(wanted: dict[str, set[str] | None], *, skip_no: str = "") -> tuple[BaseGeometry, ...]:
        return tuple(project(shape, to_map) for _, tags, shape in areas(data, wanted)
                     if shape.geom_type != "Point" and not (skip_no and tags.get(skip_no) == "no"))

    lines = []
    for way, (_, tags) in data.ways.items():
        if tags.get("waterway") in WATERWAYS and (pts := way_line(data, way)) and len(pts) >= 2:
            lines.append(project(LineString(pts), to_map))
    return BaseShapes(buildings=layer({"building": None}, skip_no="building"), water=layer(WATER_AREAS),
                      green=layer(GREEN), grounds=layer(GROUNDS), waterways=tuple(lines))


def find_blocks(street: nx.MultiDiGraph) -> tuple[BaseGeometry, ...]:
    """Faces between the carriageways, inset from the kerbs (the land the streets enclose)."""
    lines = [_trace_edge(street, u, v, d) for u, v, d in street.edges(data=True) if d.get("carriageway")]
    if not lines:
        return ()
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(lines))))
    kerbs = shapely.union_all(_buffer_roads(street, None, extra=BLOCK_INSET_M))
    out = []
    for face in faces:
        inner = face.difference(kerbs)
        if not inner.is_empty and inner.area >= MIN_BLOCK_M2:
            out.append(inner)
    return tuple(out)


def draw_base(ax: Axes, street: nx.MultiDiGraph, box: np.ndarray) -> None:
    """Draw the base layer inside ``box`` ``((x0, y0), (x1, y1))``: blocks or buildings, water, roads."""
    shapes = collect_base(street)
    view = shapely.box(*box[0], *box[1])
    for name in ("blocks", "green", "grounds", "water", "buildings"):
        fill_shapes(ax, getattr(shapes, name), view, STYLE[name])
    rivers = [w for w in shapes.waterways if w.intersects(view)]
    if rivers:
        lines = [np.asarray(w.coords)[:, :2] for w in rivers]
        ax.add_collection(LineCollection(lines, colors=WATERWAY_COLOUR, linewidths=WATERWAY_WIDTH,
                                         zorder=WATERWAY_Z))
    fill_shapes(ax, tuple(_buffer_roads(street, view)), view, STYLE["roads"])


def _buffer_roads(street: nx.MultiDiGraph, view: Polygon | None, *, extra: float = 0.0
                 ) -> list[BaseGeometry]:
    """Carriageways in ``view`` (all if None) as their width plus ``extra`` each side, each edge once."""
    out, seen = [], set()
    for u, v, k, d in street.edges(keys=True, data=True):
        if not d.get("carriageway") or (v, u, k) in seen:
            continue
        seen.add((u, v, k))
        line = _trace_edge(street, u, v, d)
        if view is None or line.intersects(view):
            half = max(float(d.get("width") or 0.0), MIN_ROAD_WIDTH_M) / 2 + extra
            out.append(line.buffer(half, quad_segs=4))
    return out


def _trace_edge(street: nx.MultiDiGraph, u, v, d: dict) -> LineString:
    return d.get("geometry") or LineString([(street.nodes[n]["x"], street.nodes[n]["y"]) for n in (u, v)])


def fill_shapes(ax: Axes, shapes: tuple[BaseGeometry, ...], view: Polygon, style: dict, *,
                transform: Transform | None = None) -> None:
    """Fill the ``shapes`` that meet ``view`` in ``style`` (``transform``: map to axes, if not the data's)."""
    if not shapes:
        return
    arr = np.array(shapes, dtype=object)
    paths = [p for g in arr[shapely.intersects(arr, view)] for p in make_paths(g)]
    if paths:
        patches = PatchCollection([PathPatch(p) for p in paths], **style)
        if transform is not None:
            patches.set_transform(transform)
        ax.add_collection(patches)


def make_paths(geom: BaseGeometry) -> list[MplPath]:
    """Matplotlib paths of the polygons in ``geom`` (holes kept: outer rings anticlockwise)."""
    if isinstance(geom, Polygon):
        if geom.is_empty:
            return []
        ring = orient(geom, 1.0)
        return [MplPath.make_compound_path(*(MplPath(np.asarray(r.coords)[:, :2], closed=True)
                                             for r in (ring.exterior, *ring.interiors)))]
    if isinstance(geom, MultiPolygon) or hasattr(geom, "geoms"):
        return [p for part in geom.geoms for p in make_paths(part)]
    return []
