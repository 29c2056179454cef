"""The on-disk cache of built sites: keys, hits and misses, bad entries, races, unwritable folders.

Every test points ``SAFEROUTE_CACHE`` at its own tmp folder (the session turns it off).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import pytest
from osm_kit import OSM_DIR

import simulator
import simulator.experiment as experiment
from simulator import cache
from simulator.cache import (
    SOURCES,
    digest_sources,
    fetch_site,
    locate_folder,
    prune_folder,
    read_entry,
    write_entry,
)
from simulator.errors import NetworkError
from simulator.experiment import built_site, setting_from_scenario
from simulator.params import default_parameters
from simulator.runs import run_once
from simulator.scenario import Scenario, scenario_from_mapping

SYNTHETIC = {"synthetic": {"seed": 1, "superblocks": [3, 3], "compounds_per_block": 4}}
BEIJING = {"map": str(OSM_DIR / "beijing_haidian_xueyuan_cau.osm.bz2"), "school": "中国农业大学附属实验小学"}
SITES = {"synthetic": SYNTHETIC, "beijing": BEIJING}
KEY = "ab" * 32


def scenario_on(site: dict[str, Any], **fields: Any) -> Scenario:
    return scenario_from_mapping({"name": "cached", "site": site, **fields}, origin="test")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The entry folder of a cache in tmp_path (``SAFEROUTE_CACHE`` set to it)."""
    monkeypatch.setenv("SAFEROUTE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "sites"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the scenarios whose site :func:`built_site` really built."""
    calls: list[str] = []
    real = experiment.site_from_scenario

    def counting(scenario: Scenario) -> Any:
        calls.append(scenario.name)
        return real(scenario)

    monkeypatch.setattr(experiment, "site_from_scenario", counting)
    return calls


class Builder:
    """A ``build`` callable for :func:`fetch_site` that counts its calls."""

    def __init__(self, value: Any = "built") -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def graph_rows(graph: Any) -> tuple[Any, ...]:
    """Everything of a graph that its users can see, in iteration order."""
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else graph.edges(data=True)
    return (graph.graph, list(graph.nodes(data=True)), list(edges),
            [(n, list(nbrs)) for n, nbrs in graph.adjacency()])


def assert_same_site(built: tuple[Any, Any], loaded: tuple[Any, Any]) -> None:
    (site, network), (site2, network2) = built, loaded
    assert (site.school, site.homes, site.notes) == (site2.school, site2.homes, site2.notes)
    assert graph_rows(site.graph) == graph_rows(site2.graph)
    assert graph_rows(network.graph) == graph_rows(network2.graph)
    assert list(network.crossings.items()) == list(network2.crossings.items())
    assert list(network.home_nodes.items()) == list(network2.home_nodes.items())
    assert list(network.snaps.items()) == list(network2.snaps.items())
    assert (network.school_node, network.dropped_homes) == (network2.school_node, network2.dropped_homes)
    assert isinstance(network2.home_nodes, MappingProxyType)
    assert network2.street is site2.graph  # shared as when built


@pytest.mark.parametrize("name", SITES)
def test_a_hit_returns_the_site_as_built(name: str, folder: Path, builds: list[str]) -> None:
    scenario = scenario_on(SITES[name])
    built = built_site(scenario, origin="test")
    assert builds == ["cached"]
    assert len(entries(folder)) == 1 and entries(folder)[0].endswith(".pickle")
    loaded = built_site(scenario, origin="test")
    assert builds == ["cached"]
    assert loaded[0] is not built[0]
    assert_same_site(built, loaded)


@pytest.mark.parametrize("name", SITES)
def test_runs_on_a_cached_site_give_the_tables_of_a_built_one(
    name: str, folder: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = scenario_on(SITES[name], children=300)
    monkeypatch.setenv("SAFEROUTE_CACHE", "off")
    uncached = built_site(scenario, origin="test")
    monkeypatch.setenv("SAFEROUTE_CACHE", str(folder.parent))
    built_site(scenario, origin="test")  # a miss: stored
    cached = built_site(scenario, origin="test")
    assert len(builds) == 2 and len(entries(folder)) == 1
    runs = [run_once(setting_from_scenario(scenario, site=s, network=n), 3) for s, n in (uncached, cached)]
    assert runs[0].summary == runs[1].summary
    for table in ("trips", "events", "crossings"):
        a, b = getattr(runs[0], table), getattr(runs[1], table)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert a.to_csv() == b.to_csv()


def test_the_cache_off_builds_every_time_and_writes_nothing(
    tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEROUTE_CACHE", "OFF")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    for _ in range(2):
        built_site(scenario_on(SYNTHETIC), origin="test")
    assert builds == ["cached", "cached"]
    assert entries(tmp_path) == []


@pytest.mark.parametrize(("env", "expected"), [
    ({"SAFEROUTE_CACHE": "/data/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/data/c/sites"),
    ({"SAFEROUTE_CACHE": "~/c", "HOME": "/h"}, "/h/c/sites"),
    ({"SAFEROUTE_CACHE": "", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/saferoute/sites"),
    ({"XDG_CACHE_HOME": "relative", "HOME": "/h"}, "/h/.cache/saferoute/sites"),
    ({"HOME": "/h"}, "/h/.cache/saferoute/sites"),
    ({"SAFEROUTE_CACHE": "off", "HOME": "/h"}, None),
    ({"SAFEROUTE_CACHE": " Off ", "HOME": "/h"}, None),
])
def test_the_folder_comes_from_the_environment(
    env: dict[str, str], expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", env["HOME"])  # ~ expands from the process's HOME
    assert locate_folder(environ=env) == (None if expected is None else Path(expected))


def _change_map(site: dict[str, Any], params: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, Any]:
    Path(site["map"]).write_bytes(b"<osm></osm>\n")
    return site, params


def _change_school(site: dict[str, Any], params: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, Any]:
    return site | {"school": "w2"}, params


def _change_override(site: dict[str, Any], params: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, Any]:
    return site, params.with_overrides({"walk.snap_tolerance": params["walk.snap_tolerance"] + 1})


def _change_version(site: dict[str, Any], params: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, Any]:
    monkeypatch.setattr(simulator, "__version__", "99.0.0")
    return site, params


def _change_format(site: dict[str, Any], params: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, Any]:
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT + 1)
    return site, params


@pytest.mark.parametrize("change", [_change_map, _change_school, _change_override, _change_version,
                                    _change_format])
def test_a_changed_map_site_override_or_version_misses(
    change: Callable[..., Any], tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "town.osm"
    path.write_bytes(b"<osm/>\n")
    site, params = {"map": str(path), "school": "w1"}, default_parameters()
    first, again, other = Builder("first"), Builder("again"), Builder("other")
    assert fetch_site(site, params=params, build=first) == "first"
    assert fetch_site(site, params=params, build=again) == "first"
    assert (first.calls, again.calls) == (1, 0)
    site, params = change(site, params, monkeypatch)
    assert fetch_site(site, params=params, build=other) == "other"
    assert other.calls == 1
    assert len(entries(folder)) == 2


def test_the_source_digest_follows_the_site_building_code(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    package = Path(simulator.__file__).resolve().parent
    copy = tmp_path / "simulator"
    for name in SOURCES:
        if (package / name).is_dir():
            shutil.copytree(package / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            copy.mkdir(exist_ok=True)
            shutil.copy2(package / name, copy / name)
    monkeypatch.setattr(simulator, "__file__", str(copy / "__init__.py"))
    before = digest_sources()
    assert before == digest_sources() and before is not None
    walk = copy / "network" / "walk.py"
    walk.write_text(walk.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert digest_sources() != before
    walk.unlink()
    assert digest_sources() != before


def test_every_module_a_site_is_built_with_is_in_the_source_digest() -> None:
    code = ("import sys, json, simulator.network.schools, simulator.network.synthetic, "
            "simulator.network.walk; print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() "
            "if (n == 'simulator' or n.startswith('simulator.')) and m.__file__)))")  # not namespaces
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=os.environ | {"PYTHONPATH": str(Path(simulator.__file__).parents[1])})
    package = Path(simulator.__file__).resolve().parent
    hashed = [package / name for name in SOURCES]
    loaded = [Path(f).resolve() for f in json.loads(done.stdout)]
    assert len(loaded) > 5
    missing = [str(f) for f in loaded if not any(f == h or h in f.parents for h in hashed)]
    assert missing == []


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flip_a_payload_byte(data: bytes) -> bytes:
    middle = len(data) - 100
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


def _not_a_pickle(data: bytes) -> bytes:
    import hashlib

    payload = b"not a pickle"
    head = data.split(b"\n")
    return b"\n".join(head[:2]) + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


@pytest.mark.parametrize("spoil", [_truncate, _flip_a_payload_byte, _not_a_pickle, lambda d: b"",
                                   lambda d: d[:21] + b"0" * 64 + d[85:],  # another key's entry
                                   lambda d: b"\x80\x05garbage"])
def test_a_corrupt_entry_is_rebuilt_and_overwritten(spoil: Callable[[bytes], bytes], folder: Path,
                                                    builds: list[str]) -> None:
    scenario = scenario_on(SYNTHETIC)
    built = built_site(scenario, origin="test")
    [name] = entries(folder)
    entry = folder / name
    entry.write_bytes(spoil(entry.read_bytes()))
    rebuilt = built_site(scenario, origin="test")
    assert builds == ["cached", "cached"]
    assert_same_site(built, rebuilt)
    assert entries(folder) == [name]
    assert_same_site(built, built_site(scenario, origin="test"))
    assert len(builds) == 2


def test_a_read_only_folder_serves_its_entries_and_still_runs(folder: Path, builds: list[str]) -> None:
    scenario = scenario_on(SYNTHETIC)
    built = built_site(scenario, origin="test")
    folder.chmod(0o555)
    try:
        assert_same_site(built, built_site(scenario, origin="test"))
        assert builds == ["cached"]
        other = scenario_on(SYNTHETIC | {"synthetic": {"seed": 2}})
        built_site(other, origin="test")  # cannot be stored (unless run as root): still built
        assert builds == ["cached", "cached"]
    finally:
        folder.chmod(0o755)
    assert not [n for n in entries(folder) if n.endswith(".tmp")]


def test_a_folder_that_cannot_be_created_still_runs(tmp_path: Path, builds: list[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("SAFEROUTE_CACHE", str(tmp_path / "file" / "cache"))
    scenario = scenario_on(SYNTHETIC)
    assert_same_site(built_site(scenario, origin="test"), built_site(scenario, origin="test"))
    assert builds == ["cached", "cached"]


def test_a_full_disk_leaves_no_partial_entry(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.os, "replace", full)
    build = Builder({"big": b"x" * 100_000})
    assert fetch_site(SYNTHETIC, params=default_parameters(), build=build) == build.value
    assert entries(folder) == []
    assert fetch_site(SYNTHETIC, params=default_parameters(), build=build) == build.value
    assert build.calls == 2


def test_a_missing_map_is_reported_by_the_build_and_not_cached(tmp_path: Path, folder: Path) -> None:
    gone = tmp_path / "gone.osm"
    gone.write_bytes(b"<osm/>\n")
    scenario = scenario_on({"map": str(gone)})  # validated while the file is there
    gone.unlink()
    with pytest.raises(NetworkError, match=r"gone\.osm not found"):
        built_site(scenario, origin="s.yaml")
    assert entries(folder) == []


def test_a_map_that_changes_while_it_is_read_is_not_stored(tmp_path: Path, folder: Path) -> None:
    path = tmp_path / "town.osm"
    path.write_bytes(b"<osm/>\n")

    def build() -> str:
        path.write_bytes(b"<osm>changed</osm>\n")
        return "from the changed file"

    fetch_site({"map": str(path)}, params=default_parameters(), build=build)
    assert entries(folder) == []


def test_pruning_removes_the_least_recently_used_beyond_the_limit(tmp_path: Path) -> None:
    for i in range(1, 5):
        entry = tmp_path / f"{i}.pickle"
        entry.write_bytes(b"x" * 100)
        os.utime(entry, ns=(i * 10**18, i * 10**18))
    for name, seconds in ((".old.tmp", 0), (".writing.tmp", 4_000_000_000)):
        (tmp_path / name).write_bytes(b"y")
        os.utime(tmp_path / name, (seconds, seconds))
    prune_folder(tmp_path, limit_bytes=250, keep=tmp_path / "1.pickle")
    assert entries(tmp_path) == [".writing.tmp", "1.pickle", "4.pickle"]
    prune_folder(tmp_path, limit_bytes=10_000)
    assert entries(tmp_path) == [".writing.tmp", "1.pickle", "4.pickle"]


def test_a_hit_renews_the_entry_for_pruning(tmp_path: Path) -> None:
    entry = tmp_path / f"{KEY}.pickle"
    assert write_entry(entry, {"a": 1}, key=KEY)
    os.utime(entry, ns=(10**9, 10**9))
    assert read_entry(entry, key=KEY) == ({"a": 1},)
    assert entry.stat().st_mtime_ns > 10**9
    assert read_entry(entry, key="cd" * 32) is None  # another key's entry is a miss


def _race(cache_root: str, barrier: Any, results: Any) -> None:
    """One of two processes building the same site and rewriting one entry at the same time."""
    os.environ["SAFEROUTE_CACHE"] = cache_root
    scenario = scenario_on(SYNTHETIC)
    value = {"blob": bytes(range(256)) * 8192}  # 2 MiB: writes overlap
    entry = Path(cache_root) / "race" / f"{KEY}.pickle"
    barrier.wait()
    site, network = built_site(scenario, origin="race")
    good = 0
    for _ in range(20):
        write_entry(entry, value, key=KEY)
        found = read_entry(entry, key=KEY)
        good += found is not None and found[0] == value
    results.put((len(site.homes), network.graph.number_of_nodes(), good))


def test_concurrent_writers_leave_one_good_entry(folder: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_race, args=(str(folder.parent), barrier, results)) for _ in range(2)]
    for w in workers:
        w.start()
    reports = [results.get(timeout=300) for _ in workers]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    expected = built_site(scenario_on(SYNTHETIC), origin="test")
    assert reports == [(len(expected[0].homes), expected[1].graph.number_of_nodes(), 20)] * 2
    assert len(entries(folder)) == 1 and entries(folder)[0].endswith(".pickle")
    assert entries(folder.parent / "race") == [f"{KEY}.pickle"]
    assert read_entry(folder.parent / "race" / f"{KEY}.pickle", key=KEY) is not None


def test_an_entry_writable_by_others_is_not_loaded(tmp_path: Path) -> None:
    """Entries are pickles: one that others could have replaced is a miss, rebuilt and stored again."""
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"built": len(calls)}

    site = {"synthetic": {"seed": 1}}
    params = default_parameters()
    assert fetch_site(site, params=params, build=build, folder=tmp_path) == {"built": 1}
    (entry,) = tmp_path.glob("*.pickle")
    entry.chmod(0o666)
    assert fetch_site(site, params=params, build=build, folder=tmp_path) == {"built": 2}
    assert entry.stat().st_mode & 0o022 == 0  # the rebuilt entry is private again
    assert fetch_site(site, params=params, build=build, folder=tmp_path) == {"built": 2}
