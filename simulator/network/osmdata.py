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


def touches_bounds(data: OsmData, geometry: BaseGeometry) -> bool:
    """True when a lon/lat geometry lies at least partly inside the extract's bounds."""
    if data.bounds is None:
        return True
    return bool(shapely.box(*data.bounds).intersects(geometry))
