"""Benchmark: recommending K = 6 护学岗 guard posts on the default district (target <= 2 minutes).

Run: ``.venv/bin/python benchmarks/bench_recommend.py [--staff 6] [--seeds 10] [--workers 2]``.
Prints the wall time, the number of simulated runs and the posts chosen.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable without installing
    sys.path.insert(0, str(ROOT))

from simulator.recommend import Evaluator, base_scenario, recommend_guards  # noqa: E402

TARGET_S = 120.0


def main() -> None:
    """Time one guard recommendation and print the figures against the target."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--staff", type=int, default=6)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--fresh-workers", action="store_true",
                    help="new worker processes for every step, keeping no seed (as before issue 15, step 4)")
    args = ap.parse_args()
    start = time.perf_counter()
    seeds = tuple(range(1, args.seeds + 1))
    with Evaluator(base_scenario(None, site=None), seeds=seeds, workers=args.workers,
                   keep_workers=not args.fresh_workers) as ev:  # as `saferoute recommend guards` runs it
        picks, _ = recommend_guards(ev, staff=args.staff)
    wall = time.perf_counter() - start
    runs = sum(len(v) for v in ev.results.values())
    load = os.getloadavg()[0]
    print(
        f"guard placement K={args.staff}, {args.seeds} seeds, {args.workers} workers"
        f"{' (fresh for every step)' if args.fresh_workers else ''} "
        f"(load {load:.1f} on {os.cpu_count()} cores)"
    )
    print(
        f"  wall {wall:.1f} s for {runs} runs ({wall / runs:.2f} s per run); target <= {TARGET_S:.0f} s: "
        f"{'PASS' if wall <= TARGET_S else 'FAIL'}"
    )
    for k, p in enumerate(picks, 1):
        print(
            f"  {k}. {p.crossing:<10} {p.hours}  change {p.change:+.2f} [{p.ci_low:+.2f}, {p.ci_high:+.2f}] "
            f"severe/100k trips, cumulative {p.cumulative:+.2f}"
        )


if __name__ == "__main__":
    main()
