"""``saferoute demo``, ``run`` and ``compare``: scenarios x seeds, a comparison table, results."""

from __future__ import annotations

import argparse
import gc
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.cli.common import add_work_options, check_work
from simulator.limits import MAX_RUNS, check_count
from simulator.metric import METRICS, ParameterLookup, calibration_note, per_year_note

HEADLINE = ("severe_per_100k_trips", "deaths_per_100k_trips", "severe_per_year", "deaths_per_year",
            "conflicts_per_100_trips", "wait_per_trip_s", "wait_p95_s", "late_pct",
            "unassisted_arterial_per_trip")
"""The figures of the comparison table (each line: the figure's short label and decimals)."""
NOTE_WIDTH = 100
"""Characters per line of the notes below the table."""
WHEN_PRESENT = {
    "forced_at_grade_per_no_stairs_trip": "no_stairs_trips_pct",
    "short_sight_crossings_pct": "short_sight_crossings_pct",
}
"""Figures added to the table only where they say something (children who cannot use stairs, parked cars):
each is shown when the figure it maps to is above 0 in any scenario."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register demo, run and compare."""
    demo = sub.add_parser("demo", help="baseline and alternatives on the default district or a map")
    demo.add_argument("--out", default="results/demo", help="results folder (default results/demo)")
    demo.set_defaults(handler=_demo)
    examples = sub.add_parser("scenarios", help="copy the example scenario files into a folder to edit them")
    examples.add_argument("--out", default="scenarios", help="folder to copy into (default ./scenarios)")
    examples.add_argument("--overwrite", action="store_true", help="replace files of the same name")
    examples.set_defaults(handler=_examples)
    run = sub.add_parser("run", help="run one scenario file")
    run.add_argument("scenario")
    run.set_defaults(handler=_run)
    compare = sub.add_parser("compare", help="compare alternatives with a baseline (paired, CRN)")
    compare.add_argument("baseline")
    compare.add_argument("alternatives", nargs="+")
    compare.set_defaults(handler=_compare)
    for q in (run, compare):
        q.add_argument("--out", default=None, help="results folder (default results/<name>)")
    for q in (demo, run, compare):
        add_work_options(q, seeds_help="replications per scenario")
        q.add_argument("--csv", action="store_true",
                       help="write the per-event table as events.csv (default events.parquet)")
        q.add_argument("--map", default=None,
                       help="an OSM (.osm, .osm.bz2) or GraphML file instead of the scenario's site")
        q.add_argument("--school", default=None, help="school name or id on --map")
        q.add_argument("--catchment", type=float, default=None, help="catchment radius, m (default 1000)")


def _check_counts(args: argparse.Namespace) -> None:
    from simulator.errors import ScenarioError

    check_work(args)
    if args.school is not None and args.map is None:
        msg = "--school: only allowed with --map (the synthetic district has one school)"
        raise ScenarioError(msg)


def site_override(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``site`` mapping that --map/--school/--catchment ask for, if any."""
    if args.map is None:
        return None
    site: dict[str, Any] = {"map": str(Path(args.map).absolute())}
    if args.school is not None:
        site["school"] = args.school
    if args.catchment is not None:
        site["catchment_m"] = args.catchment
    return site


def _execute(prepare, args: argparse.Namespace, *, out: str) -> int:
    _check_counts(args)
    started = time.perf_counter()
    settings, scenarios = prepare()
    gc.freeze()  # the settings live as long as this command: not rescanned by the collector at every run
    check_count(len(settings) * args.seeds, option="scenarios x --seeds", limit=MAX_RUNS, force=args.yes)
    # the engine's imports are slow: bad scenario files are reported before them
    from simulator.results import check_out_folder, clean_leftovers, write_results
    from simulator.runs import paired_differences, run_many, summary_table

    clean_leftovers(out)
    check_out_folder(out)
    from simulator.network.walk import coverage_warning

    for warning in dict.fromkeys(filter(None, (coverage_warning(s.network) for s in settings))):
        print(f"saferoute: warning: {warning}", file=sys.stderr)
    seeds = list(range(1, args.seeds + 1))
    print(f"running {len(settings)} scenario(s) x {len(seeds)} seeds on {args.workers} worker(s)...",
          file=sys.stderr)
    results = run_many(settings, seeds, workers=args.workers)
    folder = write_results(results, out, settings=settings, seeds=seeds, scenarios=scenarios,
                           events="csv" if args.csv else "parquet")
    import pandas as pd

    from simulator.guesses import guesses_of

    baseline = [r.events for r in results if r.scenario == settings[0].name]
    print(guesses_of(settings[0].network, events=pd.concat(baseline)).line("en"))
    print(format_comparison(summary_table(results), paired_differences(results, baseline=settings[0].name),
                            params=settings[0].params))
    print(f"\nresults written to {folder} ({time.perf_counter() - started:.1f} s)")
    return 0


def _files(paths: Sequence[str | Path], args: argparse.Namespace, *, out: str) -> int:
    from simulator.experiment import settings_from_files

    return _execute(lambda: settings_from_files(paths, site=site_override(args)), args, out=out)


def _demo(args: argparse.Namespace) -> int:
    from simulator.demo import demo_scenario_files, demo_settings_for_map

    site = site_override(args)
    if site is None:
        return _files(demo_scenario_files(), args, out=args.out)
    return _execute(lambda: demo_settings_for_map(site, workers=args.workers), args, out=args.out)


def _examples(args: argparse.Namespace) -> int:
    from simulator.scenario.examples import copy_examples

    written = copy_examples(args.out, overwrite=args.overwrite)
    print(f"{len(written)} example files copied to {Path(args.out)}: "
          f"{', '.join(p.name for p in written)}")
    print(f"try: saferoute compare {Path(args.out) / 'baseline.yaml'} {Path(args.out) / 'guard-posts.yaml'}")
    return 0


def _run(args: argparse.Namespace) -> int:
    return _files([args.scenario], args, out=args.out or f"results/{Path(args.scenario).stem}")


def _compare(args: argparse.Namespace) -> int:
    paths = [args.baseline, *args.alternatives]
    return _files(paths, args, out=args.out or f"results/{Path(args.baseline).stem}-compare")


def format_comparison(summary, diffs, *, params: ParameterLookup) -> str:
    """A plain-text table: each scenario's figures (mean [95% CI]) and the change from the baseline.

    The change (and its percentage, with the ratio's interval) is shown only
    when there are alternatives; an interval from one seed is "[—]", and a
    line says why. Below it: how the casualties a year are made and how the
    risk is calibrated and how uncertain it is (from ``params``, the
    baseline's parameter table).
    """
    from simulator.intervals import ONE_SEED, WITHIN_NOISE, bracket_text, percent_text

    compared = len(diffs) > 0
    lines = ["Scenario means over seeds [95% CI]"
             + ("; change vs baseline (paired, common random numbers)" if compared else "")]
    present = summary.groupby("metric")["mean"].max()
    shown = [*HEADLINE, *(key for key, when in WHEN_PRESENT.items()
                          if key in present.index and present.get(when, 0.0) > 0)]
    for name in dict.fromkeys(summary["scenario"]):
        lines.append(f"\n{name}")
        for key in shown:
            label, nd = METRICS[key].short, METRICS[key].decimals
            row = summary[(summary["scenario"] == name) & (summary["metric"] == key)].iloc[0]
            text = f"  {label:<26} {row['mean']:>9.{nd}f} " + bracket_text(row["ci_low"], row["ci_high"],
                                                                             decimals=nd)
            d = diffs[(diffs["scenario"] == name) & (diffs["metric"] == key)] if compared else diffs
            if len(d):
                r = d.iloc[0]
                change = bracket_text(r["ci_low"], r["ci_high"], decimals=nd, sign=True)
                pct = percent_text(r["pct"], r["pct_low"], r["pct_high"])
                verdict = "" if r["significant"] else f"  ({WITHIN_NOISE.en})"
                text += f"   change {r['diff']:+.{nd}f} {change}{pct}{verdict}"
            lines.append(text)
    lines.append("")
    if (summary["seeds"] < 2).any():
        lines.append(ONE_SEED.en)
    lines += [textwrap.fill(note(params, "en"), width=NOTE_WIDTH)
              for note in (per_year_note, calibration_note)]
    return "\n".join(lines)
