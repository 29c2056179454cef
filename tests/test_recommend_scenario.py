"""Recommendations as scenarios: the conversions, the CLI's scenario files, and a cancellable Evaluator."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.recommend import Evaluator
from simulator.recommend.base import RunsCancelledError
from simulator.recommend.guards import GuardPick
from simulator.recommend.measures import Measure
from simulator.recommend.scenario import (
    interventions_from_guards,
    interventions_from_measures,
    interventions_from_routes,
    scenario_from_recommendation,
)
from simulator.scenario import load_scenario, scenario_from_mapping, scenario_to_yaml

SMALL = {"name": "small", "site": {"synthetic": {"superblocks": [2, 2], "compounds_per_block": 3}},
         "children": 120, "enforcement": "none"}
SMALL_YAML = yaml.safe_dump(SMALL, allow_unicode=True)


def _pick(crossing: str, hours: str) -> GuardPick:
    return GuardPick(crossing=crossing, road="学府路", hours=hours, staff_hours=1.0, gain_screened=0.1,
                     change=-0.1, ci_low=-0.2, ci_high=0.0, significant=False, cumulative=-0.1,
                     per_staff_hour=0.1)


def test_guard_picks_become_one_guard_post_each_and_a_valid_scenario() -> None:
    picks = [_pick("x24-23", "07:40-08:10"), _pick("x24-25", "07:10-08:30")]
    changes = interventions_from_guards(picks, staff_type="teacher")
    assert changes == [
        {"type": "guard", "crossings": ["x24-23"], "hours": "07:40-08:10", "staff": "teacher", "count": 1},
        {"type": "guard", "crossings": ["x24-25"], "hours": "07:10-08:30", "staff": "teacher", "count": 1},
    ]
    base = scenario_from_mapping({"name": "b", "interventions": [{"type": "education", "share": 0.5}]})
    scenario = scenario_from_recommendation(base, name="guards", interventions=changes, description="d")
    assert [c.type for c in scenario.interventions] == ["education", "guard", "guard"]
    assert scenario.interventions[1].staff == "teacher" and scenario.description == "d"
    assert scenario_from_mapping(yaml.safe_load(scenario_to_yaml(scenario))) == scenario
    assert base.interventions[0].type == "education" and len(base.interventions) == 1


def test_routes_become_the_recommended_routes_intervention() -> None:
    changes = interventions_from_routes(compliance=0.6, max_detour=0.25)
    assert changes == [{"type": "recommended_routes", "compliance": 0.6, "max_detour": 0.25}]
    base = scenario_from_mapping({"name": "b"})
    scenario = scenario_from_recommendation(base, name="r", interventions=changes)
    assert scenario.interventions[0].compliance == 0.6


def test_a_set_of_measures_becomes_its_interventions_even_when_names_hold_the_separator() -> None:
    zebra = Measure("zebra @ x1 A + B road", "zebra", "x1", 2.0,
                    ({"type": "facility", "crossings": ["x1"], "facility": "zebra"},))
    zone = Measure("school zone 30 km/h", "school_zone", None, 5.0,
                   ({"type": "speed_limit", "limit_kmh": 30, "zone": {"radius_m": 200.0}},))
    humps = Measure("humps", "humps", None, 6.0, ({"type": "humps", "zone": {"radius_m": 200.0}},))
    menu = [zebra, zone, humps]
    got = interventions_from_measures("zebra @ x1 A + B road + school zone 30 km/h", menu=menu)
    assert [c["type"] for c in got] == ["facility", "speed_limit"]
    assert interventions_from_measures("humps", menu=menu) == [{"type": "humps", "zone": {"radius_m": 200.0}}]
    with pytest.raises(ScenarioError, match="not a set of the measures"):
        interventions_from_measures("zebra @ x9", menu=menu)


def test_an_evaluator_with_progress_and_cancel_gives_the_same_results() -> None:
    base = scenario_from_mapping(SMALL)
    plain = Evaluator(base, seeds=(1, 2, 3))
    seen: list[int] = []
    hooked = Evaluator(base, seeds=(1, 2, 3), progress=seen.append, cancelled=lambda: False)
    variant = plain.variant("v", [{"type": "education", "share": 1.0}])
    for ev in (plain, hooked):
        ev.run([ev.variant(base.name, []), variant])
    assert seen == [1, 2, 3, 4, 5, 6]
    for name in (base.name, "v"):
        assert [r.summary for r in plain.results[name]] == [r.summary for r in hooked.results[name]]
    stopped = Evaluator(base, seeds=(1, 2), cancelled=lambda: True)
    with pytest.raises(RunsCancelledError):
        stopped.run([variant])
    assert stopped.results == {}


@pytest.mark.parametrize(("question", "options", "written"), [
    ("guards", ["--staff", "2"], "guards.yaml"),
    ("measures", ["--budget", "12"], "measures.yaml"),
    ("routes", ["--compliance", "0.5"], "routes.yaml"),
])
def test_the_cli_writes_a_scenario_file_that_saferoute_run_reads(
        question: str, options: list[str], written: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small.yaml").write_text(SMALL_YAML, encoding="utf-8")
    code = main(["recommend", question, *options, "--scenario", "small.yaml", "--seeds", "2",
                 "--workers", "1", "--out", "rec"])
    assert code == 0, capsys.readouterr().err
    path = tmp_path / "rec" / written
    scenario = load_scenario(path)
    assert scenario.children == 120 and scenario.interventions
    if question == "guards":
        assert all(c.type == "guard" and c.staff == "auxiliary_police" for c in scenario.interventions)
        assert len(scenario.interventions) == len(pd.read_csv(tmp_path / "rec" / "guards.csv"))
    if question == "routes":
        (routes,) = scenario.interventions
        assert routes.type == "recommended_routes" and routes.compliance == 0.5
    assert not (tmp_path / "rec" / "guards.json").exists()
    capsys.readouterr()
    assert main(["run", str(path), "--seeds", "1", "--workers", "1", "--out", "ran"]) == 0
    out = capsys.readouterr().out
    assert scenario.name in out or (tmp_path / "ran").is_dir()
