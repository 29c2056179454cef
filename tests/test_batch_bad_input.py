"""Bad sweeps: one line naming the file, the field, the value and what is allowed; exit 2; nothing written.

Every check runs before any run starts: the sweep's fields, maps, schools,
scenario files and parameters, grid axes, the results folder and the scheduler.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from batch_kit import NETWORKS, OSM, SCENARIOS, write_sweep

from simulator.cli import main

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
