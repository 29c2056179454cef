"""Bounded work: hostile YAML and OSM input, and typos that would start huge jobs, are refused in one line."""

from __future__ import annotations

import bz2
from pathlib import Path

import pytest

from simulator import limits
from simulator.cli import main
from simulator.errors import NetworkError, ScenarioError
from simulator.network import osmdata
from simulator.network.osmdata import read_osm
from simulator.scenario import load_scenario, scenario_from_yaml
from simulator.scenario.rules import show

REPO = Path(__file__).resolve().parent.parent
OSM = REPO.parent / "shared" / "data" / "osm" / "jiangxi_guixi_city.osm.bz2"

BOMB = "name: bomb\n" + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)) + "interventions: [*a8]\n"
"""The classic 'billion laughs' in YAML aliases: about 600 bytes, 9^9 values once expanded."""


def refused_yaml(text: str, tmp_path: Path) -> str:
    """The one-line error for ``text`` read as a scenario file and as an upload (the same)."""
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as from_file:
        load_scenario(path)
    with pytest.raises(ScenarioError) as from_upload:
        scenario_from_yaml(text, origin=str(path))
    assert str(from_file.value) == str(from_upload.value)
    assert "\n" not in str(from_file.value)
    return str(from_file.value)


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    assert len(BOMB) < 700
    message = refused_yaml(BOMB, tmp_path)
    assert f"more than {limits.MAX_YAML_NODES:,} values once aliases are expanded" in message


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    message = refused_yaml("name: x\ninterventions: &a [*a]\n", tmp_path)
    assert "the alias *a is used inside its own anchor" in message


def test_deep_nesting_is_refused_without_a_recursion_error(tmp_path: Path) -> None:
    message = refused_yaml("name: x\nchildren: " + "[" * 50_000 + "]" * 50_000 + "\n", tmp_path)
    assert f"nested more than {limits.MAX_YAML_DEPTH} levels deep" in message


def test_aliases_of_ordinary_size_still_work() -> None:
    scenario = scenario_from_yaml("name: &n 现状 Baseline\ndescription: *n\n", origin="ok.yaml")
    assert scenario.description == scenario.name == "现状 Baseline"


def test_an_endless_file_is_read_only_up_to_the_bound(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "/dev/zero", "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert err == (f"saferoute: error: /dev/zero is larger than {limits.MAX_YAML_BYTES >> 20} MiB "
                   "(allowed: a scenario or sweep file, a page of text)\n")


@pytest.mark.parametrize(("number", "where"), [
    ("9" * 5000, "children: {}"), ("0x" + "f" * 5000, "children: {}"),
    ("0x" + "f" * 5000, "parameters: {{hcm.walk_speed: {}}}"), ("0b" + "1" * 300, "{}: 1"),
])
def test_an_integer_too_long_is_one_line(tmp_path: Path, number: str, where: str) -> None:
    """Python cannot even print 4,300 digits; hex and binary have no such limit: both are refused early."""
    message = refused_yaml("name: x\n" + where.format(number) + "\n", tmp_path)
    assert f"a number of {len(number):,} characters (allowed: up to {limits.MAX_NUMBER_CHARS})" in message


def test_a_huge_or_self_referencing_value_is_shown_in_a_few_characters() -> None:
    huge: list[object] = [list(range(1000)) for _ in range(1000)]
    loop: list[object] = []
    loop.append(loop)
    for value in (huge, loop, "x" * 10**7, {i: [i] * 100 for i in range(10**4)}):
        text = show(value)
        assert len(text) <= 60 and text.endswith(("…", "]", "}", "'"))


# --- OSM input ---------------------------------------------------------------------------------


def bz2_file(path: Path, head: bytes, body: bytes, repeat: int, tail: bytes) -> Path:
    packer = bz2.BZ2Compressor(9)
    data = [packer.compress(head), *(packer.compress(body) for _ in range(repeat)), packer.compress(tail),
            packer.flush()]
    path.write_bytes(b"".join(data))
    return path


def test_a_small_bz2_bomb_of_way_nodes_is_refused(tmp_path: Path) -> None:
    bomb = bz2_file(tmp_path / "bomb.osm.bz2", b'<osm><way id="1">', b'<nd ref="1"/>' * 1000, 1000,
                    b"</way></osm>")
    assert bomb.stat().st_size < 4000  # 13 MB of XML
    with pytest.raises(NetworkError, match=r"more than 2,000 <nd> children"):
        read_osm(bomb)


def test_more_elements_than_the_bound_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(osmdata, "MAX_OSM_ELEMENTS", 1000)
    with pytest.raises(NetworkError, match=r"more than 1,000 elements"):
        read_osm(OSM)


def test_more_bytes_than_the_bound_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(osmdata, "MAX_OSM_UNPACKED", 1 << 20)
    with pytest.raises(NetworkError, match=r"GiB of OSM XML once decompressed"):
        read_osm(OSM)


def test_one_giant_element_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(osmdata, "MAX_ELEMENT_BYTES", 1 << 16)
    giant = bz2_file(tmp_path / "giant.osm.bz2", b'<osm><node id="1" lat="1" lon="1"><tag k="a" v="',
                     b"x" * 1000, 1000, b'"/></node></osm>')
    with pytest.raises(NetworkError, match=r"one element is longer than"):
        read_osm(giant)


@pytest.mark.parametrize(("lat", "lon"), [("1000", "nan"), ("nan", "10"), ("10", "inf"), ("-91", "0")])
def test_a_node_off_the_globe_is_one_line(tmp_path: Path, lat: str, lon: str) -> None:
    path = tmp_path / "bad.osm"
    path.write_text(f'<osm><node id="5" lat="{lat}" lon="{lon}"/></osm>', encoding="utf-8")
    with pytest.raises(NetworkError) as caught:
        read_osm(path)
    assert str(caught.value) == (f"{path}: node 5: lat {lat!r}, lon {lon!r} is not allowed "
                                 "(allowed: latitude -90–90, longitude -180–180)")


def test_the_real_extracts_read_within_the_bounds() -> None:
    data = read_osm(OSM)
    assert len(data.coords) > 1000 and len(data.ways) > 100


# --- how much work a command may start --------------------------------------------------------------


@pytest.mark.parametrize(("args", "expected"), [
    (["--workers", "1000"], "--workers: 1000 is not allowed (allowed: 1–"),
    (["--workers", "0"], "--workers: 0 is not allowed (allowed: a whole number >= 1)"),
    (["--seeds", "1000000000"], "--seeds: 1,000,000,000 is not allowed (allowed: 1–1,000; add --yes"),
    (["--seeds", "0"], "--seeds: 0 is not allowed"),
])
def test_typos_that_would_start_huge_jobs_are_refused(args: list[str], expected: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(REPO / "scenarios" / "baseline.yaml"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"saferoute: error: {expected}") and err.count("\n") == 1


def test_more_runs_than_the_bound_need_yes(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("simulator.cli.runs.MAX_RUNS", 15)
    files = [str(REPO / "scenarios" / name) for name in ("baseline.yaml", "guard-posts.yaml")]
    assert main(["compare", *files, "--seeds", "8", "--out", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert "scenarios x --seeds: 16 is not allowed (allowed: 1–15; add --yes for a real large job)" in err


def test_workers_beyond_the_cores_are_allowed_with_yes() -> None:
    cores = limits.machine_cores()
    assert limits.check_workers(cores + 1, force=True) == cores + 1
    with pytest.raises(limits.TooLargeError, match="add --yes"):
        limits.check_workers(cores + 1)


def test_a_node_without_a_position_is_skipped_like_one_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "ids.osm"
    path.write_text('<osm><node id="1" lat="1" lon="2"/><node id="2"/></osm>', encoding="utf-8")
    assert read_osm(path).coords == {1: (2.0, 1.0)}
