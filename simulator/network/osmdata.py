"""Reading OSM XML extracts: nodes, ways, relations and their tags, and area shapes.

OSMnx keeps only a few node tags and turns every way into an edge; the OSM
loaders need node tags (crossings, signals), school and residential areas and
the ``<bounds>`` of the export, so the file is read here once with
``xml.etree.ElementTree.iterparse`` (plain, ``.bz2`` or ``.gz``).

Map data © OpenStreetMap contributors, under the Open Database Licence 1.0.
"""

from __future__ import annotations

import bz2
import gzip
import math
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree as ET

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, polygonize, unary_union

from simulator.errors import NetworkError

ATTRIBUTION = "Map data © OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright)"
Tags = dict[str, str]


@dataclass(frozen=True)
class OsmData:
    """The elements of one OSM XML file.

    Attributes
    ----------
    path
        The file read.
    bounds
        ``(minlon, minlat, maxlon, maxlat)`` of the export's ``<bounds>``, or None.
    coords
        Node id -> ``(lon, lat)``.
    node_tags
        Node id -> tags, for tagged nodes only.
    ways
        Way id -> ``(node ids, tags)``.
    relations
        Relation id -> ``(members as (type, ref, role), tags)``.
    """

    path: Path
    bounds: tuple[float, float, float, float] | None
    coords: dict[int, tuple[float, float]]
    node_tags: dict[int, Tags]
    ways: dict[int, tuple[tuple[int, ...], Tags]]
    relations: dict[int, tuple[tuple[tuple[str, int, str], ...], Tags]]

    def extent(self) -> tuple[float, float, float, float]:
        """``(minlon, minlat, maxlon, maxlat)``: the bounds, else the extent of the nodes."""
        if self.bounds is not None:
            return self.bounds
        if not self.coords:
            msg = f"{self.path} is an empty map: it has no nodes and no highways"
            raise NetworkError(msg)
        lon, lat = np.array(list(self.coords.values())).T
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


@contextmanager
def _open(path: Path) -> Iterator[IO[bytes]]:
    """Binary stream of a plain, bzip2 or gzip file."""
    if path.suffix == ".bz2":
        with bz2.open(path, "rb") as f:
            yield f
    elif path.suffix == ".gz":
        with gzip.open(path, "rb") as g:
            yield g  # type: ignore[misc]
    else:
        with path.open("rb") as f:
            yield f


def check_file(path: str | Path) -> Path:
    """The path, or a NetworkError if there is no such file."""
    path = Path(path)
    if not path.is_file():
        msg = f"map file {path} not found"
        raise NetworkError(msg)
    return path


MAX_OSM_UNPACKED = 2 << 30
"""Bytes of OSM XML once decompressed (a city extract is far smaller; a .bz2 bomb stops here)."""
MAX_OSM_ELEMENTS = 20_000_000
"""Nodes, ways and relations in one file."""
MAX_ELEMENT_BYTES = 4 << 20
"""Bytes of XML read without a single element starting or ending (one giant element stops here)."""
MAX_CHILDREN = {"nd": 2_000, "member": 32_000, "tag": 5_000}
"""Children of one element: OpenStreetMap's own limits for nodes of a way and members of a
relation; 5,000 tags is far above any real element."""
_CHUNK = 1 << 16


def read_osm(path: str | Path) -> OsmData:
    """Read an OSM XML file (``.osm``, ``.osm.bz2``, ``.osm.gz``), bounded in size and counts.

    The file is fed to the parser in chunks: more than :data:`MAX_OSM_UNPACKED`
    bytes once decompressed, more than :data:`MAX_OSM_ELEMENTS` elements, an
    element above :data:`MAX_CHILDREN` or :data:`MAX_ELEMENT_BYTES`, or a node
    outside the globe is refused before it can fill the memory.

    Raises
    ------
    NetworkError
        If the file is missing, not XML, truncated, beyond the bounds or not an ``<osm>`` document.
    """
    path = check_file(path)
    reader = _OsmReader(path)
    try:
        with _open(path) as stream:
            parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
            read = since_event = 0
            while chunk := stream.read(_CHUNK):
                read += len(chunk)
                since_event += len(chunk)
                if read > MAX_OSM_UNPACKED:
                    msg = (f"{path} is refused: more than {MAX_OSM_UNPACKED >> 30} GiB of OSM XML once "
                           "decompressed (allowed: an extract of a city or smaller)")
                    raise NetworkError(msg)
                parser.feed(chunk)
                if reader.take(parser.read_events()):
                    since_event = 0
                elif since_event > MAX_ELEMENT_BYTES:
                    msg = (f"{path} is refused: one element is longer than {MAX_ELEMENT_BYTES >> 20} MiB "
                           "(allowed: OSM elements of real size)")
                    raise NetworkError(msg)
            parser.close()
            reader.take(parser.read_events())
    except ET.ParseError as exc:
        line = exc.position[0]
        reason = str(exc).split(":")[0]
        msg = f"{path} is not OSM XML (line {line}: {reason})"
        raise NetworkError(msg) from None
    except (OSError, EOFError, zlib.error) as exc:
        msg = f"{path} is not OSM XML (cannot decompress or read it: {exc})"
        raise NetworkError(msg) from None
    except ValueError as exc:
        msg = f"{path} is not OSM XML (bad number in an element: {exc})"
        raise NetworkError(msg) from None
    if reader.root is None:
        msg = f"{path} is not OSM XML (no root element)"
        raise NetworkError(msg)
    return reader.data()


class _OsmReader:
    """Turns parser events into OSM elements, counting them against the bounds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root: ET.Element | None = None
        self.depth = 0
        self.children: dict[str, int] = {}
        self.elements = 0
        self.coords: dict[int, tuple[float, float]] = {}
        self.node_tags: dict[int, Tags] = {}
        self.ways: dict[int, tuple[tuple[int, ...], Tags]] = {}
        self.relations: dict[int, tuple[tuple[tuple[str, int, str], ...], Tags]] = {}
        self.bounds: tuple[float, ...] | None = None

    def take(self, events: Iterator[tuple[Any, ...]]) -> bool:
        """Handle parser events; whether there were any."""
        seen = False
        for event, elem in events:
            seen = True
            if event == "start":
                self._start(elem)
            else:
                self.depth -= 1
                if self.depth == 1:
                    self._element(elem)
                    assert self.root is not None
                    self.root.clear()
        return seen

    def _start(self, elem: ET.Element) -> None:
        self.depth += 1
        if self.root is None:
            self.root = elem
            if elem.tag != "osm":
                msg = f"{self.path} is not OSM XML (line 1: root element is <{elem.tag}>, not <osm>)"
                raise NetworkError(msg)
        elif self.depth == 2:
            self.children = {}
            self.elements += 1
            if self.elements > MAX_OSM_ELEMENTS:
                msg = (f"{self.path} is refused: more than {MAX_OSM_ELEMENTS:,} elements "
                       "(allowed: an extract of a city or smaller)")
                raise NetworkError(msg)
        elif elem.tag in MAX_CHILDREN:
            count = self.children[elem.tag] = self.children.get(elem.tag, 0) + 1
            if count > MAX_CHILDREN[elem.tag]:
                msg = (f"{self.path} is refused: an element has more than {MAX_CHILDREN[elem.tag]:,} "
                       f"<{elem.tag}> children (allowed: up to {MAX_CHILDREN[elem.tag]:,})")
                raise NetworkError(msg)

    def _element(self, elem: ET.Element) -> None:
        if elem.tag == "node":
            ref = int(elem.get("id", "0"))
            if elem.get("lon") is None or elem.get("lat") is None:
                return  # a node without a position (an ``out ids``/``out tags`` export): as if cut off
            lon, lat = float(elem.get("lon", "nan")), float(elem.get("lat", "nan"))
            if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # NaN fails too
                msg = (f"{self.path}: node {ref}: lat {elem.get('lat')!r}, lon {elem.get('lon')!r} is not "
                       "allowed (allowed: latitude -90–90, longitude -180–180)")
                raise NetworkError(msg)
            self.coords[ref] = (lon, lat)
            tags = _tags(elem)
            if tags:
                self.node_tags[ref] = tags
        elif elem.tag == "way":
            refs = tuple(int(nd.get("ref", "0")) for nd in elem.iter("nd"))
            self.ways[int(elem.get("id", "0"))] = (refs, _tags(elem))
        elif elem.tag == "relation":
            members = tuple((m.get("type", ""), int(m.get("ref", "0")), m.get("role", ""))
                            for m in elem.iter("member"))
            self.relations[int(elem.get("id", "0"))] = (members, _tags(elem))
        elif elem.tag == "bounds":
            self.bounds = tuple(float(elem.get(k, "nan")) for k in ("minlon", "minlat", "maxlon", "maxlat"))

    def data(self) -> OsmData:
        bounds = self.bounds
        if bounds is not None and not all(math.isfinite(b) for b in bounds):
            bounds = None
        return OsmData(self.path, bounds, self.coords, self.node_tags, self.ways,  # type: ignore[arg-type]
                       self.relations)


def _tags(elem: ET.Element) -> Tags:
    return {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}


# --- coordinates ---------------------------------------------------------------------------


def utm_crs(data: OsmData) -> CRS:
    """The UTM zone CRS of the middle of the extract (WGS 84 / UTM, metres)."""
    minlon, minlat, maxlon, maxlat = data.extent()
    return utm_crs_at((minlon + maxlon) / 2, (minlat + maxlat) / 2)


def utm_crs_at(lon: float, lat: float) -> CRS:
    """The UTM zone CRS of a point (WGS 84 / UTM, metres)."""
    zone = int((lon + 180) // 6) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def projector(crs: CRS | str) -> Transformer:
    """Transformer from WGS 84 lon/lat to ``crs``."""
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def project(geometry: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    """A lon/lat geometry in the transformer's projected CRS."""
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((x, y))
    return shapely.transform(geometry, fn)


# --- shapes of elements ---------------------------------------------------------------------


def way_line(data: OsmData, way: int) -> list[tuple[float, float]] | None:
    """Lon/lat points of a way, or None if a node is missing from the file."""
    refs, _ = data.ways[way]
    try:
        return [data.coords[r] for r in refs]
    except KeyError:
        return None


def way_area(data: OsmData, way: int) -> Polygon | MultiPolygon | None:
    """Polygon (lon/lat) of a closed way, or None if it is open or incomplete."""
    refs, _ = data.ways[way]
    pts = way_line(data, way)
    if pts is None or len(refs) < 4 or refs[0] != refs[-1]:
        return None
    poly = Polygon(pts)
    if not poly.is_valid:
        poly = poly.buffer(0)
    return poly if isinstance(poly, Polygon | MultiPolygon) and not poly.is_empty else None


def relation_area(data: OsmData, rel: int) -> BaseGeometry | None:
    """(Multi)polygon (lon/lat) of a multipolygon relation, or None if it cannot be closed."""
    members, tags = data.relations[rel]
    if tags.get("type") != "multipolygon":
        return None
    rings: dict[str, list[BaseGeometry]] = {"outer": [], "inner": []}
    for kind, ref, role in members:
        if kind != "way" or ref not in data.ways:
            continue
        pts = way_line(data, ref)
        if pts is not None and len(pts) >= 2:
            rings["inner" if role == "inner" else "outer"].append(shapely.LineString(pts))
    if not rings["outer"]:
        return None
    outer = unary_union(list(polygonize(linemerge(rings["outer"]))))
    if outer.is_empty:
        return None
    if rings["inner"]:
        outer = outer.difference(unary_union(list(polygonize(linemerge(rings["inner"])))))
    return None if outer.is_empty else outer


def areas(data: OsmData, wanted: dict[str, set[str] | None]
          ) -> Iterator[tuple[str, Tags, BaseGeometry]]:
    """``(id, tags, lon/lat shape)`` of nodes, closed ways and multipolygons with wanted tags.

    ``wanted`` maps a key to its accepted values (None: any value). Ids are
    ``n{id}``, ``w{id}`` and ``r{id}``; nodes give points.
    """
    def match(tags: Tags) -> bool:
        return any(k in tags and (v is None or tags[k] in v) for k, v in wanted.items())

    for ref, tags in data.node_tags.items():
        if match(tags):
            yield f"n{ref}", tags, Point(data.coords[ref])
    for ref, (_, tags) in data.ways.items():
        if match(tags):
            shape = way_area(data, ref)
            if shape is not None and not shape.is_empty:
                yield f"w{ref}", tags, shape
    for ref, (_, tags) in data.relations.items():
        if match(tags):
            shape = relation_area(data, ref)
            if shape is not None:
                yield f"r{ref}", tags, shape


@dataclass(frozen=True)
class Outline:
    """The lon/lat shape of one element, as far as the file holds it.

    An export cut at a box (or a clipped extract) leaves out the nodes of a
    way, or the member ways of a relation, that lie beyond its edge. The
    outline is then drawn through what is there: the rings that close, and the
    open pieces joined end to nearest end and closed across the gap.

    Attributes
    ----------
    shape
        Polygon or MultiPolygon; a Point (the centroid of the nodes present)
        for a node or when the nodes present enclose no area.
    nodes
        Distinct nodes of the element's ways (of its member ways present, for a relation).
    nodes_missing
        Of these, how many the file does not hold.
    ways
        Member ways of a relation (0 for a node or a way).
    ways_missing
        Of these, how many the file does not hold.
    closed
        Whether the nodes and ways present close their rings by themselves.
    """

    shape: BaseGeometry
    nodes: int = 0
    nodes_missing: int = 0
    ways: int = 0
    ways_missing: int = 0
    closed: bool = True

    @property
    def complete(self) -> bool:
        """Whether nothing is missing and every ring closes."""
        return self.closed and not self.nodes_missing and not self.ways_missing

    def gaps(self) -> str:
        """What the outline lacks, in words (empty when complete)."""
        said = []
        if self.ways_missing:
            said.append(f"{self.ways_missing} of {self.ways} member ways")
        if self.nodes_missing:
            said.append(f"{self.nodes_missing} of {self.nodes} nodes")
        if said:
            return " and ".join(said) + " missing from the file"
        return "" if self.closed else "its rings do not close"


def way_outline(data: OsmData, way: int) -> Outline | None:
    """Outline of a way tagged as an area, or None if the file holds none of its nodes.

    A closed way with every node is its polygon (as :func:`way_area`); a way
    with nodes missing, or one that does not close, is drawn through the nodes
    present, closed across the gap.
    """
    refs, _ = data.ways[way]
    distinct = set(refs)
    missing = sum(r not in data.coords for r in distinct)
    closed = len(refs) >= 4 and refs[0] == refs[-1]
    shape = way_area(data, way) if not missing else None
    if shape is not None:
        return Outline(shape, nodes=len(distinct))
    pts = [data.coords[r] for r in refs if r in data.coords]
    if not pts:
        return None
    return Outline(_enclose([pts], []), nodes=len(distinct), nodes_missing=missing, closed=closed)


def relation_outline(data: OsmData, rel: int) -> Outline | None:
    """Outline of a multipolygon relation, or None if it is not one or the file holds none of it.

    The outer rings may be split over several ways (role ``outer``, or no
    role). Member ways missing from the file, or ways missing nodes, leave
    open pieces: they are joined end to nearest end and closed across the
    gap. Inner rings are cut out where they close.
    """
    members, tags = data.relations[rel]
    if tags.get("type") != "multipolygon":
        return None
    refs = [(ref, role) for kind, ref, role in members if kind == "way"]
    present = [(ref, role) for ref, role in refs if ref in data.ways]
    nodes = {r for ref, _ in present for r in data.ways[ref][0]}
    missing = sum(r not in data.coords for r in nodes)
    counts = {"nodes": len(nodes), "nodes_missing": missing, "ways": len(refs),
              "ways_missing": len(refs) - len(present)}
    if not missing and counts["ways_missing"] == 0:
        shape = relation_area(data, rel)
        if shape is not None:
            outers = [shapely.LineString(line) for ref, role in present if role != "inner"
                      and (line := way_line(data, ref)) is not None and len(line) >= 2]
            merged = shapely.get_parts(linemerge(outers)) if outers else []
            return Outline(shape, closed=all(part.is_ring for part in merged), **counts)
    rings: dict[str, list[BaseGeometry]] = {"outer": [], "inner": []}
    pieces: list[list[tuple[float, float]]] = []
    for ref, role in present:
        side = "inner" if role == "inner" else "outer"
        line = way_line(data, ref)
        if line is not None and len(line) >= 2:
            rings[side].append(shapely.LineString(line))
            continue
        there = [data.coords[r] for r in data.ways[ref][0] if r in data.coords]
        if side == "outer" and there:
            pieces.append(there)  # a way cut by the edge: the nodes it has, joined below
    closed_rings: list[list[tuple[float, float]]] = []
    if rings["outer"]:
        for part in shapely.get_parts(linemerge(rings["outer"])):
            target = closed_rings if part.is_ring else pieces
            target.append(list(part.coords))
    if not closed_rings and not pieces:
        return None
    holes = [list(p.coords) for p in shapely.get_parts(linemerge(rings["inner"])) if p.is_ring] \
        if rings["inner"] else []
    shape = _enclose(pieces, closed_rings, holes=holes)
    return Outline(shape, closed=not pieces, **counts)


def _enclose(pieces: list[list[tuple[float, float]]], rings: list[list[tuple[float, float]]], *,
             holes: list[list[tuple[float, float]]] | None = None) -> BaseGeometry:
    """The area of closed rings and of open pieces joined into one more ring, less the holes.

    The pieces are chained from the first, each next the one whose end lies
    nearest to the chain's end, and the chain is closed across the last gap.
    With no area (fewer than three distinct points, or all on a line) the
    centroid of the distinct points is returned.
    """
    polygons = [shapely.make_valid(Polygon(r)) for r in rings if len(set(r)) >= 3]
    if pieces:
        rest = [list(p) for p in pieces]
        chain = rest.pop(0)
        while rest:
            end = chain[-1]
            best = min(range(len(rest)), key=lambda i: min(math.dist(end, rest[i][0]),
                                                           math.dist(end, rest[i][-1])))
            piece = rest.pop(best)
            if math.dist(end, piece[-1]) < math.dist(end, piece[0]):
                piece.reverse()
            chain.extend(piece)
        if len(set(chain)) >= 3:
            polygons.append(shapely.make_valid(Polygon(chain)))
    area = unary_union([part for g in polygons for part in shapely.get_parts(g)
                        if part.geom_type in ("Polygon", "MultiPolygon") and not part.is_empty])
    if not area.is_empty and holes:
        cut = area.difference(unary_union(list(polygonize([shapely.LineString(h) for h in holes]))))
        area = cut if not cut.is_empty else area
    if area.is_empty or area.area == 0:
        points = list(dict.fromkeys(pt for p in (*pieces, *rings) for pt in p))
        return shapely.MultiPoint(points).centroid
    return area


def outlines(data: OsmData, wanted: dict[str, set[str] | None]
             ) -> Iterator[tuple[str, Tags, Outline]]:
    """``(id, tags, outline)`` of nodes, ways and multipolygons with wanted tags, however complete.

    As :func:`areas`, but a way or relation cut by the extract's edge (nodes
    or member ways missing) or whose rings do not close is kept, drawn through
    what the file holds and marked incomplete; only an element the file holds
    no node of is left out.
    """
    def match(tags: Tags) -> bool:
        return any(k in tags and (v is None or tags[k] in v) for k, v in wanted.items())

    for ref, tags in data.node_tags.items():
        if match(tags):
            yield f"n{ref}", tags, Outline(Point(data.coords[ref]), nodes=1)
    for ref, (_, tags) in data.ways.items():
        if match(tags) and (outline := way_outline(data, ref)) is not None:
            yield f"w{ref}", tags, outline
    for ref, (_, tags) in data.relations.items():
        if match(tags) and (outline := relation_outline(data, ref)) is not None:
            yield f"r{ref}", tags, outline


def touches_bounds(data: OsmData, geometry: BaseGeometry) -> bool:
    """True when a lon/lat geometry lies at least partly inside the extract's bounds."""
    if data.bounds is None:
        return True
    return bool(shapely.box(*data.bounds).intersects(geometry))
