"""Scenario files: the schema, one-line errors naming file, field, value and allowed set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.errors import ScenarioError
from simulator.scenario import (
    INTERVENTION_TYPES,
    AccessChange,
    DropoffBan,
    EbikeParking,
    Education,
    FacilityChange,
    GuardPost,
    Humps,
    KissAndRide,
    LaneReduction,
    ModeShares,
    NoParking,
    Parking,
    RecommendedRoutes,
    Scenario,
    SchoolBus,
    SpeedLimit,
    StartTime,
    VolumeOverride,
    check_references,
    load_scenario,
    scenario_from_mapping,
    scenario_to_yaml,
    staff_types,
)

FULL = """\
name: 学校周边30 km/h限速 + 抬高式斑马线
description: every intervention type once
site:
  map: maps/district.osm.bz2
  school: 北京石油学院附属小学
  catchment_m: 1000
children: 1500
bell: 8:20
period: {start: "06:50", end: "08:30"}
enforcement: strong
parameters:
  child.patience_median: 60
  yield.china_zebra: {normal: 0.3}
interventions:
  - type: facility
    crossings: [x12-13, x12-40]
    facility: signal
    signal: {cycle: 90, walk: 20, offset: 5}
  - type: speed_limit
    limit_kmh: 30
    zone: {radius_m: 150}
    hours: "07:00-08:30"
  - type: humps
    edges: [e3-4, e4-5]
  - type: lane_reduction
    crossings: [x5-6]
    lanes_per_direction: 1
  - type: volume
    edges: [e3-4]
    vph: [300, 120]
  - type: guard
    crossings: [x5-6]
    hours: "07:10-08:30"
    staff: police
    count: 2
  - type: dropoff_ban
    radius_m: 150
  - type: education
    share: 0.8
  - type: start_time
    bell: "08:30"
    ages: [6, 7]
  - type: recommended_routes
    compliance: 0.6
    max_detour: 0.25
  - type: access
    crossings: [x12-13]
    access: lift
  - type: parking
    zone: {radius_m: 120}
    length_m: 40
  - type: no_parking
    crossings: [x12-13]
    within_m: 20
  - type: mode_shares
    walk_distance_d50_km: 0.8
    car: 0.4
  - type: school_bus
    share: 0.5
  - type: kiss_and_ride
    length_m: 60
  - type: ebike_parking
    walk_m: 30
"""

BASE = "name: test\n"


def write(folder: Path, text: str, name: str = "x.yaml") -> Path:
    """Write a scenario file (and the map file the full example names)."""
    (folder / "maps").mkdir(exist_ok=True)
    (folder / "maps" / "district.osm.bz2").write_bytes(b"")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problem(path: Path) -> str:
    """The message of the ScenarioError that loading ``path`` raises."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    return message


@pytest.fixture
def full(tmp_path: Path) -> Scenario:
    return load_scenario(write(tmp_path, FULL))


def test_full_file_with_every_intervention_type_loads(full: Scenario, tmp_path: Path) -> None:
    kinds = [type(change) for change in full.interventions]
    assert kinds == [FacilityChange, SpeedLimit, Humps, LaneReduction, VolumeOverride,
                     GuardPost, DropoffBan, Education, StartTime, RecommendedRoutes, AccessChange,
                     Parking, NoParking, ModeShares, SchoolBus, KissAndRide, EbikeParking]
    assert {change.type for change in full.interventions} == set(INTERVENTION_TYPES)
    assert full.name == "学校周边30 km/h限速 + 抬高式斑马线"
    assert full.bell == "08:20"  # unquoted 8:20 is not read as the base-60 number 500
    assert full.enforcement == "strong"
    assert full.site.map == tmp_path / "maps" / "district.osm.bz2"
    facility = full.interventions_of(FacilityChange)[0]
    assert facility.crossings == ("x12-13", "x12-40")
    assert facility.signal is not None and (facility.signal.cycle, facility.signal.walk) == (90, 20)
    guard = full.interventions_of(GuardPost)[0]
    assert guard.hours.seconds() == (7 * 3600 + 600, 8 * 3600 + 1800)
    assert guard.staff == "police" and guard.count == 2
    assert full.interventions_of(VolumeOverride)[0].vph == (300.0, 120.0)
    assert full.interventions_of(StartTime)[0].ages == (6, 7)
    assert full.parameters["child.patience_median"] == 60.0
    assert full.parameters["yield.china_zebra"] == {"none": 0.035, "normal": 0.3, "strong": 0.686}


def test_ids_referenced(full: Scenario) -> None:
    assert full.crossing_ids() == {"x12-13", "x12-40", "x5-6"}
    assert full.edge_ids() == {"e3-4", "e4-5"}


def test_round_trip_through_yaml(full: Scenario, tmp_path: Path) -> None:
    text = scenario_to_yaml(full)
    assert "学校周边30 km/h限速" in text  # Chinese stays readable
    assert "hours: 07:10-08:30" in text
    assert scenario_from_mapping(yaml.safe_load(text)) == full
    assert load_scenario(write(tmp_path, text, "again.yaml")) == full


def test_minimal_scenario_uses_the_synthetic_district() -> None:
    scenario = scenario_from_mapping({"name": "baseline", "interventions": None})
    assert scenario.site.synthetic is not None and scenario.site.synthetic.superblocks == (3, 3)
    assert scenario.interventions == () and scenario.enforcement == "normal"
    assert scenario_from_mapping(yaml.safe_load(scenario_to_yaml(scenario))) == scenario


def test_relative_map_path_is_taken_from_the_scenario_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    path = write(folder, FULL)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_scenario(path).site.map == folder / "maps" / "district.osm.bz2"


BAD = [
    pytest.param(
        "interventions:\n  - {type: speed_limit, limit_kmh: 200, edges: [e3-4]}\n",
        "interventions[0].limit_kmh: 200 is not allowed (allowed: 5–130 km/h)", id="limit"),
    pytest.param(
        "interventions:\n  - {type: speedlimit, limit_kmh: 30}\n",
        "interventions[0].type: 'speedlimit' is not an intervention type (allowed: facility, "
        "speed_limit, humps, lane_reduction, volume, guard, dropoff_ban, mode_shares, school_bus, "
        "kiss_and_ride, ebike_parking, education, start_time, recommended_routes, access, parking, "
        "no_parking)",
        id="type"),
    pytest.param(
        "interventions:\n  - {type: guard, crossings: [x5-6], hours: '08:30-07:00', "
        "staff: police}\n",
        "interventions[0].hours: guard schedule ends (07:00) before it starts (08:30)",
        id="guard-hours"),
    pytest.param(
        "interventions:\n  - {type: volume, crossings: [x5-6], vph: -5}\n",
        "interventions[0].vph: -5 is not allowed (allowed: a number >= 0 veh/h", id="vph"),
    pytest.param(
        "foo: 1\n", "foo: unknown field (allowed: name, description, site, children,",
        id="unknown-field"),
    pytest.param(
        "interventions:\n  - {type: speed_limit, limit_kmh: 30, edges: [e3-4], "
        "lmit: 3}\n",
        "interventions[0].lmit: unknown field (allowed: limit_kmh, edges, zone, hours) — "
        "did you mean limit_kmh?", id="unknown-intervention-field"),
    pytest.param(
        "interventions:\n  - {type: facility, crossings: [x1-2], facility: signals}\n",
        "interventions[0].facility: 'signals' is not allowed (allowed: unmarked, zebra, raised, "
        "signal, refuge, footbridge, underpass)", id="facility"),
    pytest.param(
        "interventions:\n  - {type: facility, crossings: [x1-2], facility: zebra, "
        "signal: {cycle: 90, walk: 20}}\n",
        "interventions[0].signal: only allowed with facility: signal (this one is zebra)",
        id="signal-on-zebra"),
    pytest.param(
        "interventions:\n  - {type: facility, crossings: [x1-2], facility: signal, "
        "signal: {cycle: 60, walk: 60}}\n",
        "interventions[0].signal.walk: 60 is not allowed (allowed: 5 s or more, shorter than "
        "the cycle of 60 s)", id="walk-cycle"),
    pytest.param(
        "interventions:\n  - {type: speed_limit, limit_kmh: 30, edges: [e3-4], "
        "zone: {radius_m: 150}}\n",
        "interventions[0]: has both edges and zone (allowed: exactly one of them)",
        id="edges-and-zone"),
    pytest.param(
        "interventions:\n  - {type: lane_reduction, lanes_per_direction: 1}\n",
        "interventions[0]: needs crossings or edges (allowed: exactly one of them)",
        id="no-target"),
    pytest.param(
        "interventions:\n  - {type: guard, crossings: [x5-6], hours: '07:10-08:30', "
        "staff: policeman}\n",
        "interventions[0].staff: 'policeman' is not allowed (allowed: police, auxiliary_police, "
        "teacher, security, volunteer)", id="staff"),
    pytest.param(
        "interventions:\n  - {type: guard, crossings: [x5-6], hours: '07:10-08:30', "
        "staff: teacher, count: 0}\n",
        "interventions[0].count: 0 is not allowed (allowed: a whole number 1–20)", id="count"),
    pytest.param(
        "interventions:\n  - {type: guard, crossings: [], hours: 7-8, staff: teacher}\n",
        "interventions[0].crossings: [] is not allowed (allowed: a non-empty list of crossing ids",
        id="no-crossings"),
    pytest.param(
        "interventions:\n  - {type: education}\n",
        "interventions[0].share: missing (required: a share 0–1 of the children)",
        id="missing"),
    pytest.param(
        "interventions:\n  - {type: start_time, bell: '08:40', ages: [6, 13]}\n",
        "interventions[0].ages: [6, 13] is not allowed (allowed: a list of ages 6–12",
        id="ages"),
    pytest.param(
        "interventions:\n  - {type: dropoff_ban, radius_m: '150 m'}\n",
        "interventions[0].radius_m: '150 m' is not allowed (allowed: 10–2000 m)",
        id="number-as-text"),
    pytest.param(
        "interventions:\n  - facility\n",
        "interventions[0]: 'facility' is not an intervention (allowed: a mapping with type:",
        id="not-a-mapping"),
    pytest.param(
        "enforcement: medium\n",
        "enforcement: 'medium' is not allowed (allowed: none, normal, strong)", id="enforcement"),
    pytest.param(
        "children: 0\n", "children: 0 is not allowed (allowed: a whole number 1–100000)",
        id="children"),
    pytest.param(
        "period: {start: '08:30', end: '07:00'}\n",
        "period: period ends (07:00) before it starts (08:30)", id="period"),
    pytest.param(
        "bell: '06:00'\n",
        "bell: 06:00 is before the period starts (06:50) (allowed: the period start or later)",
        id="bell-before-period"),
    pytest.param(
        "bell: '25:00'\n", "bell: '25:00' is not allowed (allowed: a time of day HH:MM",
        id="bell"),
    pytest.param(
        "parameters: {child.patience_medain: 60}\n",
        "parameters.child.patience_medain: unknown parameter (did you mean "
        "child.patience_median", id="parameter-key"),
    pytest.param(
        "parameters: {child.patience_median: long}\n",
        "parameters.child.patience_median: 'long' is not allowed (allowed: a number >= 0 s",
        id="parameter-type"),
    pytest.param(
        "parameters: {guard.obey: {polise: 0.99}}\n",
        "parameters.guard.obey.polise: unknown key (allowed: police, auxiliary_police, teacher, "
        "security, volunteer) — did you mean police?", id="parameter-subkey"),
    pytest.param(
        "parameters: {hcm.los_signalised: [10, 20]}\n",
        "parameters.hcm.los_signalised: [10, 20] is not allowed (allowed: a list of 5 values",
        id="parameter-list"),
    pytest.param(
        "parameters: {school.bell: '08:00'}\n",
        "parameters.school.bell: set this with the scenario's bell instead",
        id="parameter-bell"),
    pytest.param(
        "site: {map: nowhere.osm.bz2}\n", "site.map: 'nowhere.osm.bz2' does not exist",
        id="map-missing"),
    pytest.param(
        "site: {map: maps/district.pdf}\n",
        "site.map: 'maps/district.pdf' is not allowed (allowed: an OSM or GraphML file",
        id="map-format"),
    pytest.param(
        "site: {synthetic: {seed: 2}, map: maps/district.osm.bz2}\n",
        "site: has both synthetic and map (allowed: exactly one of them)", id="site-both"),
    pytest.param(
        "site: {synthetic: {superblocks: [3]}}\n",
        "site.synthetic.superblocks: [3] is not allowed (allowed: two whole numbers 1–10",
        id="superblocks"),
    pytest.param(
        "site: {synthetic: {seed: 1}, school: 实验小学}\n",
        "site.school: only allowed with map", id="school-on-synthetic"),
    pytest.param(
        "children: 10\nchildren: 20\n", "line 3: children appears twice", id="duplicate-key"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_input_gives_one_line_naming_field_value_and_allowed(
    tmp_path: Path, text: str, expected: str
) -> None:
    message = problem(write(tmp_path, BASE + text))
    assert message.startswith(f"{tmp_path / 'x.yaml'}: ")
    assert expected in message


def test_unknown_type_is_one_problem_not_one_per_union_member(tmp_path: Path) -> None:
    message = problem(write(tmp_path, BASE + "interventions:\n  - {type: speedlimit}\n"))
    assert message.count(";") == 0
    assert "did you mean speed_limit?" in message


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("", "x.yaml: the file is empty", id="empty"),
    pytest.param("# only a comment\n", "x.yaml: the file is empty", id="comment-only"),
    pytest.param("name: a\nchildren: [1\nbell: x\n", "x.yaml is not valid YAML (line 3:",
                 id="yaml"),
    pytest.param("name: a\n\tchildren: 1\n", "indent with spaces, not tabs", id="tab"),
    pytest.param("- name: a\n", "x.yaml: must be a mapping at the top level", id="list"),
])
def test_bad_file_gives_one_line(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in problem(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    assert problem(tmp_path / "x.yaml") == f"{tmp_path / 'x.yaml'} does not exist"


def test_file_not_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes("name: 北京石油学院附属小学\n".encode("gbk"))
    assert "is not UTF-8 text" in problem(path)


def test_several_problems_are_all_reported_in_one_message(tmp_path: Path) -> None:
    message = problem(write(tmp_path, BASE + (
        "foo: 1\n"
        "enforcement: medium\n"
        "interventions:\n"
        "  - {type: speed_limit, limit_kmh: 200, edges: [e3-4]}\n"
        "  - {type: speedlimit}\n"
        "  - {type: volume, crossings: [x1-2], vph: -5}\n"
        "  - {type: guard, crossings: [x5-6], hours: '08:30-07:00', staff: police}\n"
    )))
    parts = message.removeprefix(f"{tmp_path / 'x.yaml'}: ").split("; ")
    assert [part.split(":")[0] for part in parts] == [
        "enforcement", "interventions[0].limit_kmh", "interventions[1].type",
        "interventions[2].vph", "interventions[3].hours", "foo"]


def test_start_times_must_not_overlap() -> None:
    data = {"name": "x", "interventions": [
        {"type": "start_time", "bell": "08:30", "ages": [6, 7]},
        {"type": "start_time", "bell": "08:40"},
    ]}
    with pytest.raises(ScenarioError, match=r"interventions\[1\]\.ages: age 6 already has a "
                                            r"start time in interventions\[0\]"):
        scenario_from_mapping(data)


def test_time_written_as_base60_number_gets_a_hint() -> None:
    with pytest.raises(ScenarioError, match='if you meant 08:20, write "08:20"'):
        scenario_from_mapping({"name": "x", "bell": 500}, origin="s.yaml")


def test_time_windows_accept_dashes_and_full_width_colons() -> None:
    scenario = scenario_from_mapping({"name": "x", "interventions": [
        {"type": "guard", "crossings": "x5-6", "hours": "7:10 – 08：30", "staff": "volunteer"}]})
    guard = scenario.interventions_of(GuardPost)[0]
    assert str(guard.hours) == "07:10-08:30" and guard.crossings == ("x5-6",)


def test_staff_types_come_from_the_parameter_table() -> None:
    assert staff_types() == ("police", "auxiliary_police", "teacher", "security", "volunteer")


def test_whole_number_parameters_stay_whole() -> None:
    scenario = scenario_from_mapping({"name": "x", "parameters": {"guard.max_group": 12.0}})
    assert scenario.parameters["guard.max_group"] == 12
    assert isinstance(scenario.parameters["guard.max_group"], int)


def test_check_references_lists_unknown_ids_with_close_matches(full: Scenario) -> None:
    crossings = ["x12-13", "x12-41", "x5-7", "x99-100"]
    edges = ["e3-4", "e4-6"]
    with pytest.raises(ScenarioError) as caught:
        check_references(full, crossings=crossings, edges=edges, origin="scenarios/x.yaml")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("scenarios/x.yaml: ")
    assert ("interventions[0].crossings[1]: 'x12-40' is not a crossing of this site "
            "(closest: x12-41") in message
    assert "interventions[2].edges[1]: 'e4-5' is not a street edge of this site" in message
    assert "e4-6" in message
    assert "interventions[3].crossings[0]: 'x5-6'" in message
    assert "interventions[5].crossings[0]: 'x5-6'" in message
    assert message.count("is not a") == 4  # x12-40, e4-5, x5-6 twice; known ids not reported


def test_check_references_names_an_edge_id_given_as_a_crossing() -> None:
    scenario = scenario_from_mapping({"name": "x", "interventions": [
        {"type": "lane_reduction", "crossings": ["e3-4"], "lanes_per_direction": 1}]})
    with pytest.raises(ScenarioError, match=r"'e3-4' is not a crossing of this site "
                                            r"\(it is a street edge id\)"):
        check_references(scenario, crossings=["x1-2"], edges=["e3-4"], origin="s.yaml")


def test_check_references_passes_when_every_id_exists(full: Scenario) -> None:
    check_references(full, crossings=full.crossing_ids(), edges=full.edge_ids(), origin="s.yaml")
