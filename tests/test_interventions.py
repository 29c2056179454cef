"""Every intervention type has one home: an applier, a description in zh and en, an example file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from simulator.experiment import built_site, settings_from_files
from simulator.params import clock_seconds, default_parameters
from simulator.scenario import (
    INTERVENTION_TYPES,
    FacilityChange,
    Intervention,
    LaneReduction,
    NoParking,
    Parking,
    Scenario,
    SignalTiming,
    StartTime,
    Zone,
    load_scenario,
)
from simulator.scenario.apply import KINDS, Draft, Words, apply_interventions, describe
from simulator.scenario.apply.crossings import apply_facility

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
CJK = re.compile(r"[\u4e00-\u9fff]")
P = default_parameters()


def example_files() -> list[Path]:
    """The scenario files in ``scenarios/`` (sweep files, which list scenarios, left out)."""
    return [p for p in sorted(SCENARIOS.glob("*.yaml"))
            if "scenarios" not in (yaml.safe_load(p.read_text(encoding="utf-8")) or {})]


@pytest.fixture(scope="module")
def examples() -> dict[str, Scenario]:
    return {p.name: load_scenario(p) for p in example_files()}


@pytest.fixture(scope="module")
def district(examples: dict[str, Scenario]) -> Any:
    """The default synthetic district's site and walk network."""
    return built_site(examples["baseline.yaml"], origin="baseline.yaml")


def draft(district: Any) -> Draft:
    site, network = district
    return Draft(network, P, gate=(site.school.x, site.school.y), start=clock_seconds("06:50"))


def test_every_intervention_type_has_an_applier_and_a_description() -> None:
    assert set(KINDS) == set(INTERVENTION_TYPES)
    for kind, kind_of in KINDS.items():
        assert kind_of.model is INTERVENTION_TYPES[kind]
        assert callable(kind_of.apply) and callable(kind_of.describe)


def test_the_union_tags_are_the_types() -> None:
    for tagged in get_args(get_args(Intervention)[0]):
        model, tag = get_args(tagged)
        assert tag.tag == model.model_fields["type"].default


def test_every_intervention_type_has_an_example_that_runs(examples: dict[str, Scenario]) -> None:
    used = {change.type: name for name, s in examples.items() for change in s.interventions}
    assert set(used) == set(INTERVENTION_TYPES), sorted(set(INTERVENTION_TYPES) - set(used))
    settings, _ = settings_from_files([SCENARIOS / name for name in examples])  # ids exist, all apply
    assert len(settings) == len(examples)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_example_intervention_reads_as_one_line_of_words(examples: dict[str, Scenario],
                                                                lang: str) -> None:
    seen = set()
    for scenario in examples.values():
        for change in scenario.interventions:
            text = describe(change, Words(lang))
            assert text and "\n" not in text, change
            assert "type=" not in text and "=" not in text and "None" not in text, text
            plain = re.sub("即停即走|护学岗|上学路线图|校车", "", text)  # the Chinese names English keeps
            assert bool(CJK.search(plain)) == (lang == "zh"), text
            for cid in getattr(change, "crossings", None) or ():
                assert cid in text  # where it acts
            seen.add(change.type)
    assert seen == set(INTERVENTION_TYPES)


def test_descriptions_use_the_views_names() -> None:
    change = FacilityChange(crossings=("x24-23",), facility="footbridge", access="lift")
    words = Words("zh", crossing=lambda cid: f"星湖大道 ({cid})", facility={"footbridge": "天桥"})
    assert describe(change, words) == "改建为天桥（加装电梯）：星湖大道 (x24-23)"
    zone = NoParking(zone=Zone(radius_m=120), within_m=20)
    assert describe(zone, Words("en")) == "no parking within 20 m of the crossing: within 120 m of the gate"
    many = Parking(crossings=tuple(f"x{i}-{i + 1}" for i in range(8)), length_m=40)
    assert describe(many, Words("zh")).endswith("x5-6 等共 8 处")


def test_a_zone_takes_the_sites_crossings_and_kerbs_take_the_way_beneath_a_new_bridge(district: Any) -> None:
    d = draft(district)
    apply_facility(FacilityChange(crossings=("x24-23",), facility="footbridge"), d)
    assert "x24-23~grade" in d.crossings and "x24-23~grade" not in d.site.crossings
    assert d.graph is not d.site.graph  # copied before the informal way was added
    zone = Zone(radius_m=5000)
    assert "x24-23~grade" not in d.acts_on(Parking(zone=zone, length_m=1))
    assert "x24-23~grade" in d.acts_on(Parking(zone=zone, length_m=1), kerbs=True)
    named = Parking(crossings=("x24-23",), length_m=1)
    assert d.acts_on(named) == ["x24-23"]
    assert d.acts_on(named, kerbs=True) == ["x24-23", "x24-23~grade"]


def test_edges_take_every_crossing_on_them(district: Any) -> None:
    _, network = district
    d = draft(district)
    on_edge = d.acts_on(LaneReduction(edges=("e24-25",), lanes_per_direction=2))
    assert set(on_edge) == {"x24-25", "x25-24", "x25-24~grade"}  # the site's own bridge and the way beneath
    assert all(network.crossings[c].edge[:2] in ((24, 25), (25, 24)) for c in on_edge)


def test_a_start_time_for_every_age_takes_the_ages_of_the_parameter_table(district: Any) -> None:
    d = draft(district)
    apply_interventions([StartTime(bell="08:00")], d, origin="x.yaml")
    youngest, oldest = P["school.ages"]
    assert d.bell_by_age == dict.fromkeys(range(youngest, oldest + 1), "08:00")


def test_a_signal_walk_is_made_effective_and_capped_at_the_cycle(district: Any) -> None:
    d = draft(district)
    walk = {"x24-23": 20.0, "x24-25": 88.0}
    for cid, seconds in walk.items():
        timing = SignalTiming(cycle=90, walk=seconds)
        apply_facility(FacilityChange(crossings=(cid,), facility="signal", signal=timing), d)
    extra = P["signal.walk_extension"]
    signals = {cid: d.crossings[cid].signal for cid in walk}
    assert signals["x24-23"] is not None and signals["x24-23"].green == 20.0 + extra
    assert signals["x24-25"] is not None and signals["x24-25"].green == 90.0


def test_the_ui_lists_changes_with_the_shared_descriptions() -> None:
    pytest.importorskip("solara")
    from simulator.ui.editor import words

    change = FacilityChange(crossings=("x24-23",), facility="footbridge")
    assert describe(change, words("zh")) == "改建为天桥：x24-23"
    assert describe(change, words("en")) == "footbridge: x24-23"
