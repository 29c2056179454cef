"""GeoJSON of a batch: valid RFC 7946 points in WGS 84, readable by a GeoJSON reader (geopandas)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from batch_kit import CHILDREN, OSM, RUNS, SCENARIOS, reference
from pyproj import Transformer

from simulator.batch import run_sweep

CROSSING_PROPERTIES = {"network", "school", "map", "scenario", "crossing", "facility", "road", "highway",
                       "lanes", "x", "y", "crs", "seeds", "uses_per_run", "conflicts_per_run",
                       "severe_per_run", "deaths_per_run", "wait_mean_s", "wait_p95_s", "los", "guard_post",
                       "guarded"}
BEIJING = OSM / "beijing_haidian_xueyuan_cau.osm.bz2"
BEIJING_BOX = (116.34403, 39.99767, 116.35974, 40.00888)  # lon, lat bounds of the extract


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("geo")


def _valid_points(path: Path) -> list[dict[str, Any]]:
    """The features, after checking the RFC 7946 structure of every one."""
    data = json.loads(path.read_text(encoding="utf-8"))  # strict JSON: NaN would not parse back as a number
    assert data["type"] == "FeatureCollection" and "crs" not in data
    for feature in data["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        assert geometry["type"] == "Point" and len(geometry["coordinates"]) == 2
        lon, lat = geometry["coordinates"]
        assert all(isinstance(v, float) and math.isfinite(v) for v in (lon, lat))
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    return list(data["features"])


def test_crossings_geojson_of_the_district(root: Path) -> None:
    ref = reference(root)
    features = _valid_points(ref.out / "crossings.geojson")
    groups = {(f["properties"]["network"], f["properties"]["scenario"]) for f in features}
    assert len(groups) == 6  # every network x scenario
    back = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
    for feature in features:
        props = feature["properties"]
        assert set(props) >= CROSSING_PROPERTIES and props["seeds"] == 3 and props["crs"] == "EPSG:32649"
        # WGS 84 back to the projected metres the model used
        x, y = back.transform(*feature["geometry"]["coordinates"])
        assert math.hypot(x - props["x"], y - props["y"]) < 0.05
    used = [f for f in features if f["properties"]["uses_per_run"] > 0]
    assert used and all(f["properties"]["los"] in tuple("ABCDEF") for f in used)
    # per-crossing uses over seeds agree with the crossings table
    table = ref.crossings.groupby(["network", "scenario", "crossing"])["uses"].sum() / 3
    for f in used:
        p = f["properties"]
        assert p["uses_per_run"] == pytest.approx(table[(p["network"], p["scenario"], p["crossing"])])
    frame = gpd.read_file(ref.out / "crossings.geojson")
    assert len(frame) == len(features) and frame.crs.to_epsg() == 4326
    assert set(frame.geom_type) == {"Point"}
    schools = gpd.read_file(ref.out / "schools.geojson")
    assert sorted(schools["network"]) == ["A", "B"] and set(schools["rank"]) == {1, 2}
    assert len(ref.runs) == RUNS


def test_geojson_of_a_real_map_is_in_wgs84(root: Path) -> None:
    tables = run_sweep({"out": str(root / "beijing"), "seeds": [1], "children": CHILDREN,
                        "networks": [{"map": str(BEIJING), "schools": ["中国农业大学附属实验小学"]}],
                        "scenarios": [str(SCENARIOS / "baseline.yaml")]})
    assert list(tables.index["status"]) == ["done"]
    features = _valid_points(tables.out / "crossings.geojson")
    west, south, east, north = BEIJING_BOX
    margin = 0.001
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        assert west - margin <= lon <= east + margin and south - margin <= lat <= north + margin
        assert feature["properties"]["crs"].upper().startswith("EPSG:326")  # the extract's UTM zone
        assert feature["properties"]["map"] == BEIJING.name
    school = gpd.read_file(tables.out / "schools.geojson")
    assert list(school["school"]) == ["中国农业大学附属实验小学"]
    lon, lat = school.geometry.iloc[0].x, school.geometry.iloc[0].y
    assert west - margin <= lon <= east + margin and south - margin <= lat <= north + margin
