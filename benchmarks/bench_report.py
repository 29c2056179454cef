"""Report benchmark: the school-route safety report (HTML and PDF) from existing results.

Run from the repository root::

    .venv/bin/python benchmarks/bench_report.py                      # demo results made first (about 2 min)
    .venv/bin/python benchmarks/bench_report.py --results results/demo [--results OTHER ...]
    .venv/bin/python benchmarks/bench_report.py --quick              # the default district only

Without ``--results`` the demo (7 scenarios, ``--seeds`` replications) is
run first on the default district and on the real map of
``../shared/data/osm`` (skipped with ``--quick`` or when the map is absent);
making the results is not timed. For each results folder the report is
built as a user would: a fresh interpreter (imports included) writes the
HTML and the PDF in one call of ``build_reports``. It is timed three times;
the target (15 s for HTML and PDF together) is judged on the fastest and
printed as PASS/FAIL text, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OSM = ROOT.parent / "shared" / "data" / "osm" / "beijing_haidian_xueyuan_cau.osm.bz2"
SCHOOL = "中国农业大学附属实验小学"
TARGET_S = 15.0
REPEATS = 3
BUILD = """
import sys, time
started = time.perf_counter()
from simulator.report import build_reports
imported = time.perf_counter()
build_reports(sys.argv[1], lang="zh", formats=("html", "pdf"), outs={"html": sys.argv[2], "pdf": sys.argv[3]})
print(imported - started, time.perf_counter() - imported)
"""


def make_results(out: Path, *, seeds: int, osm: bool) -> Path:
    """Run the demo (not timed) into ``out``."""
    command = [str(ROOT / ".venv" / "bin" / "saferoute"), "demo", "--seeds", str(seeds), "--out", str(out)]
    if osm:
        command += ["--map", str(OSM), "--school", SCHOOL]
    print(f"making results: {' '.join(command[1:])}", flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return out


def time_report(results: Path, work: Path) -> tuple[float, float, float, int]:
    """Wall time of HTML + PDF in a fresh interpreter: (total, imports, build), and the PDF size."""
    html, pdf = work / "report.html", work / "report.pdf"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BUILD, str(results), str(html), str(pdf)], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    total = time.perf_counter() - started
    imports, build = (float(x) for x in done.stdout.split())
    return total, imports, build, pdf.stat().st_size


def main() -> int:
    """Time the report for each results folder and print the figures with PASS/FAIL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", action="append", type=Path, default=None, help="a results folder")
    parser.add_argument("--seeds", type=int, default=3, help="demo seeds when results are made (default 3)")
    parser.add_argument("--quick", action="store_true", help="default district only")
    args = parser.parse_args()
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}  cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        work = Path(tmp)
        folders = args.results or [make_results(work / "district", seeds=args.seeds, osm=False)]
        if not args.results and not args.quick and OSM.is_file():
            folders.append(make_results(work / "map", seeds=args.seeds, osm=True))
        for folder in folders:
            times = [time_report(folder, work) for _ in range(REPEATS)]
            best = min(times)
            median = statistics.median(t[0] for t in times)
            verdict = "PASS" if best[0] <= TARGET_S else "FAIL"
            print(f"\n{folder}")
            print(f"  HTML + PDF, fresh interpreter: min {best[0]:.1f} s, median {median:.1f} s "
                  f"(imports {best[1]:.1f} s, build {best[2]:.1f} s); PDF {best[3] / 1e6:.1f} MB")
            print(f"  target <= {TARGET_S:.0f} s: {verdict}")
    print(f"\nload average (1 min): {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
