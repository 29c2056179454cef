"""Walk-graph benchmark: build and attach on a 2,000-street grid (moved here from the tests).

Run from the repository root::

    .venv/bin/python benchmarks/bench_walk.py [--repeat 5]

Builds the walk graph of a 32 x 32 grid of streets (1,984 streets, every
fourth an arterial with signals; the grid of ``tests/test_walk.py``), then
attaches a school and 2,000 homes. Prints min and median seconds of each step
over the repeats and the targets (build < 1 s; attaching adds < 1 s) as
PASS/FAIL text, never asserted: a busy machine makes times, not failures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_walk import grid  # the tests' grid builder: one copy

from simulator.network.site import Home, School, Site
from simulator.network.walk import build_walk_graph, walk_network_from_site

TARGET_BUILD_S = 1.0
TARGET_ATTACH_S = 1.0


def main() -> int:
    """Time the grid's walk graph and the attaching of 2,000 homes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (default 5)")
    args = parser.parse_args()
    g = grid(32)
    xy = np.random.default_rng(1).uniform(0, 3100, size=(2000, 2))
    homes = tuple(Home(f"h{i}", x, y) for i, (x, y) in enumerate(xy))
    site = Site(g, School("Grid School", 1550, 1530), homes)
    built, attached = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        build_walk_graph(g)
        built.append(time.perf_counter() - start)
        start = time.perf_counter()
        walk_network_from_site(site)
        attached.append(time.perf_counter() - start - built[-1])
    for label, times, target in (("build walk graph", built, TARGET_BUILD_S),
                                 ("attach 2,000 homes (beyond the build)", attached, TARGET_ATTACH_S)):
        verdict = "PASS" if min(times) < target else "FAIL"
        print(f"{label:<40} min {min(times):6.3f} s  median {statistics.median(times):6.3f} s  "
              f"target < {target:.1f} s: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
