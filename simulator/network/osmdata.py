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
from typing import IO
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


def read_osm(path: str | Path) -> OsmData:
    """Read an OSM XML file (``.osm``, ``.osm.bz2``, ``.osm.gz``).

    Raises
    ------
    NetworkError
        If the file is missing, not XML, truncated or not an ``<osm>`` document.
    """
    path = check_file(path)
    coords: dict[int, tuple[float, float]] = {}
    node_tags: dict[int, Tags] = {}
    ways: dict[int, tuple[tuple[int, ...], Tags]] = {}
    relations: dict[int, tuple[tuple[tuple[str, int, str], ...], Tags]] = {}
    bounds = None
    try:
        with _open(path) as stream:
            events = ET.iterparse(stream, events=("start", "end"))
            _, root = next(events)
            if root.tag != "osm":
                msg = f"{path} is not OSM XML (line 1: root element is <{root.tag}>, not <osm>)"
                raise NetworkError(msg)
            for event, elem in events:
                if event != "end":
                    continue
                if elem.tag == "node":
                    ref = int(elem.get("id", "0"))
                    coords[ref] = (float(elem.get("lon", "nan")), float(elem.get("lat", "nan")))
                    tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                    if tags:
                        node_tags[ref] = tags
                elif elem.tag == "way":
                    refs = tuple(int(nd.get("ref", "0")) for nd in elem.iter("nd"))
                    ways[int(elem.get("id", "0"))] = (
                        refs, {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")})
                elif elem.tag == "relation":
                    members = tuple((m.get("type", ""), int(m.get("ref", "0")), m.get("role", ""))
                                    for m in elem.iter("member"))
                    relations[int(elem.get("id", "0"))] = (
                        members, {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")})
                elif elem.tag == "bounds":
                    bounds = tuple(float(elem.get(k, "nan"))
                                   for k in ("minlon", "minlat", "maxlon", "maxlat"))
                else:
                    continue
                root.clear()
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
    if bounds is not None and not all(math.isfinite(b) for b in bounds):
        bounds = None
    return OsmData(path, bounds, coords, node_tags, ways, relations)  # type: ignore[arg-type]


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
