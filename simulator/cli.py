"""The ``saferoute`` command: demo, run, compare, validate."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from simulator.errors import SaferouteError

EXIT_BAD_INPUT = 2
HEADLINE = (
    ("severe_per_100k_trips", "severe/100k trips", 2),
    ("conflicts_per_100_trips", "conflicts/100 trips", 1),
    ("wait_per_trip_s", "wait/trip s", 1),
    ("wait_p95_s", "p95 wait s", 1),
    ("late_pct", "late %", 1),
    ("unassisted_arterial_per_trip", "unassisted arterial/trip", 3),
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="saferoute", description="Safe-route school travel simulator.")
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="baseline and alternatives on the default district")
    demo.add_argument("--seeds", type=int, default=10, help="replications per scenario (default 10)")
    demo.add_argument("--out", default="results/demo", help="results folder (default results/demo)")
    demo.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    run = sub.add_parser("run", help="run one scenario file")
    run.add_argument("scenario")
    compare = sub.add_parser("compare", help="compare alternatives with a baseline (paired, CRN)")
    compare.add_argument("baseline")
    compare.add_argument("alternatives", nargs="+")
    for q in (run, compare):
        q.add_argument("--seeds", type=int, default=10, help="replications (default 10)")
        q.add_argument("--out", default=None, help="results folder (default results/<name>)")
        q.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    val = sub.add_parser("validate", help="check the kerb model against HCM closed forms")
    val.add_argument("--flow", type=float, help="total vehicle flow, veh/h")
    val.add_argument("--length", type=float, help="crossing length, m")
    val.add_argument("--walk-speed", type=float, default=1.07, help="m/s (default 1.07)")
    val.add_argument("--startup", type=float, default=3.0, help="start-up time t_s, s (default 3)")
    val.add_argument("--yield-rate", type=float, default=0.0, help="driver yield probability 0..1")
    val.add_argument("--signal", default=None, help="CYCLE,GREEN in seconds")
    val.add_argument("--crossings", type=int, default=5000, help="pedestrians simulated")
    val.add_argument("--seed", type=int, default=1)
    val.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``saferoute`` console script."""
    args = _parser().parse_args(argv)
    try:
        return {"demo": _demo, "run": _run, "compare": _compare, "validate": _validate}[args.command](args)
    except SaferouteError as exc:
        print(f"saferoute: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("saferoute: interrupted; nothing was written", file=sys.stderr)
        return 130


def _check_counts(args: argparse.Namespace) -> None:
    from simulator.errors import ScenarioError

    if args.seeds < 1:
        msg = f"--seeds: {args.seeds} is not allowed (allowed: a whole number >= 1)"
        raise ScenarioError(msg)
    if args.workers < 1:
        msg = f"--workers: {args.workers} is not allowed (allowed: a whole number >= 1)"
        raise ScenarioError(msg)


def _compare_files(paths: Sequence[str], args: argparse.Namespace, *, out: str) -> int:
    from simulator.experiment import settings_from_files
    from simulator.results import write_results
    from simulator.runs import paired_differences, run_many, summary_table

    _check_counts(args)
    started = time.perf_counter()
    settings, scenarios = settings_from_files(paths)
    seeds = list(range(1, args.seeds + 1))
    print(f"running {len(settings)} scenario(s) x {len(seeds)} seeds on {args.workers} worker(s)...",
          file=sys.stderr)
    results = run_many(settings, seeds, workers=args.workers)
    folder = write_results(results, out, settings=settings, seeds=seeds, scenarios=scenarios)
    print(format_comparison(summary_table(results), paired_differences(results, baseline=settings[0].name)))
    print(f"\nresults written to {folder} ({time.perf_counter() - started:.1f} s)")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from simulator.experiment import demo_scenario_files

    return _compare_files(demo_scenario_files(), args, out=args.out)


def _run(args: argparse.Namespace) -> int:
    return _compare_files([args.scenario], args, out=args.out or f"results/{Path(args.scenario).stem}")


def _compare(args: argparse.Namespace) -> int:
    paths = [args.baseline, *args.alternatives]
    return _compare_files(paths, args, out=args.out or f"results/{Path(args.baseline).stem}-compare")


def format_comparison(summary, diffs) -> str:
    """A plain-text table: each scenario's figures (mean [95% CI]) and the change from the baseline."""
    lines = []
    names = list(dict.fromkeys(summary["scenario"]))
    lines.append("Scenario means over seeds, [95% CI]; change vs baseline (paired, common random numbers)")
    for name in names:
        lines.append(f"\n{name}")
        for key, label, nd in HEADLINE:
            row = summary[(summary["scenario"] == name) & (summary["metric"] == key)].iloc[0]
            text = f"  {label:<26} {row['mean']:>9.{nd}f} [{row['ci_low']:.{nd}f}, {row['ci_high']:.{nd}f}]"
            if len(diffs):
                d = diffs[(diffs["scenario"] == name) & (diffs["metric"] == key)]
                if len(d):
                    r = d.iloc[0]
                    verdict = "" if r["significant"] else "  (within noise)"
                    text += (f"   change {r['diff']:+.{nd}f} [{r['ci_low']:+.{nd}f}, {r['ci_high']:+.{nd}f}]"
                             f"{verdict}")
            lines.append(text)
    return "\n".join(lines)


def _validate(args: argparse.Namespace) -> int:
    from simulator.errors import ScenarioError
    from simulator.validation import STANDARD_CASES, CrossingCase, simulate_case

    if args.flow is None and args.length is None:
        rows = []
        for case in STANDARD_CASES:
            r = simulate_case(case)
            z = (r.mean_delay_s - r.closed_form_delay_s) / r.stderr_s if r.closed_form_delay_s else float("nan")
            rows.append(r.as_dict() | {"signal": case.signal, "z": z})
            kind = f"signal C={case.signal[0]:.0f} g={case.signal[1]:.0f}" if case.signal else "unsignalised"
            print(f"{kind:<24} flow {case.flow:>5.0f} veh/h  L {case.length:>5.1f} m  "
                  f"simulated {r.mean_delay_s:7.2f} ± {r.stderr_s:.2f} s  HCM {r.closed_form_delay_s:7.2f} s  "
                  f"z = {z:+.2f}" + (f"  P(wait) {r.p_wait:.3f} vs {r.closed_form_p_wait:.3f}"
                                     if r.closed_form_p_wait is not None else ""))
        if args.json:
            print(json.dumps(rows))
        return 0 if all(abs(r["z"]) < 3 for r in rows) else 1
    problems = []
    if args.flow is None or args.flow < 0:
        problems.append(f"--flow: {args.flow} is not allowed (allowed: a number >= 0 veh/h)")
    if args.length is None or args.length <= 0:
        problems.append(f"--length: {args.length} is not allowed (allowed: a number > 0 m)")
    if args.walk_speed <= 0:
        problems.append(f"--walk-speed: {args.walk_speed} is not allowed (allowed: > 0 m/s)")
    if not 0 <= args.yield_rate <= 1:
        problems.append(f"--yield-rate: {args.yield_rate} is not allowed (allowed: 0..1)")
    if args.crossings < 2:
        problems.append(f"--crossings: {args.crossings} is not allowed (allowed: >= 2)")
    signal = None
    if args.signal:
        try:
            cycle, green = (float(x) for x in args.signal.split(","))
            if not 0 < green < cycle:
                raise ValueError
            signal = (cycle, green)
        except ValueError:
            problems.append(f"--signal: {args.signal!r} is not allowed (allowed: CYCLE,GREEN with 0 < GREEN < CYCLE)")
    if problems:
        raise ScenarioError("; ".join(problems))
    case = CrossingCase(flow=args.flow, length=args.length, walk_speed=args.walk_speed, startup=args.startup,
                        yield_rate=args.yield_rate, signal=signal, crossings=args.crossings, seed=args.seed)
    r = simulate_case(case)
    if args.json:
        print(json.dumps(r.as_dict()))
    else:
        for k, v in r.as_dict().items():
            print(f"{k:<22} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
