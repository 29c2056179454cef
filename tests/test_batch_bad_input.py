"""Bad sweeps: one line naming the file, the field, the value and what is allowed; exit 2; nothing written.

Every check runs before any run starts: the sweep's fields, maps, schools,
scenario files and parameters, grid axes, the results folder and the scheduler,
and the bounds on work (workers above the cores, sweeps above
:data:`simulator.limits.MAX_RUNS` runs, lifted by ``--yes`` or ``confirm_large``).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from batch_kit import NETWORKS, OSM, SCENARIOS, write_sweep

import simulator.batch.plan as planning
from simulator.batch import plan_sweep
from simulator.batch.api import prepare_batch
from simulator.cli import main
from simulator.errors import TooLargeError
from simulator.limits import MAX_RUNS, machine_cores

BEIJING = OSM / "beijing_haidian_xueyuan_cau.osm.bz2"
BASELINE = str(SCENARIOS / "baseline.yaml")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sweep(**changes: Any) -> dict[str, Any]:
    return {"out": "out", "seeds": 2, "networks": NETWORKS[:1], "scenarios": [BASELINE]} | changes


CASES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "missing map": (_sweep(networks=[{"map": "nowhere/city.osm.bz2"}]),
                    ("networks[0].map: 'nowhere/city.osm.bz2' does not exist",)),
    "unknown school": (
        _sweep(networks=[{"map": str(BEIJING), "schools": ["中国农业大学附属实验小学", "不存在小学"]}]),
        ("networks[0].schools[1]: no school '不存在小学'", "schools:")),
    "unknown grid axis": (
        _sweep(scenarios=[{"file": BASELINE, "grid": {"speed_limit": [30]}}]),
        ("scenarios[0].grid.speed_limit: unknown grid axis", "allowed: speed_limit_kmh, guards",
         "did you mean speed_limit_kmh?")),
    "bad grid value": (
        _sweep(scenarios=[{"file": BASELINE, "grid": {"guards": [1, -1]}}]),
        ("scenarios[0].grid.guards[1]: -1 is not allowed", "(allowed: a whole number of guard posts")),
    "unknown parameter in a grid": (_sweep(scenarios=[{"grid": {"parameters.traffic.lane_widht": [3.0]}}]),
                                    ("grid.parameters.traffic.lane_widht: unknown parameter",
                                     "did you mean traffic.lane_width")),
    "unknown parameter in a scenario": (
        _sweep(scenarios=[{"scenario": {"name": "x", "parameters": {"kerb.nonsense": 1}}}]),
        ("scenarios[0].scenario: parameters.kerb.nonsense: unknown parameter",)),
    "missing scenario file": (_sweep(scenarios=["no-such.yaml"]),
                              ("scenarios[0].file: 'no-such.yaml' does not exist",)),
    "unknown field": (_sweep(seed=3), ("seed: unknown field", "did you mean seeds?")),
    "same names": (_sweep(scenarios=[BASELINE, BASELINE]), ("scenario names must differ: 现状 Baseline",)),
    "unknown baseline": (_sweep(baseline="nope"), ("baseline: 'nope' is not a scenario of this sweep",)),
    "no seeds": (_sweep(seeds=[]), ("seeds: [] is not allowed",)),
    "confirm_large not a flag": (_sweep(confirm_large="yes"),
                                 ("confirm_large: 'yes' is not allowed (allowed: true or false)",)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_sweep(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, expected = CASES[case]
    sweep = write_sweep(tmp_path / "sweep.yaml", data)
    assert main(["batch", str(sweep), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"saferoute: error: {sweep}: "), err
    for text in expected:
        assert text in err, err
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = write_sweep(tmp_path / "sweep.yaml", _sweep())
    address = f"tcp://127.0.0.1:{_free_port()}"
    assert main(["batch", str(sweep), "--out", str(tmp_path / "out"), "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--scheduler: cannot reach a Dask scheduler at {address}" in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "expected"), [
    (("--workers", "0"), "--workers: 0 is not allowed (allowed: a whole number >= 1)"),
    (("--workers", "2", "--scheduler", "tcp://127.0.0.1:1"), "--workers: only for local worker processes"),
    (("--scheduler", "localhost"), "--scheduler: 'localhost' is not allowed"),
    (("--progress-every", "-1"), "--progress-every: -1 is not allowed (allowed: seconds >= 0)"),
    (("--progress-every", "0", "--quiet"), "--progress-every: not with --quiet"),
    (("--no-workers-timeout", "0"), "--no-workers-timeout: 0.0 is not allowed (allowed: seconds > 0)"),
])
def test_bad_options(args: tuple[str, ...], expected: str, tmp_path: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    sweep = write_sweep(tmp_path / "sweep.yaml", _sweep())
    assert main(["batch", str(sweep), "--out", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err
    assert not (tmp_path / "out").exists()


def test_out_must_be_a_batch_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = write_sweep(tmp_path / "sweep.yaml", _sweep())
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["batch", str(sweep), "--out", str(other)]) == 2
    assert "is a folder of other files, not a saferoute batch" in capsys.readouterr().err
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]
    assert main(["batch", str(sweep), "--out", str(other / "notes.txt")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_missing_sweep_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "none.yaml")]) == 2
    assert capsys.readouterr().err == f"saferoute: error: {tmp_path / 'none.yaml'} does not exist\n"


def test_more_workers_than_cores_need_yes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = write_sweep(tmp_path / "sweep.yaml", _sweep(seeds=1, children=5))
    many = machine_cores() + 1
    assert main(["batch", str(sweep), "--out", str(tmp_path / "out"), "--workers", str(many)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--workers: {many} is not allowed (allowed: 1–{machine_cores()}" in err
    assert "add --yes" in err and not (tmp_path / "out").exists()
    assert main(["batch", str(sweep), "--out", str(tmp_path / "out"), "--workers", str(many), "--yes"]) == 0


def test_a_sweep_above_the_run_bound_needs_yes_or_confirm_large(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    seeds = MAX_RUNS + 1
    sweep = write_sweep(tmp_path / "sweep.yaml", _sweep(seeds=seeds))
    # --out is a file: were the size not checked first, the batch would be refused for it, never started
    (tmp_path / "out").write_text("", encoding="utf-8")
    assert main(["batch", str(sweep), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"saferoute: error: {sweep}: runs (1 network x 1 scenario x {seeds:,} seeds)"), err
    assert f"{seeds:,} is not allowed (allowed: 1–{MAX_RUNS:,}; add --yes, or confirm_large: true" in err
    assert len(plan_sweep(_sweep(seeds=seeds), confirm_large=True).jobs) == seeds  # --yes
    assert len(plan_sweep(_sweep(seeds=seeds, confirm_large=True)).jobs) == seeds  # in the sweep file


def test_a_huge_grid_is_refused_before_it_is_expanded(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def expanded(*args: Any) -> None:
        msg = "the grid was expanded before its size was checked"
        raise AssertionError(msg)

    monkeypatch.setattr(planning, "_variants", expanded)
    grid = {"speed_limit_kmh": list(range(5, 131)), "education_share": [i / 100 for i in range(101)],
            "dropoff_ban_m": list(range(131))}  # 126 x 101 x 131 = 1,667,106 combinations
    huge = _sweep(seeds=1, scenarios=[{"file": BASELINE, "grid": grid}])
    sweep = write_sweep(tmp_path / "sweep.yaml", huge)
    assert main(["batch", str(sweep), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "runs (1 network x 1,667,106 scenarios x 1 seed): 1,667,106 is not" in err
    assert not (tmp_path / "out").exists()


def test_schools_on_a_map_count_once_the_map_is_read(tmp_path: Path) -> None:
    guixi = {"map": str(OSM / "jiangxi_guixi_city.osm.bz2"), "schools": "all"}  # 4 schools
    seeds = MAX_RUNS // 4 + 1
    with pytest.raises(TooLargeError, match=rf"runs \(4 networks x 1 scenario x {seeds:,} seeds\)"):
        prepare_batch(_sweep(seeds=seeds, networks=[guixi]), out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
