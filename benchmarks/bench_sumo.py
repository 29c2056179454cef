"""saferoute against SUMO on the same work (issue 15): whole process, paired and interleaved.

Run from the repository root::

    .venv/bin/python benchmarks/bench_sumo.py                      # 1,500 and 5,000 children, 3 pairs
    .venv/bin/python benchmarks/bench_sumo.py --children 1500 --pairs 1
    .venv/bin/python benchmarks/bench_sumo.py --json bench-sumo.json --keep /tmp/bench-sumo

The workload: an 8 x 8 grid of 200 m blocks (9 x 9 junctions, 100 m stubs
at the border), two-way streets of one lane per direction at 50 km/h, 300
veh/h per direction on every street, 9 signalised junctions (the 3 x 3
interior ones at grid positions 2, 4, 6 in both directions, the centre among
them), and 1,500 or 5,000 children walking 300–1,200 m (along the streets) to
one school by the centre junction over the morning 07:00–08:30.

saferoute reads the grid as an OpenStreetMap file and a scenario file
(both written by ``sumo_grid.py``, with SUMO's inputs) and runs as a user
would (``saferoute run SCENARIO --seeds 1 --out DIR``). SUMO
(PyPI ``eclipse-sumo``, installed on first use into ``benchmarks/.sumo/``,
never a dependency of saferoute) builds the grid with ``netgenerate --grid``
and simulates it with ``sumo`` (striping pedestrian model, the default). Both
inputs are written before any timing; each timed run is whole processes:
interpreter or program start, imports, building the network, routes,
simulating and writing the outputs. Each pair runs saferoute twice, with a
private, empty site cache (``SAFEROUTE_CACHE``: it builds the site and fills
the cache) and again with that cache filled, then SUMO (``netgenerate`` and
``sumo``, both timed). The script prints the median wall times,
the ratio and the issue's targets as PASS/FAIL text, the outputs per
pedestrian side by side, and saferoute's start-up floor (a process that
imports what ``saferoute run`` imports and makes numba's first call, then
stops) against what each target leaves. It never asserts: it is a
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sumo_grid import (
    BELL,
    BLOCK_M,
    JUNCTIONS,
    PERIOD,
    SEED,
    SIGNALS,
    SPEED_KMH,
    STUB_M,
    VPH,
    Home,
    build_netgenerate_command,
    draw_children,
    name_junction,
    place_homes,
    read_trim,
    write_demand,
    write_osm,
    write_scenario,
)

ROOT = Path(__file__).resolve().parent.parent
SUMO_DIR = ROOT / "benchmarks" / ".sumo"
SUMO_VERSION = "1.28.0"
TARGETS = {1500: 1 / 15, 5000: 1 / 25}  # saferoute / SUMO, whole process (issue 15)

@dataclass
class Outputs:
    """Per-pedestrian figures of one run."""

    walkers: int
    finished: int
    route_m_mean: float
    speed_mean: float
    walk_s_mean: float
    walk_s_median: float
    wait_s_mean: float
    lost_s_mean: float


# --- SUMO install ------------------------------------------------------------------------------------


def install_sumo(*, folder: Path = SUMO_DIR) -> Path:
    """The SUMO binary folder, installing ``eclipse-sumo`` into ``folder`` first if it is missing.

    Parameters
    ----------
    folder
        Where the package goes (``pip install --target folder/site``).

    Returns
    -------
    Path
        The folder holding ``sumo`` and ``netgenerate``.
    """
    site = folder / "site"
    binaries = site / "sumo" / "bin"
    marker = site / f"eclipse_sumo-{SUMO_VERSION}.dist-info"
    if (binaries / "sumo").is_file() and marker.is_dir():
        return binaries
    print(f"installing eclipse-sumo=={SUMO_VERSION} from PyPI into {site.relative_to(ROOT)} "
          "(first use only; about 500 MB, for this benchmark alone)", flush=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--upgrade", "--no-deps", "--target", str(site),
               f"eclipse-sumo=={SUMO_VERSION}", f"sumo-data=={SUMO_VERSION}"]
    print("  " + " ".join(command), flush=True)
    subprocess.run(command, check=True)
    return binaries


def make_sumo_env(binaries: Path) -> dict[str, str]:
    """The environment SUMO's programs run in (``SUMO_HOME`` set to the package)."""
    return {**os.environ, "SUMO_HOME": str(binaries.parent)}


# --- the timed runs ---------------------------------------------------------------------------------------


def find_saferoute_command() -> list[str]:
    """The ``saferoute`` command of this interpreter's environment (the repository's venv)."""
    for candidate in (Path(sys.executable).parent / "saferoute", ROOT / ".venv" / "bin" / "saferoute"):
        if candidate.is_file():
            return [str(candidate)]
    raise SystemExit("bench_sumo: no saferoute command next to this Python or in .venv: run ./dev setup")


def run_saferoute(scenario: Path, out: Path, *, cache: Path) -> tuple[float, str]:
    """Wall time of ``saferoute run SCENARIO --seeds 1 --out OUT`` and what it printed.

    ``cache`` is saferoute's on-disk site cache for this run (``SAFEROUTE_CACHE``):
    a private folder, so that the user's own cache is neither read nor filled.
    """
    command = [*find_saferoute_command(), "run", str(scenario), "--seeds", "1", "--out", str(out)]
    env = {**os.environ, "SAFEROUTE_CACHE": str(cache)}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=scenario.parent, env=env)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench_sumo: saferoute failed ({done.returncode}):\n{done.stderr[-2000:]}")
    (out / "saferoute.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    return wall, done.stdout + done.stderr


FLOOR_CODE = """
import numpy as np
import simulator.cli, simulator.cli.runs, simulator.experiment, simulator.results, simulator.runs
from simulator.kernels import sum_surrogates
a = np.zeros(1)
sum_surrogates(a, a, a, a, a, np.zeros(1, np.int8), 0.5, 1.5, 1.5, 3.0)
"""
"""What every ``saferoute run`` does before its work: the modules it imports and a first compiled call."""


def start_up_floor(*, times: int = 3) -> float:
    """Median wall time (s) of a process that starts as ``saferoute run`` does and then stops."""
    walls = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR_CODE], check=True, cwd=ROOT)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def run_sumo(binaries: Path, folder: Path, demand: Path) -> tuple[float, float, str]:
    """Wall times of ``netgenerate`` and ``sumo`` (whole processes) and what SUMO printed."""
    env = make_sumo_env(binaries)
    folder.mkdir(parents=True, exist_ok=True)
    net = folder / "grid.net.xml"
    started = time.perf_counter()
    subprocess.run(build_netgenerate_command(binaries, net), check=True, capture_output=True, env=env)
    built = time.perf_counter()
    command = [str(binaries / "sumo"), "--net-file", str(net), "--route-files", str(demand),
               "--tripinfo-output", str(folder / "tripinfo.xml"), "--seed", str(SEED),
               "--no-step-log", "true", "--duration-log.statistics", "true"]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    finished = time.perf_counter()
    if done.returncode != 0:
        raise SystemExit(f"bench_sumo: sumo failed ({done.returncode}):\n{done.stderr[-2000:]}")
    (folder / "sumo.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    return built - started, finished - built, done.stdout + done.stderr


# --- outputs per pedestrian -----------------------------------------------------------------------------


def read_saferoute(out: Path) -> Outputs:
    """Walk time, wait at crossings and time lost per child, from ``trips.csv``."""
    trips = pd.read_csv(out / "trips.csv")
    done = trips[trips["arrive_s"].notna()]
    return Outputs(
        walkers=len(trips), finished=len(done), route_m_mean=float(done["route_m"].mean()),
        speed_mean=float(done["speed_ms"].mean()),
        walk_s_mean=float(done["trip_s"].mean()), walk_s_median=float(done["trip_s"].median()),
        wait_s_mean=float(done["wait_s"].mean()),
        lost_s_mean=float((done["trip_s"] - done["free_walk_s"]).mean()))


def read_sumo(tripinfo: Path, *, walkers: int) -> Outputs:
    """Walk time, waiting time and time lost per person, from ``<personinfo><walk>``."""
    rows = []
    for person in ET.parse(tripinfo).getroot().iter("personinfo"):
        walk = person.find("walk")
        if walk is None or float(walk.get("arrival", -1)) < 0:
            continue
        rows.append((float(walk.get("duration", "nan")), float(walk.get("routeLength", "nan")),
                     float(walk.get("timeLoss", "nan")), float(walk.get("waitingTime", "nan")),
                     float(walk.get("maxSpeed", "nan"))))
    table = pd.DataFrame(rows, columns=["duration", "length", "lost", "wait", "speed"])
    return Outputs(
        walkers=walkers, finished=len(table), route_m_mean=float(table["length"].mean()),
        speed_mean=float(table["speed"].mean()),
        walk_s_mean=float(table["duration"].mean()), walk_s_median=float(table["duration"].median()),
        wait_s_mean=float(table["wait"].mean()), lost_s_mean=float(table["lost"].mean()))


# --- report ------------------------------------------------------------------------------------------------


def describe_versions(binaries: Path) -> dict[str, str]:
    """Versions of the two simulators, Python and the saferoute commit."""
    sumo = subprocess.run([str(binaries / "sumo"), "--version"], capture_output=True, text=True,
                          env=make_sumo_env(binaries)).stdout.splitlines()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    return {"saferoute": importlib.metadata.version("saferoute"), "commit": commit or "?",
            "sumo": sumo[0] if sumo else "?", "python": platform.python_version()}


def print_outputs(ours: Outputs, theirs: Outputs, *, nominal_m: float) -> None:
    """The outputs per pedestrian, side by side (``nominal_m``: the drawn homes' mean distance)."""
    rows = [("walkers finished / drawn", f"{ours.finished:,} / {ours.walkers:,}",
             f"{theirs.finished:,} / {theirs.walkers:,}"),
            ("route length, mean (m)", f"{ours.route_m_mean:.0f}", f"{theirs.route_m_mean:.0f}"),
            ("walking speed, mean (m/s)", f"{ours.speed_mean:.2f}", f"{theirs.speed_mean:.2f}"),
            ("walk time, mean (s)", f"{ours.walk_s_mean:.0f}", f"{theirs.walk_s_mean:.0f}"),
            ("walk time, median (s)", f"{ours.walk_s_median:.0f}", f"{theirs.walk_s_median:.0f}"),
            ("wait at crossings, mean (s)", f"{ours.wait_s_mean:.1f}", f"{theirs.wait_s_mean:.1f}"),
            ("time lost, mean (s)", f"{ours.lost_s_mean:.1f}", f"{theirs.lost_s_mean:.1f}")]
    print(f"  {'per pedestrian':<30} {'saferoute':>14} {'SUMO':>14}")
    for name, a, b in rows:
        print(f"  {name:<30} {a:>14} {b:>14}")
    print(f"  (homes drawn {nominal_m:.0f} m from the gate on average, along the street centre lines; "
          "saferoute: trips.csv route_m, speed_ms, trip_s, wait_s, trip_s - free_walk_s; SUMO: "
          "tripinfo <walk> routeLength, maxSpeed, duration, waitingTime, timeLoss)")


def bench_children(children: int, *, pairs: int, work: Path, homes: list[Home], trim: float,
                   osm: Path, binaries: Path) -> dict[str, Any]:
    """Paired, interleaved runs for one number of children; prints and returns the figures."""
    folder = work / f"children-{children}"
    folder.mkdir()
    scenario = folder / "scenario.yaml"
    shutil.copy(osm, folder / osm.name)
    write_scenario(scenario, folder / osm.name, children=children)
    walkers = draw_children(homes, children=children, seed=SEED)
    demand = folder / "demand.rou.xml"
    write_demand(demand, homes, walkers, trim=trim)
    built_runs: list[float] = []
    cached_runs: list[float] = []
    theirs: list[float] = []
    parts: list[tuple[float, float]] = []
    said = ""
    cached = False
    for pair in range(1, pairs + 1):
        cache = folder / f"cache-{pair}"  # empty: this pair's first run builds the site and fills it
        wall, said = run_saferoute(scenario, folder / f"saferoute-{pair}", cache=cache)
        built_runs.append(wall)
        cached = cached or (cache.is_dir() and any(cache.rglob("*.*")))
        wall, _ = run_saferoute(scenario, folder / f"saferoute-{pair}-cached", cache=cache)
        cached_runs.append(wall)
        built, simulated, log = run_sumo(binaries, folder / f"sumo-{pair}", demand)
        theirs.append(built + simulated)
        parts.append((built, simulated))
        print(f"  pair {pair}: saferoute {built_runs[-1]:6.2f} s (site cached: {cached_runs[-1]:5.2f} s)   "
              f"SUMO {built + simulated:6.2f} s (netgenerate {built:.2f} + sumo {simulated:.2f})   "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
    median_theirs = statistics.median(theirs)
    target = TARGETS.get(children)
    rows: dict[str, dict[str, Any]] = {}
    for name, runs in (("saferoute", built_runs), ("saferoute, site cached", cached_runs)):
        median = statistics.median(runs)
        ratio = median / median_theirs
        verdict = "—" if target is None else ("PASS" if ratio <= target else "FAIL")
        rows[name] = {"wall_s": runs, "median_s": median, "ratio": ratio, "verdict": verdict}
        print(f"  median wall: {name} {median:.2f} s, SUMO {median_theirs:.2f} s; ratio {ratio:.3f}"
              + ("" if target is None else f"; target ≤ 1/{round(1 / target)} = {target:.3f}: {verdict}"))
    if not cached:
        print("  (this saferoute wrote no site cache: both saferoute rows are the same work)")
    guessed = [line.strip() for line in said.splitlines()
               if "guess" in line.lower() or "warning" in line.lower()]
    for line in guessed:
        print(f"  saferoute said: {line}")
    teleports = sum("teleporting vehicle" in line.lower() for line in log.splitlines())
    jammed = sum("is jammed" in line for line in log.splitlines())
    a = read_saferoute(folder / f"saferoute-{pairs}")
    b = read_sumo(folder / f"sumo-{pairs}" / "tripinfo.xml", walkers=children)
    print_outputs(a, b, nominal_m=float(walkers["distance"].mean()))
    print(f"  SUMO: {teleports} vehicle teleports, {jammed} pedestrians reported jammed (the striping model "
          "lets them squeeze through; sumo.log with --keep)")
    return {"children": children, "saferoute": rows["saferoute"],
            "saferoute_cached": rows["saferoute, site cached"], "saferoute_wrote_cache": cached,
            "sumo_s": theirs, "sumo_median_s": median_theirs,
            "sumo_netgenerate_s": [p[0] for p in parts], "sumo_sim_s": [p[1] for p in parts],
            "target": target, "saferoute_said": guessed, "sumo_teleports": teleports,
            "sumo_jammed_pedestrians": jammed,
            "outputs": {"saferoute": asdict(a), "sumo": asdict(b)},
            "nominal_walk_m_mean": float(walkers["distance"].mean())}


def main() -> int:
    """Parse the options, prepare the inputs, run the pairs and print (and save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, nargs="+", default=[1500, 5000],
                        help="numbers of children (default 1500 5000)")
    parser.add_argument("--pairs", type=int, default=3, help="saferoute/SUMO pairs per number (default 3)")
    parser.add_argument("--json", type=Path, default=None, help="write every figure to this JSON file")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this (new or empty) folder and keep it (default: a temporary folder)")
    args = parser.parse_args()
    if args.pairs < 1 or any(n < 1 for n in args.children):
        parser.error("--pairs and --children must be at least 1")
    binaries = install_sumo()
    versions = describe_versions(binaries)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        if any(args.keep.iterdir()):
            parser.error(f"--keep {args.keep}: the folder is not empty")
        work = args.keep.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="bench-sumo-"))
    try:
        return bench(args, work=work, binaries=binaries, versions=versions)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def bench(args: argparse.Namespace, *, work: Path, binaries: Path, versions: dict[str, str]) -> int:
    """Prepare the inputs in ``work`` (untimed) and run every number of children."""
    homes = place_homes()
    osm = work / "grid.osm"
    write_osm(osm, homes)
    probe = work / "probe.net.xml"
    subprocess.run(build_netgenerate_command(binaries, probe), check=True, capture_output=True,
                   env=make_sumo_env(binaries))
    trim = read_trim(probe)
    distances = [h.distance_m for h in homes]
    print(f"saferoute {versions['saferoute']} ({versions['commit']}), {versions['sumo']}, "
          f"Python {versions['python']}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print(f"grid: {JUNCTIONS} x {JUNCTIONS} junctions ({JUNCTIONS - 1} x {JUNCTIONS - 1} blocks of "
          f"{BLOCK_M:.0f} m, {STUB_M:.0f} m stubs), 1 lane per direction, {SPEED_KMH:.0f} km/h, "
          f"{VPH:.0f} veh/h per direction on every street; signals at "
          f"{', '.join(name_junction(i, j) for i, j in SIGNALS)}")
    print(f"homes: {len(homes)} buildings {min(distances):.0f}–{max(distances):.0f} m from the gate "
          f"along the streets; period {PERIOD[0]}–{PERIOD[1]}, bell {BELL}; work folder {work}")
    print("traffic in saferoute: parameters traffic.peak_volume_per_lane {tertiary: 300} (every street "
          "is tertiary with one lane a direction) and a flat traffic.profile_factors")
    figures: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "versions": versions, "cores": os.cpu_count(),
        "load_start": os.getloadavg()[0], "pairs": args.pairs, "homes": len(homes), "runs": []}
    for children in args.children:
        print(f"\n{children:,} children, {args.pairs} pair(s), saferoute then SUMO:", flush=True)
        figures["runs"].append(bench_children(children, pairs=args.pairs, work=work, homes=homes,
                                              trim=trim, osm=osm, binaries=binaries))
    figures["load_end"] = os.getloadavg()[0]
    heads = ("children", "saferoute", "(cached)", "SUMO", "ratio", "(cached)")
    print("\n{:>9} {:>10} {:>9} {:>9} {:>7} {:>8}  target".format(*heads))
    for run in figures["runs"]:
        built, cached = run["saferoute"], run["saferoute_cached"]
        target = "" if run["target"] is None else (
            f"≤ {run['target']:.3f}: {built['verdict']} (cached: {cached['verdict']})")
        print(f"{run['children']:>9,} {built['median_s']:>8.2f} s {cached['median_s']:>7.2f} s "
              f"{run['sumo_median_s']:>7.2f} s {built['ratio']:>7.3f} {cached['ratio']:>8.3f}  {target}")
    floor = start_up_floor()
    figures["start_up_floor_s"] = floor
    print(f"saferoute's start-up floor: {floor:.2f} s (interpreter, `saferoute run`'s imports and numba's "
          "first call, no work; median of 3)")
    for run in figures["runs"]:
        if run["target"] is not None:
            budget = run["target"] * run["sumo_median_s"]
            print(f"  {run['children']:,} children: the target leaves {budget:.2f} s, {budget - floor:.2f} s "
                  "after the floor for the site, routes, the run and its tables")
    print(f"load average (1 min) at the end: {figures['load_end']:.2f}")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
