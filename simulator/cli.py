"""The ``saferoute`` command: demo, run, compare, validate."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

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
MAX_FLOW = 10000
MAX_LENGTH = 100
MAX_HCM_WAIT = 3600


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line, like every other bad-input error."""

    def error(self, message: str) -> NoReturn:
        """Print ``saferoute: error: <message>`` on one line and exit with status 2."""
        text = " ".join(message.split())
        self.exit(EXIT_BAD_INPUT, f"saferoute: error: {text} (see: {self.prog} --help)\n")


def _whole(text: str) -> int:
    """A whole-number option value, or a one-line error naming the value."""
    try:
        return int(text)
    except ValueError:
        msg = f"{text!r} is not allowed (allowed: a whole number)"
        raise argparse.ArgumentTypeError(msg) from None


def _number(text: str) -> float:
    """A numeric option value, or a one-line error naming the value."""
    try:
        return float(text)
    except ValueError:
        msg = f"{text!r} is not allowed (allowed: a number)"
        raise argparse.ArgumentTypeError(msg) from None


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="saferoute", description="Safe-route school travel simulator.")
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="baseline and alternatives on the default district")
    demo.add_argument("--seeds", type=_whole, default=10,
                      help="replications per scenario (default 10)")
    demo.add_argument("--out", default="results/demo", help="results folder (default results/demo)")
    demo.add_argument("--workers", type=_whole, default=2, help="worker processes (default 2)")
    run = sub.add_parser("run", help="run one scenario file")
    run.add_argument("scenario")
    compare = sub.add_parser("compare", help="compare alternatives with a baseline (paired, CRN)")
    compare.add_argument("baseline")
    compare.add_argument("alternatives", nargs="+")
    for q in (run, compare):
        q.add_argument("--seeds", type=_whole, default=10, help="replications (default 10)")
        q.add_argument("--out", default=None, help="results folder (default results/<name>)")
        q.add_argument("--workers", type=_whole, default=2, help="worker processes (default 2)")
    val = sub.add_parser("validate", help="check the kerb model against HCM closed forms")
    val.add_argument("--flow", type=_number, help="total vehicle flow, veh/h")
    val.add_argument("--length", type=_number, help="crossing length, m")
    val.add_argument("--walk-speed", type=_number, default=1.07, help="m/s (default 1.07)")
    val.add_argument("--startup", type=_number, default=3.0,
                     help="start-up time t_s, s (default 3)")
    val.add_argument("--yield-rate", type=_number, default=0.0,
                     help="driver yield probability 0..1")
    val.add_argument("--signal", default=None, help="CYCLE,GREEN in seconds")
    val.add_argument("--crossings", type=_whole, default=5000, help="pedestrians simulated")
    val.add_argument("--seed", type=_whole, default=1)
    val.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``saferoute`` console script."""
    args = _parser().parse_args(argv)
    try:
        return {"demo": _demo, "run": _run, "compare": _compare, "validate": _validate}[args.command](args)
    except SaferouteError as exc:
        print("saferoute: error: " + " ".join(str(exc).splitlines()), file=sys.stderr)
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

    _check_counts(args)
    started = time.perf_counter()
    settings, scenarios = settings_from_files(paths)
    # the engine's imports are slow: bad scenario files are reported before them
    from simulator.results import check_out_folder, write_results
    from simulator.runs import paired_differences, run_many, summary_table

    check_out_folder(out)
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

    if args.flow is None and args.length is None:
        from simulator.validation import STANDARD_CASES, simulate_case

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

    def check(option: str, value: float | None, ok: bool, allowed: str) -> None:
        if value is None:
            problems.append(f"{option}: missing (allowed: {allowed})")
        elif not math.isfinite(value) or not ok:
            problems.append(f"{option}: {value:g} is not allowed (allowed: {allowed})")

    check("--flow", args.flow, args.flow is not None and 0 <= args.flow <= MAX_FLOW,
          f"a number 0–{MAX_FLOW} veh/h")
    check("--length", args.length, args.length is not None and 0 < args.length <= MAX_LENGTH,
          f"a number > 0 and <= {MAX_LENGTH} m")
    check("--walk-speed", args.walk_speed, 0 < args.walk_speed <= 5, "a number > 0 and <= 5 m/s")
    check("--startup", args.startup, 0 <= args.startup <= 60, "a number 0–60 s")
    check("--yield-rate", args.yield_rate, 0 <= args.yield_rate <= 1, "a number 0–1")
    if not 2 <= args.crossings <= 1_000_000:
        problems.append(f"--crossings: {args.crossings} is not allowed "
                        "(allowed: a whole number 2–1000000)")
    if args.seed < 0:
        problems.append(f"--seed: {args.seed} is not allowed (allowed: a whole number >= 0)")
    signal = None
    if args.signal:
        try:
            cycle, green = (float(x) for x in args.signal.split(","))
            if not (0 < green < cycle <= 600):
                raise ValueError
            signal = (cycle, green)
        except ValueError:
            problems.append(f"--signal: {args.signal!r} is not allowed "
                            "(allowed: CYCLE,GREEN in seconds with 0 < GREEN < CYCLE <= 600)")
    if problems:
        raise ScenarioError("; ".join(problems))
    from simulator.validation import CrossingCase, hcm_unsignalised_delay, simulate_case

    if signal is None:
        # the kerb model waits for a gap: an HCM wait of hours would run for hours
        tc = args.length / args.walk_speed + args.startup
        vt = args.flow / 3600 * tc
        wait = hcm_unsignalised_delay(args.flow, tc)[0] if vt < 700 else math.inf
        if wait > MAX_HCM_WAIT:
            msg = (f"--flow {args.flow:g} with --length {args.length:g}: the HCM wait for a gap is "
                   f"{wait:.3g} s (allowed: a flow and crossing whose HCM wait is at most "
                   f"{MAX_HCM_WAIT} s)")
            raise ScenarioError(msg)
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
