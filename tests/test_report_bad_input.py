"""Bad results folders: one line naming the folder and what is wrong, and no report written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from report_support import district_results, map_results

from simulator.cli import main
from simulator.errors import ResultsError
from simulator.report import build_report, load_results
from simulator.results import RESULTS_FORMAT


def copy(source: Path, tmp_path: Path, name: str = "results") -> Path:
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def refused(folder: Path, *, expect: tuple[str, ...]) -> str:
    """The one-line error for ``folder``; it names the folder and every word of ``expect``."""
    with pytest.raises(ResultsError) as caught:
        load_results(folder)
    message = str(caught.value)
    assert "\n" not in message
    assert str(folder) in message
    for word in expect:
        assert word in message, message
    return message


@pytest.mark.parametrize("name", ["events.parquet", "trips.csv", "differences.csv", "summary.json"])
def test_a_missing_file_is_named(tmp_path: Path, name: str) -> None:
    folder = copy(district_results(), tmp_path)
    (folder / name).unlink()
    refused(folder, expect=("missing", name))


def test_two_missing_files_are_both_named(tmp_path: Path) -> None:
    folder = copy(district_results(), tmp_path)
    (folder / "crossings.csv").unlink()
    (folder / "runs.csv").unlink()
    refused(folder, expect=("crossings.csv", "runs.csv"))


def test_no_manifest(tmp_path: Path) -> None:
    folder = copy(district_results(), tmp_path)
    (folder / "manifest.json").unlink()
    refused(folder, expect=("not a saferoute results folder", "missing manifest.json"))


def test_an_empty_or_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    refused(tmp_path / "empty", expect=("none of the results files",))
    refused(tmp_path / "nowhere", expect=("no such results folder",))


def test_another_results_format(tmp_path: Path) -> None:
    folder = copy(district_results(), tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 99
    manifest["software"]["saferoute"] = "9.9.9"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    refused(folder, expect=("results format 99", "9.9.9", f"reads format {RESULTS_FORMAT}"))


def test_a_truncated_manifest(tmp_path: Path) -> None:
    folder = copy(district_results(), tmp_path)
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    (folder / "manifest.json").write_text(text[: len(text) // 2], encoding="utf-8")
    refused(folder, expect=("manifest.json", "truncated"))


def test_a_csv_cut_in_the_middle_of_a_line(tmp_path: Path) -> None:
    folder = copy(district_results(), tmp_path)
    data = (folder / "trips.csv").read_bytes()
    (folder / "trips.csv").write_bytes(data[: len(data) // 2])
    refused(folder, expect=("trips.csv", "truncated"))


def test_a_csv_cut_between_lines(tmp_path: Path) -> None:
    folder = copy(district_results(), tmp_path)
    lines = (folder / "crossings.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "crossings.csv").write_text("".join(lines[: len(lines) // 3]), encoding="utf-8")
    refused(folder, expect=("crossings.csv", "missing"))


def test_the_events_table_cut_short(tmp_path: Path) -> None:
    folder = copy(district_results(), tmp_path)
    data = (folder / "events.parquet").read_bytes()
    (folder / "events.parquet").write_bytes(data[:-7])
    refused(folder, expect=("events.parquet", "truncated"))


def test_the_events_table_as_csv_is_read_and_checked(tmp_path: Path) -> None:
    folder = copy(district_results(), tmp_path)
    events = pd.read_parquet(folder / "events.parquet")
    (folder / "events.parquet").unlink()
    events.to_csv(folder / "events.csv", index=False)
    assert load_results(folder).scenarios
    data = (folder / "events.csv").read_bytes()
    (folder / "events.csv").write_bytes(data[:-7])
    refused(folder, expect=("events.csv", "truncated"))


@pytest.mark.parametrize("name", [".results.k2j4h5x9", ".results.partial-123-a1b2c3", ".results.old"])
def test_a_leftover_temporary_folder(tmp_path: Path, name: str) -> None:
    folder = copy(district_results(), tmp_path, name=name)
    (folder / "manifest.json").unlink()
    refused(folder, expect=("temporary folder", str(tmp_path / "results")))


def test_tables_from_different_runs(tmp_path: Path) -> None:
    folder = copy(district_results(), tmp_path)
    summary = (folder / "summary.csv").read_text(encoding="utf-8")
    renamed = summary.replace("护学岗 Guard posts", "护学岗 Other")
    (folder / "summary.csv").write_text(renamed, encoding="utf-8")
    refused(folder, expect=("summary.csv", "护学岗 Guard posts", "missing", "护学岗 Other"))


def test_a_map_that_has_moved(tmp_path: Path) -> None:
    folder = copy(map_results(), tmp_path)
    manifest_file = folder / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    original = next(iter(manifest["scenarios"].values())).split("map: ")[1].split(",")[0].strip()
    gone = str(tmp_path / "moved" / "map.osm.bz2")
    manifest["scenarios"] = {k: v.replace(original, gone) for k, v in manifest["scenarios"].items()}
    manifest_file.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"not at .*map\.osm\.bz2 \(give its new place with --map FILE\)"):
        build_report(folder)
    assert not (folder / "report-zh.html").exists()
    assert build_report(folder, map_file=original).is_file()


def test_the_command_exits_2_with_one_line_and_writes_nothing(tmp_path: Path, capsys) -> None:
    folder = copy(district_results(), tmp_path)
    (folder / "events.parquet").unlink()
    assert main(["report", str(folder), "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("saferoute: error: ") and "events.parquet" in err
    assert not (folder / "report-zh.pdf").exists()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
