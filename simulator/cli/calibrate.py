"""``saferoute calibrate``: fit the conflict-to-injury link to the casualty targets and check every target."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.common import add_work_options, check_work

PARAMETERS = Path(__file__).resolve().parents[1] / "data" / "parameters.yaml"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the command."""
    cal = sub.add_parser(
        "calibrate",
        help="fit calibration.link to the baseline casualty targets and compare every target",
        description="Run the default baseline at link 1, fit calibration.link to the severe-injury and "
                    "death targets (parameters.yaml), rerun at the fit and print every target (fitted or "
                    "held out) next to the model's value and 95%% interval, and the risk by way of crossing.",
    )
    add_work_options(cal, seeds_help="seeds of the baseline")
    cal.add_argument("--write", action="store_true",
                     help=f"write the fitted value into {PARAMETERS.name} (the package's parameter table)")
    cal.set_defaults(handler=calibrate)


def calibrate(args: argparse.Namespace) -> int:
    check_work(args)
    from simulator.calibration import calibrate as fit
    from simulator.calibration import write_link

    result = fit(seeds=range(1, args.seeds + 1), workers=args.workers)
    print(result.markdown())
    if args.write:
        write_link(PARAMETERS, result.link)
        print(f"\nwrote calibration.link = {result.link:.4g} to {PARAMETERS}")
    return 0
