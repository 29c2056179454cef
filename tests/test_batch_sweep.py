"""Sweep files: expansion into runs, grid axes, stable run ids, schools on maps, progress text."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from batch_kit import NETWORKS, OSM, SCENARIOS, write_sweep

from simulator.batch import ALLOWED_AXES, plan_sweep
from simulator.batch.api import in_run_order
from simulator.batch.progress import Progress, clock
from simulator.errors import SweepError

GUIXI = OSM / "jiangxi_guixi_city.osm.bz2"
BASELINE = str(SCENARIOS / "baseline.yaml")


def test_example_sweep_expands_networks_scenarios_grid_and_seeds() -> None:
    plan = plan_sweep(SCENARIOS / "sweep-example.yaml")
    names = [v.name for v in plan.variants]
    assert names[0] == plan.baseline == "现状 Baseline" and names[-1] == "安全教育 Education"
    assert "措施 Measures [speed_limit_kmh=30, guards=2]" in names and len(names) == 1 + 3 * 2 + 1
    assert len(plan.jobs) == 2 * len(names) * 10 and plan.out == Path("results/sweep-example")
    # no school zone and no guards is the baseline itself: the same run, run once
    same = next(v for v in plan.variants if v.name.endswith("[speed_limit_kmh=none, guards=0]"))
    assert len({j.run_id for j in plan.jobs if j.variant in (same, plan.variants[0])}) == 2 * 10
    assert len(list(plan.unique_jobs())) == len(plan.jobs) - 2 * 10


def test_runs_go_seed_by_seed_through_a_network_s_scenarios_a_worker_keeps(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("simulator.batch.api.SETTINGS_KEPT", 3)  # the example's 8 scenarios: 3, 3 and 2
    plan = plan_sweep(SCENARIOS / "sweep-example.yaml")
    order = in_run_order(list(plan.unique_jobs()), plan)
    assert sorted(j.number for j in order) == [j.number for j in plan.unique_jobs()]
    first = [(j.variant.name, j.seed) for j in order if j.network is plan.networks[0]]
    assert [seed for _, seed in first[:7]] == [1, 1, 1, 2, 2, 2, 3]  # the first three scenarios, seed by seed
    assert {name for name, _ in first[:30]} == {v.name for v in plan.variants[:3]}
    assert [j.network for j in order] == sorted((j.network for j in order), key=plan.networks.index)


def test_grid_axes_change_the_scenario() -> None:
    plan = plan_sweep({"seeds": 1, "networks": NETWORKS[:1], "scenarios": [{"file": BASELINE, "grid": {
        "speed_limit_kmh": [30], "guards": [2], "enforcement": ["strong"], "education_share": [0.5],
        "dropoff_ban_m": [150], "parameters.traffic.lane_width": [3.25]}}]})
    (variant,) = plan.variants
    data = variant.data
    kinds = [i["type"] for i in data["interventions"]]
    assert kinds == ["speed_limit", "education", "dropoff_ban"]  # guards are placed per network by the worker
    assert data["interventions"][0]["limit_kmh"] == 30 and data["interventions"][0]["zone"]["radius_m"] == 200
    assert data["enforcement"] == "strong" and data["parameters"] == {"traffic.lane_width": 3.25}
    assert variant.guards == 2 and dict(variant.grid)["education_share"] == 0.5
    assert plan.axes == ("speed_limit_kmh", "guards", "enforcement", "education_share", "dropoff_ban_m",
                         "parameters.traffic.lane_width")
    assert "parameters.<key>" in ALLOWED_AXES


def test_run_ids_depend_on_content_not_on_names_or_places(tmp_path: Path) -> None:
    def ids(networks: list, scenarios: list, seeds: list[int]) -> list[str]:
        plan = plan_sweep({"seeds": seeds, "networks": networks, "scenarios": scenarios})
        return [j.run_id for j in plan.jobs]

    first = ids(NETWORKS, [BASELINE], [1, 2])
    assert len(set(first)) == 4 and ids(NETWORKS, [BASELINE], [1, 2]) == first
    renamed = [dict(n, name=f"other {i}") for i, n in enumerate(NETWORKS)]
    assert ids(renamed, [{"file": BASELINE, "name": "renamed"}], [1, 2]) == first
    assert ids(NETWORKS, [BASELINE], [2, 3])[0] == first[1]
    assert ids(NETWORKS, [{"file": BASELINE, "grid": {"speed_limit_kmh": [30]}}], [1, 2])[0] != first[0]
    copy = tmp_path / "elsewhere.osm.bz2"
    shutil.copy(GUIXI, copy)
    by_name = {"map": str(GUIXI), "schools": ["贵溪五中"]}
    by_id_elsewhere = {"map": str(copy), "schools": ["n3382563730"]}
    assert ids([by_name], [BASELINE], [1]) == ids([by_id_elsewhere], [BASELINE], [1])


def test_all_schools_of_a_map() -> None:
    plan = plan_sweep({"seeds": 1, "networks": [{"map": str(GUIXI), "schools": "all", "catchment_m": 800}],
                       "scenarios": [BASELINE]})
    names = ["贵溪五中", "贵溪市实验中学", "贵溪市第九中学", "贵溪市第四中学"]
    assert [n.label for n in plan.networks] == names
    assert {n.site["catchment_m"] for n in plan.networks} == {800}
    assert all(n.map == GUIXI.name and n.site["school"] for n in plan.networks)


def test_map_with_several_schools_needs_them_named() -> None:
    with pytest.raises(SweepError, match=r"networks\[0\]\.map: .* has 4 schools; name one"):
        plan_sweep({"seeds": 1, "networks": [{"map": str(GUIXI)}], "scenarios": [BASELINE]})


def test_sweep_file_paths_are_taken_from_its_folder(tmp_path: Path) -> None:
    shutil.copy(SCENARIOS / "baseline.yaml", tmp_path / "mine.yaml")
    path = write_sweep(tmp_path / "sweep.yaml", {"out": "res", "seeds": 2, "networks": NETWORKS,
                                                 "scenarios": ["mine.yaml"]})
    plan = plan_sweep(path)
    assert plan.out == Path("res") and len(plan.jobs) == 4 and plan.source == str(path)
    assert plan_sweep(path, out=tmp_path / "x").out == tmp_path / "x"


def test_progress_text_and_modes() -> None:
    assert clock(3725.4) == "1:02:05"
    out = io.StringIO()
    progress = Progress(10, done=4, stream=out)
    progress.start("this process")
    progress.finished(True)
    progress.finished(False, label="A / x / seed 3", error="boom")
    text = progress.text()
    assert "6/10 runs · 1 failed" in text and "elapsed" in text and "left" in text
    progress.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "batch: 10 runs, 4 already done, 6 to run on this process"
    assert "batch: run failed (A / x / seed 3): boom" in lines
    assert lines[-1].startswith("batch finished: 5/10 runs done, 1 failed, 4 pending")
    quiet = io.StringIO()
    progress = Progress(2, quiet=True, stream=quiet)
    progress.finished(True)
    progress.finished(True)
    progress.close()
    assert quiet.getvalue().startswith("batch finished: 2/2 runs done") and "\r" not in quiet.getvalue()
    silent = io.StringIO()
    progress = Progress(1, silent=True, stream=silent)
    progress.finished(False, error="x")
    progress.close()
    assert silent.getvalue() == ""


def test_progress_lines_every_run_or_every_interval() -> None:
    each = io.StringIO()
    progress = Progress(3, every=0, stream=each)
    for _ in range(3):
        progress.finished(True)
    progress.note("no live Dask workers")
    assert [line.split("] ")[1][:9] for line in each.getvalue().splitlines()[:3]] == [
        "1/3 runs ", "2/3 runs ", "3/3 runs "]
    assert each.getvalue().splitlines()[3] == "batch: no live Dask workers"
    sparse = io.StringIO()
    progress = Progress(3, stream=sparse)  # default: a line every LOG_EVERY_S seconds, and the last one
    for _ in range(3):
        progress.finished(True)
    assert [line.split("] ")[1][:9] for line in sparse.getvalue().splitlines()] == ["1/3 runs ", "3/3 runs "]
