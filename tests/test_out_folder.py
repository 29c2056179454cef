"""``--out`` never deletes what saferoute did not write; leftovers of killed runs go; usual permissions."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import simulator.runs
from simulator.cli import main
from simulator.errors import ResultsError
from simulator.results import check_out_folder, clean_leftovers

REPO = Path(__file__).resolve().parent.parent


def small_scenario(folder: Path) -> Path:
    path = folder / "small.yaml"
    path.write_text("name: small\nchildren: 40\nsite: {synthetic: {superblocks: [2, 2]}}\n", encoding="utf-8")
    return path


def listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


def test_a_folder_with_a_manifest_and_other_files_is_refused_and_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The probe's worst finding: any folder with a manifest.json was taken for old results and replaced."""
    monkeypatch.chdir(tmp_path)
    scenario = small_scenario(tmp_path)
    mine = tmp_path / "mine"
    (mine / "thesis").mkdir(parents=True)
    (mine / "manifest.json").write_text('{"format": 2, "scenarios": {}, "files": ["manifest.json"]}',
                                        encoding="utf-8")
    (mine / "notes.txt").write_text("two years of work\n", encoding="utf-8")
    (mine / "thesis" / "draft.tex").write_text("\\documentclass{article}\n", encoding="utf-8")
    before = listing(mine)
    assert main(["run", str(scenario), "--seeds", "1", "--workers", "1", "--out", "mine"]) == 2
    err = capsys.readouterr().err
    assert ("--out: mine holds results and other files (notes.txt, thesis/) that saferoute did not write"
            in err)
    assert listing(mine) == before


@pytest.mark.parametrize("manifest", ['{"seeds": [1]}', "not json", '["format"]'])
def test_a_manifest_saferoute_did_not_write_is_not_results(tmp_path: Path, manifest: str) -> None:
    (tmp_path / "manifest.json").write_text(manifest, encoding="utf-8")
    with pytest.raises(ResultsError, match="a folder of other files, not saferoute results"):
        check_out_folder(tmp_path)


def test_results_and_their_reports_are_replaced_whole(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = small_scenario(tmp_path)
    assert main(["run", str(scenario), "--seeds", "1", "--workers", "1", "--out", "out"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(p.name for p in (tmp_path / "out").iterdir())
    (tmp_path / "out" / "report-en.pdf").write_bytes(b"%PDF-1.4 a report made from these results")
    assert main(["run", str(scenario), "--seeds", "2", "--workers", "1", "--out", "out"]) == 0
    assert json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["seeds"] == [1, 2]
    assert not (tmp_path / "out" / "report-en.pdf").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_partial_folders_of_dead_runs_are_removed_at_the_next_start(tmp_path: Path) -> None:
    dead = tmp_path / f".out.partial-{_dead_pid()}-a1b2c3"
    live = tmp_path / f".out.partial-{os.getpid()}-d4e5f6"
    other = tmp_path / f".other.partial-{_dead_pid()}-a1b2c3"
    for folder in (dead, live, other):
        folder.mkdir()
        (folder / "trips.csv").write_text("half\n", encoding="utf-8")
    assert clean_leftovers(tmp_path / "out") == [dead]
    assert not dead.exists() and live.exists() and other.exists()  # a running write and other results stay


RESULT = '{"format": 2, "scenarios": {}, "files": ["manifest.json"]}'


def result_folder(path: Path, *, text: str = RESULT) -> Path:
    path.mkdir()
    (path / "manifest.json").write_text(text, encoding="utf-8")
    return path


def test_a_result_caught_between_two_renames_is_put_back(tmp_path: Path) -> None:
    old = result_folder(tmp_path / f".out.replaced-{_dead_pid()}-abcdef")
    clean_leftovers(tmp_path / "out")
    assert (tmp_path / "out" / "manifest.json").is_file() and not old.exists()


def test_a_finished_new_result_wins_over_the_one_it_replaced(tmp_path: Path) -> None:
    earlier = RESULT.replace("{}", '{"a": ""}')
    old = result_folder(tmp_path / f".out.replaced-{_dead_pid()}-abcdef", text=earlier)
    new = result_folder(tmp_path / f".out.partial-{_dead_pid()}-fedcba")
    os.utime(old, (1, 1))
    clean_leftovers(tmp_path / "out")
    assert (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8") == RESULT
    assert not old.exists() and not new.exists()


def test_folders_saferoute_did_not_write_are_never_touched(tmp_path: Path) -> None:
    mine = [result_folder(tmp_path / ".out.old", text="my backup"),
            result_folder(tmp_path / f".out.replaced-{_dead_pid()}-abcdef", text="not a manifest")]
    clean_leftovers(tmp_path / "out")
    assert all(p.is_dir() for p in mine) and not (tmp_path / "out").exists()


@pytest.mark.parametrize("junk", [".DS_Store", "Thumbs.db", ".~lock.summary.csv#", ".report-zh.html.k2j4h5/"])
def test_what_file_browsers_leave_does_not_block_a_rerun(tmp_path: Path, junk: str) -> None:
    out = result_folder(tmp_path / "out")
    target = out / junk.rstrip("/")
    target.mkdir() if junk.endswith("/") else target.write_text("", encoding="utf-8")
    assert check_out_folder(out) == out.resolve()


def test_results_that_cannot_be_put_in_place_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A file that appears in --out while the runs run: the new results are kept beside it, not lost."""
    monkeypatch.chdir(tmp_path)
    out = result_folder(tmp_path / "out")

    def meanwhile(*args: object, **kwargs: object) -> object:
        (out / "notes.txt").write_text("written during the run\n", encoding="utf-8")
        return real(*args, **kwargs)

    real = simulator.runs.run_many
    monkeypatch.setattr(simulator.runs, "run_many", meanwhile)
    assert main(["run", str(small_scenario(tmp_path)), "--seeds", "1", "--workers", "1", "--out", "out"]) == 2
    err = capsys.readouterr().err
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("out-unsaved-")]
    assert len(kept) == 1 and (kept[0] / "manifest.json").is_file()
    assert f"the results are kept in {kept[0]}" in err
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "notes.txt"]


def test_a_killed_run_leaves_nothing_the_next_run_keeps(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    leftover = tmp_path / f".out.partial-{_dead_pid()}-0f0f0f"
    leftover.mkdir()
    (leftover / "events.parquet").write_bytes(b"PAR1 half")
    assert main(["run", str(small_scenario(tmp_path)), "--seeds", "1", "--workers", "1", "--out", "out"]) == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_results_get_the_usual_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = small_scenario(tmp_path)
    previous = os.umask(0o022)
    try:
        assert main(["run", str(scenario), "--seeds", "1", "--workers", "1", "--out", "shared/out"]) == 0
    finally:
        os.umask(previous)
    out = tmp_path / "shared" / "out"
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # colleagues can read them
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o644}
