"""The ``saferoute`` command: run and compare end to end, results folders, error mapping.

Bad scenario files and options, one by one, are in ``test_bad_input.py``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import yaml

import simulator
import simulator.experiment
import simulator.results
from simulator.cli import main
from simulator.errors import (
    NetworkError,
    ParameterError,
    ResultsError,
    SaferouteError,
    ScenarioError,
)
from simulator.experiment import settings_from_scenarios
from simulator.metric import METRICS
from simulator.network.site import Home, School, Site
from simulator.network.walk import coverage_warning, walk_network_from_site
from simulator.scenario import scenario_from_mapping

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
CHILDREN = 200
TABLES = ("trips.csv", "events.parquet", "crossings.csv", "runs.csv", "summary.csv", "summary.json",
          "manifest.json")
HEADLINE_LABELS = ("severe/100k trips", "deaths/100k trips", "severe/year at school", "deaths/year at school",
                   "conflicts/100 trips", "wait/trip s", "p95 wait s", "late %", "unassisted arterial/trip")
BASELINE_NAME = "现状 Baseline"
GUARD_NAME = "护学岗 Guard posts"


Finished = subprocess.CompletedProcess[str]


def saferoute(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, in ``cwd``."""
    env = os.environ | {"PYTHONPATH": str(REPO), "PYTHONUTF8": "1"}
    return subprocess.run([sys.executable, "-m", "simulator.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300,
                          check=False)


def small_copy(name: str, folder: Path) -> Path:
    """A repository scenario with ``children: 200`` (quick), written into ``folder``."""
    data = yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))
    data["children"] = CHILDREN
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def hidden_leftovers(folder: Path) -> list[str]:
    """Temporary or old results folders (``.name.*``) left beside the results."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Finished]]:
    """``saferoute run`` and ``saferoute compare`` on small copies, run side by side."""
    jobs = {}
    for command in ("run", "compare"):
        folder = tmp_path_factory.mktemp(command)
        base = small_copy("baseline.yaml", folder).name
        files = [base]
        csv: tuple[str, ...] = ()
        if command == "compare":
            files.append(small_copy("guard-posts.yaml", folder).name)
            csv = ("--csv",)  # the per-event table as CSV on request
        args = (command, *files, "--seeds", "2", "--workers", "1", "--out", "out", *csv)
        jobs[command] = (folder, args)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = {k: pool.submit(saferoute, *args, cwd=folder) for k, (folder, args) in jobs.items()}
        return {k: (jobs[k][0], run.result()) for k, run in runs.items()}


# --- run and compare --------------------------------------------------------------------------


def test_run_prints_the_table_and_writes_every_table(finished) -> None:
    folder, run = finished["run"]
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout.splitlines()[1] == "Scenario means over seeds [95% CI]"  # and no comparison
    assert "change vs baseline" not in run.stdout and "[—]" not in run.stdout
    assert BASELINE_NAME in run.stdout
    for label in HEADLINE_LABELS:
        assert label in run.stdout
    assert not re.search(r"change [+-]\d", run.stdout)  # nothing to compare with
    flat = " ".join(run.stdout.split())
    assert "Casualties a year at this school: " in flat
    assert "Risk is calibrated to child pedestrian casualty data: " in flat
    assert "Confidence intervals show only the noise between seeds" in flat
    assert "results written to" in run.stdout
    out = folder / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(TABLES)
    assert hidden_leftovers(folder) == []
    trips = pd.read_csv(out / "trips.csv")
    assert sorted(trips["seed"].unique()) == [1, 2]
    assert (trips.groupby("seed").size() == CHILDREN).all()
    assert set(trips["scenario"]) == {BASELINE_NAME}
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs["seed"]) == [1, 2]
    assert (runs["children"] == CHILDREN).all()
    summary = pd.read_csv(out / "summary.csv")
    assert {"scenario", "metric", "mean", "ci_low", "ci_high", "seeds"} <= set(summary.columns)
    for key in ("severe_per_year", "deaths_per_year"):  # the casualties a year, as summary.csv has them
        m = METRICS[key]
        mean = float(summary.loc[summary["metric"] == key, "mean"].iloc[0])
        assert re.search(rf"^  {re.escape(m.short)} +{mean:.{m.decimals}f} \[", run.stdout, re.M), key
    assert (summary["seeds"] == 2).all()
    assert len(pd.read_parquet(out / "events.parquet")) > 0
    crossings = pd.read_csv(out / "crossings.csv")
    assert {"crossing", "facility", "wait_mean_s"} <= set(crossings.columns)
    payload = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert payload["baseline"] == BASELINE_NAME
    assert payload["differences"] == []
    assert len(payload["summary"]) == len(summary)


def test_run_manifest_records_what_reproduces_the_results(finished) -> None:
    folder, run = finished["run"]
    assert run.returncode == 0, run.stderr
    manifest = json.loads((folder / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seeds"] == [1, 2]
    assert manifest["software"]["saferoute"] == simulator.__version__
    assert manifest["software"]["python"]
    assert manifest["baseline"] == BASELINE_NAME
    assert list(manifest["scenarios"]) == [BASELINE_NAME]
    written = yaml.safe_load(manifest["scenarios"][BASELINE_NAME])
    assert written["name"] == BASELINE_NAME
    assert written["children"] == CHILDREN
    params = manifest["parameters"]
    assert len(params) > 20
    assert all({"key", "value", "source", "conf"} <= set(p) for p in params)
    assert all(p["source"] for p in params)
    unsourced = {p["key"] for p in params if p["conf"] == "U"}
    assert set(manifest["unsourced_parameters"]) == unsourced


def test_compare_prints_changes_and_writes_differences(finished) -> None:
    folder, run = finished["compare"]
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert BASELINE_NAME in run.stdout and GUARD_NAME in run.stdout
    assert "change" in run.stdout
    assert re.search(rf"{HEADLINE_LABELS[0]} .* change [+-]\d", run.stdout)
    assert "change vs baseline (paired, common random numbers)" in run.stdout.splitlines()[1]
    # each change with its interval, its percentage (a decimal below 10%) and the ratio's interval; a
    # mark where it is noise
    change = re.compile(r" change [+-][\d.]+ \[[+-][\d.]+, [+-][\d.]+\]"
                        r"( \([+-][\d.]+%( \[[+-][\d.]+, [+-][\d.]+\])?\))?(  \(within noise\))?$")
    changes = [line for line in run.stdout.splitlines() if line.startswith("  ") and " change " in line]
    assert changes and not [line for line in changes if not change.search(line)], changes
    out = folder / "out"
    written = sorted((*TABLES, "differences.csv"))
    assert sorted(p.name for p in out.iterdir()) == sorted(n.replace(".parquet", ".csv") for n in written)
    assert len(pd.read_csv(out / "events.csv")) > 0
    assert hidden_leftovers(folder) == []
    diffs = pd.read_csv(out / "differences.csv")
    assert set(diffs["scenario"]) == {GUARD_NAME}
    assert {"metric", "baseline", "diff", "ci_low", "ci_high", "significant"} <= set(diffs.columns)
    assert "severe_per_100k_trips" in set(diffs["metric"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["scenarios"]) == [BASELINE_NAME, GUARD_NAME]
    assert manifest["baseline"] == BASELINE_NAME
    trips = pd.read_csv(out / "trips.csv")
    assert trips.groupby(["scenario", "seed"]).size().to_dict() == {
        (name, seed): CHILDREN for name in (BASELINE_NAME, GUARD_NAME) for seed in (1, 2)}


def test_rerun_into_an_earlier_results_folder_replaces_it_whole(tmp_path: Path) -> None:
    small = small_copy("baseline.yaml", tmp_path).name
    out = tmp_path / "out"
    out.mkdir()
    earlier = {"format": 2, "scenarios": {}, "seeds": [1, 2, 3],
               "files": ["differences.csv", "events.csv", "manifest.json"]}
    (out / "manifest.json").write_text(json.dumps(earlier), encoding="utf-8")
    (out / "differences.csv").write_text("stale\n", encoding="utf-8")
    (out / "events.csv").write_text("stale\n", encoding="utf-8")
    (out / "report-zh.html").write_text("<html>a report of the earlier results</html>\n", encoding="utf-8")
    run = saferoute("run", small, "--seeds", "1", "--workers", "1", "--out", "out", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    # one seed: no interval, "[—]" instead of [nan, nan], and a line saying why
    assert "nan" not in run.stdout and re.search(r"^  severe/100k trips +\d\.\d+ \[—\]$", run.stdout, re.M)
    assert "[—]: one seed gives no interval (at least 2 are needed, e.g. --seeds 10)" in run.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(TABLES)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seeds"] == [1]
    assert hidden_leftovers(tmp_path) == []


# --- failures after the scenario files were read leave nothing behind ---------------------------


@pytest.fixture
def small_baseline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return small_copy("baseline.yaml", tmp_path)


def test_failure_while_writing_leaves_an_earlier_results_folder_as_it_was(
    small_baseline: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = small_baseline.parent / "out"
    out.mkdir()
    earlier = '{"format": 2, "scenarios": {}, "files": ["manifest.json"]}'
    (out / "manifest.json").write_text(earlier, encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(simulator.results, "manifest", disk_full)
    code = main(["run", small_baseline.name, "--seeds", "1", "--workers", "1", "--out", "out"])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[-1] == "saferoute: error: --out: out: cannot write results (No space left on device)"
    assert [p.name for p in out.iterdir()] == ["manifest.json"]
    assert (out / "manifest.json").read_text(encoding="utf-8") == earlier
    assert hidden_leftovers(small_baseline.parent) == []


def test_interrupted_run_writes_nothing(
    small_baseline: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("simulator.runs.run_many", interrupted)
    code = main(["run", small_baseline.name, "--seeds", "1", "--workers", "1", "--out", "out"])
    assert code == 130
    assert capsys.readouterr().err.splitlines()[-1] == "saferoute: interrupted; nothing was written"
    assert sorted(p.name for p in small_baseline.parent.iterdir()) == [small_baseline.name]


# --- any SaferouteError is exit 2 and one line ------------------------------------------------


@pytest.mark.parametrize("kind", [SaferouteError, ScenarioError, NetworkError, ParameterError,
                                  ResultsError])
def test_every_saferoute_error_is_exit_2_and_one_line(
    kind: type[SaferouteError], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails(paths, **kwargs):
        raise kind("x.yaml: first line\nsecond line")

    monkeypatch.setattr(simulator.experiment, "settings_from_files", fails)
    code = main(["run", "x.yaml", "--seeds", "1", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == "saferoute: error: x.yaml: first line second line\n"
    assert list(tmp_path.iterdir()) == []


def test_other_errors_are_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(paths, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(simulator.experiment, "settings_from_files", bug)
    with pytest.raises(ZeroDivisionError):
        main(["run", "x.yaml", "--seeds", "1"])


# --- a school unreachable on foot --------------------------------------------------------------

SCHOOL = "实验小学 Shiyan Xiaoxue"


def island_site() -> Site:
    """Two streets 2 km apart: the school by one, every home by the other."""
    road = {"highway": "residential", "lanes": 2, "width": 7.0, "maxspeed": 30.0,
            "oneway": False, "walk": True, "carriageway": True, "median_fence": False}
    g = nx.MultiDiGraph(crs="EPSG:32649", name="two islands", source="test", defaulted={})
    for n, (x, y) in {0: (0, 0), 1: (200, 0), 2: (0, 2000), 3: (200, 2000)}.items():
        g.add_node(n, x=float(x), y=float(y), signal=False)
    for u, v, name in ((0, 1, "Xue Fu Lu"), (2, 3, "Bei Lu")):
        for a, b in ((u, v), (v, u)):
            g.add_edge(a, b, key=0, length=200.0, name=name, **road)
    return Site(g, School(SCHOOL, 100, 15), (Home("h1", 50, 1985), Home("h2", 150, 2015)))


def test_school_cut_off_from_every_home_is_a_one_line_network_error() -> None:
    with pytest.raises(NetworkError) as info:
        walk_network_from_site(island_site())
    assert str(info.value) == f"school {SCHOOL!r} is unreachable on foot from every home"


def test_unreachable_school_through_the_cli_names_file_and_school(
    small_baseline: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator.experiment, "site_from_scenario", lambda scenario: island_site())
    code = main(["run", small_baseline.name, "--seeds", "1", "--workers", "1", "--out", "out"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == (f"saferoute: error: {small_baseline.name}: site: school {SCHOOL!r} is "
                            "unreachable on foot from every home\n")
    assert sorted(p.name for p in small_baseline.parent.iterdir()) == [small_baseline.name]


def test_a_school_most_homes_cannot_reach_is_warned_about() -> None:
    island = island_site()
    homes = (Home("near", 120, 20), *(Home(f"far{i}", 20 + 15 * i, 1990) for i in range(11)))
    network = walk_network_from_site(Site(island.graph, island.school, homes))
    warning = coverage_warning(network)
    assert warning is not None and warning.startswith("only 1 of 12 home points can reach the school on foot")
    assert coverage_warning(walk_network_from_site(Site(island.graph, island.school, homes[:1]))) is None


def test_a_lane_width_override_reaches_the_crossings(tmp_path: Path) -> None:
    lengths = {}
    for width in (2.5, 5.0):
        scenario = scenario_from_mapping({"name": "w", "site": {"synthetic": {"superblocks": [2, 2]}},
                                          "parameters": {"traffic.lane_width": width}}, origin="w.yaml")
        (setting,), _ = settings_from_scenarios([("w.yaml", scenario)])
        lengths[width] = {cid: c.length for cid, c in setting.network.crossings.items() if c.lanes[0]}
    assert lengths[2.5].keys() == lengths[5.0].keys()
    assert all(lengths[5.0][cid] > lengths[2.5][cid] for cid in lengths[2.5])
