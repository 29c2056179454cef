"""Batch benchmark: throughput with 1 and 2 workers, overhead per run, memory over a long sweep.

Run from the repository root::

    .venv/bin/python benchmarks/bench_batch.py             # everything (about 4 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_batch.py --quick     # fewer runs (about 1.5 minutes)
    .venv/bin/python benchmarks/bench_batch.py --json bench-batch.json

1. **Throughput**: one sweep (default district, 300 children, N seeds) with 1
   worker (this process) and with 2 local worker processes; runs per second
   of the run phase (from the first run started to the last run written,
   including per-worker setting builds and pool start-up; the one-off table
   assembly is timed separately). Target: 2 workers >= 1.7x one.
2. **Overhead per run**: the same seeds run directly with
   :func:`simulator.runs.run_once` and as a one-worker batch in the same
   process; the difference per run is what the batch adds (setting cache
   lookup, Parquet serialisation, atomic writes with fsync, manifest, log,
   progress). Measured inside the batch (``run_once`` timed where the worker
   calls it) and against ``run_once`` alone. Target: <= 50 ms.
3. **Memory**: a long sweep (1,000 runs of a tiny setting: one superblock,
   5 children) on 2 workers; the resident memory of the batch process and of
   each worker is sampled as runs finish, then during the table assembly.
   Target: flat (no growth with the number of runs).

Figures and targets are printed as PASS/FAIL text, never asserted. Each
section runs in a fresh interpreter (this script with ``--section``), after a
two-run warm-up batch (imports and first-call costs are not per-run costs).
On a busy machine (load average above 0.5 on 2 cores) wall times are
inflated; the CPU-time figures printed beside them are the steadier ones.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
TARGET_RATIO = 1.7
TARGET_OVERHEAD_MS = 50.0
FLAT_MB = 20.0  # growth from 20% to 100% of the runs counted as "flat"
BUSY_LOAD = 0.5
MB = 1024.0 * 1024.0
SECTIONS = ("throughput", "overhead", "memory")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def load_note() -> str:
    load = os.getloadavg()[0]
    return f"load average {load:.2f}" + ("  (BUSY: other processes running, timings inflated)"
                                         if load > BUSY_LOAD else "")


def sweep(out: Path, *, seeds: int, children: int, tiny: bool = False) -> dict[str, Any]:
    network = {"synthetic": {"superblocks": [1, 1], "compounds_per_block": 1}} if tiny else {"synthetic": {}}
    return {"out": str(out), "seeds": seeds, "children": children, "networks": [network],
            "scenarios": [str(BASELINE)]}


def timed_batch(data: dict[str, Any], *, workers: int) -> dict[str, float]:
    """Run a sweep; wall times of the whole batch and of the table assembly alone."""
    from simulator.batch.api import execute_batch, prepare_batch, write_tables
    from simulator.batch.store import Store

    batch = prepare_batch(data, workers=workers)
    t = time.perf_counter()
    cpu_self = time.process_time()
    cpu_children = _children_cpu()
    execute_batch(batch, silent=True)
    total = time.perf_counter() - t
    cpu_self = time.process_time() - cpu_self
    cpu_children = _children_cpu() - cpu_children  # the worker processes, reaped when the pool closed
    (batch.out / "tables.json").unlink()
    t, c = time.perf_counter(), time.process_time()
    with Store(batch.out) as store:
        write_tables(store, batch.plan)
    tables, tables_cpu = time.perf_counter() - t, time.process_time() - c
    return {"total_s": total, "tables_s": tables, "runs_s": total - tables, "cpu_batch_s": cpu_self,
            "cpu_tables_s": tables_cpu, "cpu_runs_s": cpu_self - tables_cpu, "cpu_workers_s": cpu_children}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- 1. throughput ------------------------------------------------------------------------------
def bench_throughput(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    seeds = 12 if args.quick else 24
    print(f"\n1. Throughput: default district, 300 children, {seeds} seeds ({load_note()})")
    out: dict[str, Any] = {"runs": seeds}
    for workers in (1, 2):
        t = timed_batch(sweep(tmp / f"w{workers}", seeds=seeds, children=300), workers=workers)
        out[f"w{workers}"] = t | {"runs_per_s": seeds / t["runs_s"]}
        print(f"   {workers} worker(s): run phase {t['runs_s']:6.2f} s = {seeds / t['runs_s']:5.2f} runs/s;"
              f" tables {t['tables_s']:.2f} s; whole batch {t['total_s']:.2f} s")
    ratio = out["w2"]["runs_per_s"] / out["w1"]["runs_per_s"]
    whole = out["w1"]["total_s"] / out["w2"]["total_s"]
    # on two idle cores: one worker takes its CPU time; two share both cores with the batch process
    idle_1 = out["w1"]["cpu_runs_s"]
    batch_2 = out["w2"]["cpu_runs_s"]
    idle_2 = (batch_2 + out["w2"]["cpu_workers_s"]) / 2
    out |= {"ratio": ratio, "ratio_whole": whole, "ratio_idle_cores": idle_1 / idle_2, "target": TARGET_RATIO,
            "pass": ratio >= TARGET_RATIO}
    print(f"   2 workers / 1 worker: {ratio:.2f}x run phase, {whole:.2f}x whole batch "
          f"(target >= {TARGET_RATIO}x: {verdict(out['pass'])})")
    print(f"   CPU of the run phase: 1 worker {idle_1:.2f} s; 2 workers {out['w2']['cpu_workers_s']:.2f} s "
          f"in the workers + {batch_2:.2f} s in the batch process -> {idle_1 / idle_2:.2f}x on two idle "
          "cores")
    return out


# --- 2. overhead --------------------------------------------------------------------------------
def bench_overhead(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    import simulator.runs
    from simulator.experiment import built_site, setting_from_scenario
    from simulator.scenario import load_scenario

    run_once = simulator.runs.run_once
    seeds = 20 if args.quick else 40
    children = 150
    print(f"\n2. Overhead per run: default district, {children} children, {seeds} seeds, one worker "
          f"({load_note()})")
    scenario = load_scenario(BASELINE).model_copy(update={"children": children})
    build = time.perf_counter()
    site, network = built_site(scenario, origin="bench")
    setting = setting_from_scenario(scenario, site=site, network=network)
    build = time.perf_counter() - build  # what a worker does once per network and scenario, not per run
    run_once(setting, 0)  # warm-up

    def direct() -> float:
        t = time.perf_counter()
        for seed in range(1, seeds + 1):
            run_once(setting, seed)
        return time.perf_counter() - t

    # a) inside the batch: run_once timed where the worker calls it; the rest is the batch's own
    spent: list[float] = []

    def timed_run_once(setting: Any, seed: int) -> Any:
        t = time.perf_counter()
        result = run_once(setting, seed)
        spent.append(time.perf_counter() - t)
        return result

    first = direct()
    simulator.runs.run_once = timed_run_once  # execute_run looks it up at call time
    try:
        batch = timed_batch(sweep(tmp / "overhead", seeds=seeds, children=children), workers=1)
    finally:
        simulator.runs.run_once = run_once
    second = direct()
    inside = 1000 * (batch["runs_s"] - sum(spent) - build) / seeds
    # b) against run_once alone, before and after (differences of similar totals: noisier)
    sim = (first + second) / 2
    against = 1000 * (batch["runs_s"] - sim - build) / seeds
    in_batch = 1000 * sum(spent) / seeds
    out = {"runs": seeds, "run_once_ms": 1000 * sim / seeds, "run_once_in_batch_ms": in_batch,
           "batch_ms": 1000 * batch["runs_s"] / seeds, "setting_build_s": build, "overhead_ms": inside,
           "overhead_vs_alone_ms": against, "overhead_with_build_ms": inside + 1000 * build / seeds,
           "target_ms": TARGET_OVERHEAD_MS, "pass": inside <= TARGET_OVERHEAD_MS}
    passes = f"{1000 * first / seeds:.1f}, {1000 * second / seeds:.1f}"
    print(f"   run_once alone           {out['run_once_ms']:7.1f} ms/run (two passes: {passes})")
    print(f"   run_once inside a batch  {out['run_once_in_batch_ms']:7.1f} ms/run")
    print(f"   batch, per run           {out['batch_ms']:7.1f} ms/run (including one setting build, "
          f"{1000 * build:.0f} ms, done once per worker)")
    print(f"   overhead                 {inside:7.1f} ms/run beyond run_once inside the batch "
          f"(target <= {TARGET_OVERHEAD_MS:.0f} ms: {verdict(out['pass'])}); {against:.1f} ms/run against "
          f"run_once alone; {out['overhead_with_build_ms']:.1f} ms/run with the build spread over "
          f"{seeds} runs")
    return out


# --- 3. memory ----------------------------------------------------------------------------------
class Sampler(threading.Thread):
    """RSS of this process and of its worker processes, with the number of finished runs."""

    def __init__(self, log: Path) -> None:
        super().__init__(daemon=True)
        self.log = log
        self.samples: list[tuple[float, int, float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        started = time.monotonic()
        while not self.stop.is_set():
            done = 0
            if self.log.is_file():
                done = self.log.read_text(encoding="utf-8").count('"status": "done"')
            workers = [p.memory_info().rss for p in me.children(recursive=True) if p.is_running()]
            self.samples.append((time.monotonic() - started, done, me.memory_info().rss / MB,
                                 max(workers, default=0) / MB))
            self.stop.wait(0.25)


def bench_memory(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from simulator.batch.api import execute_batch, prepare_batch

    runs = 300 if args.quick else 1000
    print(f"\n3. Memory over {runs} runs: one superblock, 5 children, 2 workers ({load_note()})")
    batch = prepare_batch(sweep(tmp / "memory", seeds=runs, children=5, tiny=True), workers=2)
    sampler = Sampler(batch.out / "log.jsonl")
    sampler.start()
    t = time.perf_counter()
    execute_batch(batch, silent=True)
    wall = time.perf_counter() - t
    sampler.stop.set()
    sampler.join()
    samples = sampler.samples
    print(f"   {'runs done':>9} {'batch MiB':>10} {'worker MiB':>11}")
    table = []
    running = [s for s in samples if s[3] > 0]  # while the worker processes are there
    tables = [s for s in samples if s[1] >= runs and s[3] == 0]
    for step in range(1, 11):
        mark = runs * step // 10
        at = [s for s in running if s[1] >= mark] or running[-1:]
        _, done, parent, worker = at[0]
        table.append({"runs": done, "batch_mb": parent, "worker_mb": worker})
        print(f"   {done:>9} {parent:>10.1f} {worker:>11.1f}")
    early = next(r for r in table if r["runs"] >= runs // 5)
    growth_parent = table[-1]["batch_mb"] - early["batch_mb"]
    growth_worker = max(r["worker_mb"] for r in table) - early["worker_mb"]
    events = sum(1 for _ in (batch.out / "events.csv").open(encoding="utf-8")) - 1
    out = {"runs": runs, "wall_s": wall, "runs_per_s": runs / wall, "samples": table,
           "batch_peak_running_mb": max(s[2] for s in running) if running else None,
           "batch_peak_tables_mb": max(s[2] for s in tables) if tables else None,
           "growth_batch_mb": growth_parent, "growth_worker_mb": growth_worker,
           "events_rows": events, "flat_mb": FLAT_MB,
           "pass": growth_parent <= FLAT_MB and growth_worker <= FLAT_MB}
    print(f"   growth from {early['runs']} to {runs} runs: batch {growth_parent:+.1f} MiB, "
          f"workers {growth_worker:+.1f} MiB (target flat, <= {FLAT_MB:.0f} MiB: {verdict(out['pass'])})")
    print(f"   peak batch RSS while running {out['batch_peak_running_mb']:.1f} MiB, while assembling the "
          f"tables ({events} event rows, streamed run by run) {out['batch_peak_tables_mb'] or 0:.1f} MiB")
    print(f"   {runs} runs in {wall:.1f} s ({runs / wall:.1f} runs/s, tables included)")
    return out


# --- launcher -----------------------------------------------------------------------------------
def run_section(name: str, args: argparse.Namespace) -> dict[str, Any]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-batch-{name}-"))
    try:
        # one-off imports and first-call costs (Parquet, CSV, pyproj) are not per-run costs
        timed_batch(sweep(tmp / "warm-up", seeds=2, children=5, tiny=True), workers=1)
        return {"throughput": bench_throughput, "overhead": bench_overhead, "memory": bench_memory}[name](
            args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer runs")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    p.add_argument("--section", choices=SECTIONS, default=None, help=argparse.SUPPRESS)
    p.add_argument("--result", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.section:
        result = run_section(args.section, args)
        Path(args.result).write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
        return
    print(f"saferoute batch benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {load_note()}")
    results: dict[str, Any] = {}
    for name in SECTIONS:
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            cmd = [sys.executable, __file__, "--section", name, "--result", f.name]
            subprocess.run(cmd + (["--quick"] if args.quick else []), check=True)
            results[name] = json.loads(Path(f.name).read_text(encoding="utf-8"))
    summary = [("throughput 2 vs 1 worker", f"{results['throughput']['ratio']:.2f}x", "≥ 1.7x",
                results["throughput"]["pass"]),
               ("overhead per run", f"{results['overhead']['overhead_ms']:.1f} ms", "≤ 50 ms",
                results["overhead"]["pass"]),
               ("memory growth over the sweep", f"{results['memory']['growth_batch_mb']:+.1f} / "
                f"{results['memory']['growth_worker_mb']:+.1f} MiB", "flat", results["memory"]["pass"])]
    print("\nSummary")
    for label, value, target, ok in summary:
        print(f"   {label:<30} {value:>16}   target {target:<7} {verdict(ok)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
