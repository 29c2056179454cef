"""``saferoute validate``: the kerb model against the HCM closed forms."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from simulator.cli.common import number, whole

MAX_FLOW = 10000
MAX_LENGTH = 100
MAX_HCM_WAIT = 3600


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the command."""
    val = sub.add_parser("validate", help="check the kerb model against HCM closed forms")
    val.add_argument("--flow", type=number, help="total vehicle flow, veh/h")
    val.add_argument("--length", type=number, help="crossing length, m")
    val.add_argument("--walk-speed", type=number, default=1.07, help="m/s (default 1.07)")
    val.add_argument("--startup", type=number, default=3.0, help="start-up time t_s, s (default 3)")
    val.add_argument("--yield-rate", type=number, default=0.0, help="driver yield probability 0..1")
    val.add_argument("--signal", default=None, help="CYCLE,GREEN in seconds")
    val.add_argument("--crossings", type=whole, default=5000, help="pedestrians simulated")
    val.add_argument("--seed", type=whole, default=1)
    val.add_argument("--json", action="store_true", help="print one JSON object")
    val.set_defaults(handler=validate)


def validate(args: argparse.Namespace) -> int:
    from simulator.errors import ScenarioError

    if args.flow is None and args.length is None:
        from simulator.validation import STANDARD_CASES, Z_LIMIT, simulate_case

        rows: list[dict[str, Any]] = []
        for case in STANDARD_CASES:
            r = simulate_case(case)
            rows.append(r.as_dict() | {"signal": case.signal, "z": r.z, "passed": r.passed})
            kind = f"signal C={case.signal[0]:.0f} g={case.signal[1]:.0f}" if case.signal else "unsignalised"
            z = math.nan if r.z is None else r.z
            print(
                f"{kind:<24} flow {case.flow:>5.0f} veh/h  L {case.length:>5.1f} m  "
                f"simulated {r.mean_delay_s:7.2f} ± {r.stderr_s:.2f} s  HCM {r.closed_form_delay_s:7.2f} s  "
                f"z = {z:+.2f}"
                + (
                    f"  P(wait) {r.p_wait:.3f} vs {r.closed_form_p_wait:.3f}"
                    if r.closed_form_p_wait is not None
                    else ""
                )
                + f"  {_verdict(r.passed)}"
            )
        checked = [row for row in rows if row["passed"] is not None]  # a case without a closed form: "—"
        passed = sum(bool(row["passed"]) for row in checked)
        print(f"{'PASS' if passed == len(checked) else 'FAIL'}: {passed} of {len(checked)} cases within "
              f"{Z_LIMIT:g} standard errors of the HCM closed form (mean pedestrian delay)")
        if args.json:
            print(json.dumps(rows))
        return 0 if passed == len(checked) else 1
    problems = []

    def check(option: str, value: float | None, ok: bool, allowed: str) -> None:
        if value is None:
            problems.append(f"{option}: missing (allowed: {allowed})")
        elif not math.isfinite(value) or not ok:
            problems.append(f"{option}: {value:g} is not allowed (allowed: {allowed})")

    check(
        "--flow",
        args.flow,
        args.flow is not None and 0 <= args.flow <= MAX_FLOW,
        f"a number 0–{MAX_FLOW} veh/h",
    )
    check(
        "--length",
        args.length,
        args.length is not None and 0 < args.length <= MAX_LENGTH,
        f"a number > 0 and <= {MAX_LENGTH} m",
    )
    check("--walk-speed", args.walk_speed, 0 < args.walk_speed <= 5, "a number > 0 and <= 5 m/s")
    check("--startup", args.startup, 0 <= args.startup <= 60, "a number 0–60 s")
    check("--yield-rate", args.yield_rate, 0 <= args.yield_rate <= 1, "a number 0–1")
    if not 2 <= args.crossings <= 1_000_000:
        problems.append(f"--crossings: {args.crossings} is not allowed (allowed: a whole number 2–1000000)")
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
            problems.append(
                f"--signal: {args.signal!r} is not allowed "
                "(allowed: CYCLE,GREEN in seconds with 0 < GREEN < CYCLE <= 600)"
            )
    if problems:
        raise ScenarioError("; ".join(problems))
    from simulator.validation import Z_LIMIT, CrossingCase, hcm_unsignalised_delay, simulate_case

    if signal is None:
        # the kerb model waits for a gap: an HCM wait of hours would run for hours
        tc = args.length / args.walk_speed + args.startup
        vt = args.flow / 3600 * tc
        wait = hcm_unsignalised_delay(args.flow, tc)[0] if vt < 700 else math.inf
        if wait > MAX_HCM_WAIT:
            msg = (
                f"--flow {args.flow:g} with --length {args.length:g}: the HCM wait for a gap is "
                f"{wait:.3g} s (allowed: a flow and crossing whose HCM wait is at most "
                f"{MAX_HCM_WAIT} s)"
            )
            raise ScenarioError(msg)
    case = CrossingCase(
        flow=args.flow,
        length=args.length,
        walk_speed=args.walk_speed,
        startup=args.startup,
        yield_rate=args.yield_rate,
        signal=signal,
        crossings=args.crossings,
        seed=args.seed,
    )
    r = simulate_case(case)
    if args.json:
        print(json.dumps(r.as_dict() | {"z": r.z, "passed": r.passed}))
    else:
        for k, v in r.as_dict().items():
            print(f"{k:<22} {v}")
        if r.z is None:
            print("not checked: the HCM has no closed form with yielding drivers (--yield-rate > 0)")
        else:
            print(f"{_verdict(r.passed)}: simulated mean delay {r.z:+.2f} standard errors from the HCM "
                  f"closed form (pass: within {Z_LIMIT:g})")
    return 1 if r.passed is False else 0


def _verdict(passed: bool | None) -> str:
    return "—" if passed is None else ("PASS" if passed else "FAIL")
