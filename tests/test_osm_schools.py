"""Every school on an OSM map: closed ways, multipolygons, outlines cut by the edge, one entry each.

Small hand-written OSM XML maps (written into ``tmp_path``) test each way a
school area is mapped; the three real extracts in ``../shared/data/osm`` (ODbL,
read in place, never copied) check that nothing is lost or merged there.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from osm_kit import X0, Y0, write_osm

from simulator.cli import main
from simulator.network.osmdata import areas, outlines, read_osm, touches_bounds
from simulator.network.schools import find_school, schools_from_file, site_from_file
from simulator.network.walk import walk_network_from_site

OSM_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm"
EXTRACTS = sorted(OSM_DIR.glob("*.osm.bz2"))
needs_extracts = pytest.mark.skipif(not EXTRACTS, reason=f"OSM extracts not found in {OSM_DIR}")



def square(first: int, x0: float, y0: float, x1: float, y1: float) -> dict[int, tuple]:
    """Four corner nodes ``first`` .. ``first + 3``, anticlockwise from (x0, y0)."""
    return {first: (x0, y0), first + 1: (x1, y0), first + 2: (x1, y1), first + 3: (x0, y1)}


def ring(first: int) -> list[int]:
    return [first, first + 1, first + 2, first + 3, first]


def local(xy: tuple[float, float]) -> tuple[float, float]:
    """Projected position as metres east/north of (X0, Y0)."""
    return xy[0] - X0, xy[1] - Y0


SCHOOL = {"amenity": "school"}


# --- each way a school area is mapped --------------------------------------------------------


def test_a_closed_way_school_is_complete(tmp_path: Path) -> None:
    path = write_osm(tmp_path, square(1, 0, 0, 100, 80),
                     {10: (ring(1), SCHOOL | {"name": "实验小学"})})
    [school] = schools_from_file(path)
    assert (school.id, school.name, school.kind) == ("w10", "实验小学", "school")
    assert school.complete and school.gaps == "" and school.parts == ()
    assert school.shape is not None and school.shape.area == pytest.approx(100 * 80, rel=1e-3)
    assert local((school.x, school.y)) == (pytest.approx(50, abs=0.01), pytest.approx(40, abs=0.01))
    assert school.remarks() == ()


def test_a_multipolygon_relation_with_its_outer_ring_split_over_two_ways(tmp_path: Path) -> None:
    nodes = square(1, 0, 0, 200, 100) | square(11, 20, 20, 60, 60)
    ways = {21: ([1, 2, 3], {}), 22: ([3, 4, 1], {}), 23: (ring(11), {})}
    relations = {30: ([("way", 21, "outer"), ("way", 22, "outer"), ("way", 23, "inner")],
                      {"type": "multipolygon", "amenity": "school", "name": "关系中学"})}
    [school] = schools_from_file(write_osm(tmp_path, nodes, ways, relations=relations))
    assert (school.id, school.name, school.complete) == ("r30", "关系中学", True)
    assert school.shape is not None
    assert school.shape.area == pytest.approx(200 * 100 - 40 * 40, rel=1e-3)  # less the courtyard


def test_a_way_cut_by_the_edge_is_drawn_through_the_nodes_that_are_there(tmp_path: Path) -> None:
    # the school reaches past the box: its nodes 3 and 4 (x = 150) are not in the export
    nodes = {1: (0, 0), 2: (100, 0), 5: (100, 80), 6: (0, 80)}
    path = write_osm(tmp_path, nodes, {10: ([1, 2, 3, 4, 5, 6, 1], SCHOOL | {"name": "边缘中学"})},
                     bounds=(-50, -50, 120, 130))
    [school] = schools_from_file(path)
    assert (school.id, school.name) == ("w10", "边缘中学")
    assert not school.complete
    assert school.gaps == "2 of 6 nodes missing from the file"
    assert school.remarks() == ("outline incomplete (轮廓不完整): 2 of 6 nodes missing from the file",)
    assert school.shape is not None and school.shape.area == pytest.approx(100 * 80, rel=1e-3)
    assert local((school.x, school.y)) == (pytest.approx(50, abs=0.01), pytest.approx(40, abs=0.01))


def test_a_relation_with_a_member_way_missing_is_closed_across_the_gap(tmp_path: Path) -> None:
    # outer ring over three ways; way 23 (the east side, past the box) is not in the export
    nodes = {1: (0, 0), 2: (100, 0), 4: (100, 60), 5: (0, 60)}
    ways = {21: ([5, 1, 2], {}), 22: ([4, 5], {})}
    members = [("way", 21, "outer"), ("way", 23, "outer"), ("way", 22, "outer")]
    relations = {30: (members, {"type": "multipolygon", "amenity": "school", "name": "半边小学"})}
    [school] = schools_from_file(write_osm(tmp_path, nodes, ways, relations=relations))
    assert (school.id, school.complete) == ("r30", False)
    assert school.gaps == "1 of 3 member ways missing from the file"
    assert school.shape is not None and school.shape.area == pytest.approx(100 * 60, rel=1e-3)


def test_a_relation_whose_member_way_lacks_nodes(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (100, 0), 4: (0, 60)}  # node 3 (100, 60) is past the edge
    ways = {21: ([1, 2], {}), 22: ([2, 3, 4], {}), 23: ([4, 1], {})}
    members = [("way", 21, "outer"), ("way", 22, "outer"), ("way", 23, "outer")]
    relations = {30: (members, {"type": "multipolygon", "amenity": "kindergarten"})}
    [school] = schools_from_file(write_osm(tmp_path, nodes, ways, relations=relations))
    assert (school.id, school.kind, school.name) == ("r30", "kindergarten", "unnamed kindergarten r30")
    assert school.gaps == "1 of 4 nodes missing from the file"
    assert school.shape is not None and school.shape.area == pytest.approx(100 * 60 / 2, rel=1e-3)


def test_an_outline_with_too_few_nodes_left_is_a_point_and_one_with_none_is_left_out(
        tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (30, 0)}
    ways = {10: ([1, 2, 3, 4, 1], SCHOOL | {"name": "Two"}),
            11: ([5, 6, 7, 5], SCHOOL | {"name": "None"})}
    [school] = schools_from_file(write_osm(tmp_path, nodes, ways))
    assert (school.id, school.shape, school.complete) == ("w10", None, False)
    assert local((school.x, school.y)) == (pytest.approx(15, abs=0.01), pytest.approx(0, abs=0.01))


def test_an_unclosed_school_way_is_kept_and_said_so(tmp_path: Path) -> None:
    path = write_osm(tmp_path, square(1, 0, 0, 50, 50), {10: ([1, 2, 3, 4], SCHOOL)})
    [school] = schools_from_file(path)
    assert school.gaps == "its rings do not close"
    assert school.shape is not None and school.shape.area == pytest.approx(50 * 50, rel=1e-3)


def test_homes_and_landuse_still_take_whole_areas_only(tmp_path: Path) -> None:
    """Cut outlines are for schools: ``areas`` (buildings, land use) is unchanged."""
    nodes = {1: (0, 0), 2: (100, 0), 4: (0, 80)}
    data = read_osm(write_osm(tmp_path, nodes, {10: ([1, 2, 3, 4, 1], {"building": "residential"})}))
    assert list(areas(data, {"building": None})) == []
    [(ident, _, outline)] = outlines(data, {"building": None})
    assert (ident, outline.complete, outline.nodes_missing) == ("w10", False, 1)


# --- one school, one entry -------------------------------------------------------------------


def campus(tmp_path: Path, inner: dict[str, str], *, outer: dict[str, str] | None = None,
           point: dict[str, str] | None = None) -> list:
    """Schools of a 200 x 100 m school area with a building (and optionally a point) inside it."""
    nodes = square(1, 0, 0, 200, 100) | square(11, 20, 20, 80, 60)
    if point is not None:
        nodes[50] = (150, 50, point)
    ways = {10: (ring(1), SCHOOL | (outer or {})), 20: (ring(11), inner)}
    return schools_from_file(write_osm(tmp_path, nodes, ways))


def test_a_school_building_inside_an_unnamed_school_area_is_one_school(tmp_path: Path) -> None:
    [school] = campus(tmp_path, {"building": "school"})
    assert (school.id, school.parts) == ("w10", ())
    [school] = campus(tmp_path, {"building": "school", "amenity": "school", "name": "育才小学"})
    assert (school.id, school.name, school.parts) == ("w10", "育才小学", ("w20",))
    assert school.shape is not None and school.shape.area == pytest.approx(200 * 100, rel=1e-3)
    assert school.remarks() == ("includes w20",)
    [school] = campus(tmp_path, {"building": "school", "amenity": "school"})  # both unnamed
    assert (school.id, school.name, school.parts) == ("w10", "unnamed school w10", ("w20",))


def test_a_named_building_or_point_of_the_same_school_inside_its_named_area(tmp_path: Path) -> None:
    named = {"amenity": "school", "name": "育才小学"}
    [school] = campus(tmp_path, named | {"building": "school", "name": "育才小学"}, outer=named,
                      point=named | {"name:zh": "育才小学"})
    assert (school.id, school.name, school.parts) == ("w10", "育才小学", ("w20", "n50"))
    # a name that is part of the area's name, full- and half-width brackets alike
    [school] = campus(tmp_path, named | {"name": "育才小学（东校区）"},
                      outer={"name": "市育才小学(东校区)"})
    assert school.names == ("市育才小学(东校区)", "育才小学（东校区）")


def test_other_schools_inside_a_school_area_stay_apart(tmp_path: Path) -> None:
    found = campus(tmp_path, {"amenity": "school", "name": "育才中学附属小学"},
                   outer={"name": "育才中学"})
    assert [(s.id, s.name) for s in found] == [("w10", "育才中学"), ("w20", "育才中学附属小学")]
    found = campus(tmp_path, {"amenity": "kindergarten"}, outer={"name": "育才小学"})
    assert sorted(s.id for s in found) == ["w10", "w20"]
    # an unnamed campus takes one name; a second, different one stays a school of its own
    # (elements are taken from the smallest up: here the point names the campus)
    found = campus(tmp_path, {"amenity": "school", "name": "甲小学"},
                   point={"amenity": "school", "name": "乙中学"})
    assert sorted((s.id, s.name, s.parts) for s in found) == [
        ("w10", "乙中学", ("n50",)), ("w20", "甲小学", ())]


def test_a_school_tagged_on_both_its_relation_and_its_outer_way_is_one(tmp_path: Path) -> None:
    tags = SCHOOL | {"name": "双标小学"}
    path = write_osm(tmp_path, square(1, 0, 0, 100, 100), {10: (ring(1), tags)},
                     relations={30: ([("way", 10, "outer")], tags | {"type": "multipolygon"})})
    [school] = schools_from_file(path)
    assert (school.id, school.parts) == ("r30", ("w10",))


def test_a_merged_element_id_finds_its_school(tmp_path: Path) -> None:
    found = campus(tmp_path, {"building": "school", "amenity": "school", "name": "育才小学"})
    assert find_school(found, "w20").id == "w10"
    assert find_school(found, "20").id == "w10"
    assert find_school(found, "育才").id == "w10"


# --- listed and run end to end ---------------------------------------------------------------


def town(tmp_path: Path) -> Path:
    """A primary road, residential streets and homes; a relation school and a school cut by the edge.

    The relation school (r900) lies north of the road, its outer ring split
    over two ways; the east school (w950) reaches past the export's box at
    x = 700, so two of its nodes are missing.
    """
    nodes: dict[int, tuple] = {1: (-650, 0), 2: (-300, 0), 3: (0, 0), 4: (300, 0), 5: (580, 0),
                               6: (690, 0), 7: (-300, -300), 8: (300, -300), 9: (580, 250),
                               10: (70, 0), 11: (70, 20)}
    ways: dict[int, tuple] = {
        1: ([1, 2, 3, 10, 4, 5, 6], {"highway": "primary", "name": "学府路", "lanes": "4"}),
        2: ([2, 7], {"highway": "residential", "name": "南一巷"}),
        3: ([4, 8], {"highway": "residential", "name": "南二巷"}),
        4: ([5, 9], {"highway": "residential", "name": "东巷"}),
        5: ([10, 11], {"highway": "footway"}),
    }
    nodes |= square(100, 20, 30, 120, 130)
    ways |= {901: ([100, 101, 102], {}), 902: ([102, 103, 100], {"barrier": "wall"})}
    relations = {900: ([("way", 901, "outer"), ("way", 902, "outer")],
                       {"type": "multipolygon", "amenity": "school", "name": "关系小学"})}
    nodes |= {951: (600, 100), 952: (660, 100), 955: (660, 200), 956: (600, 200)}  # 953, 954 cut
    ways[950] = ([951, 952, 953, 954, 955, 956, 951], {"amenity": "school", "name": "边缘中学"})
    for i, (x, y) in enumerate([(-250, -100), (-100, -150), (150, -100), (250, -200), (450, -80),
                                (520, 150), (-200, 120)]):
        first = 1000 + 10 * i
        nodes |= square(first, x, y, x + 20, y + 20)
        ways[first] = (ring(first), {"building": "apartments", "building:levels": "6"})
    return write_osm(tmp_path, nodes, ways, relations=relations, bounds=(-700, -400, 700, 400))


def test_the_schools_command_lists_relation_and_cut_schools(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = town(tmp_path)
    assert main(["schools", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("2 school(s) on map.osm; 1 with an incomplete outline (轮廓不完整), placed by "
                        "the nodes the file has")
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) == {"r900", "w950"}
    assert rows["r900"].endswith("关系小学")
    assert rows["w950"].endswith("边缘中学  [outline incomplete (轮廓不完整): 2 of 6 nodes missing "
                                 "from the file]")


def test_a_relation_school_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = town(tmp_path)
    assert main(["crossings", str(path), "--school", "关系小学"]) == 0
    out = capsys.readouterr().out
    assert " crossings near 关系小学 (" in out.splitlines()[0]
    assert "学府路" in out
    scenario = {"name": "关系小学 baseline", "site": {"map": path.name, "school": "r900",
                                                      "catchment_m": 800},
                "children": 40}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "s.yaml", "--seeds", "1", "--workers", "1", "--out", "out"]) == 0
    trips = pd.read_csv(tmp_path / "out" / "trips.csv")
    assert len(trips) == 40
    crossings = pd.read_csv(tmp_path / "out" / "crossings.csv")
    assert crossings["uses"].sum() > 0  # the children cross 学府路 to reach the school


def test_a_school_cut_by_the_edge_runs_end_to_end(tmp_path: Path) -> None:
    from simulator.params import default_parameters
    from simulator.runs import run_once
    from simulator.setting import prepare_setting

    site = site_from_file(town(tmp_path), school="边缘中学", catchment_m=800)
    assert site.school.id == "w950"
    assert "outline incomplete (2 of 6 nodes missing from the file)" in site.notes[1]
    # the gate is on the drawn outline's side nearest the street 东巷 (x = 580)
    assert (site.school.x - X0) == pytest.approx(600, abs=0.01)
    network = walk_network_from_site(site)
    assert network.snaps["w950"] < 20  # to the sidewalk of 东巷
    setting = prepare_setting(network, params=default_parameters(), n_children=30,
                              home_weights={h.id: h.weight for h in site.homes})
    result = run_once(setting, 1)
    assert result.summary["children"] == 30 and len(result.trips) == 30


# --- the real extracts -----------------------------------------------------------------------


@needs_extracts
@pytest.mark.parametrize("path", EXTRACTS, ids=lambda p: p.name.split("_")[0])
def test_every_school_element_of_an_extract_is_listed_once(path: Path) -> None:
    """Each amenity=school|kindergarten element inside the box is a school or a merged part of one."""
    data = read_osm(path)
    elements = [ident for ident, _, outline in outlines(data, {"amenity": {"school", "kindergarten"}})
                if touches_bounds(data, outline.shape)]
    schools = schools_from_file(path)
    assert sorted(i for s in schools for i in (s.id, *s.parts)) == sorted(elements)
    assert all(s.complete for s in schools)  # these exports hold every node of their ways
