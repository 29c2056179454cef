"""``saferoute batch SWEEP``: every network x scenario x seed of a sweep file, resumable.

Exit codes: 0 every run finished; 1 some runs failed (each is in
``index.csv`` with its error; rerun the same command to retry them), or the
Dask cluster had no live worker for ``--no-workers-timeout`` seconds (finished
runs are kept; rerun the same command to finish); 2 bad input, including
more workers than cores or more runs than allowed without ``--yes`` (nothing
was run or written); 130 interrupted (finished runs are kept; rerun the same
command to finish).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import textwrap
from types import FrameType
from typing import TYPE_CHECKING

from simulator.batch.cluster import NO_WORKERS_TIMEOUT_S, StalledError
from simulator.batch.progress import LOG_EVERY_S
from simulator.cli.common import number, whole
from simulator.cli.runs import NOTE_WIDTH
from simulator.errors import SweepError
from simulator.limits import MAX_RUNS, machine_cores

if TYPE_CHECKING:
    from simulator.batch.plan import Plan
    from simulator.params import Parameters

EXIT_FAILED_RUNS = 1
EXIT_INTERRUPTED = 130
TOP_SCHOOLS = 5


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register batch."""
    p = sub.add_parser("batch", help="run a sweep file: networks x scenarios x seeds (resumable)",
                       description="Run every network x scenario x seed of a sweep file. Finished runs are "
                                   "kept: the same command resumes a killed batch.")
    p.add_argument("sweep", help="the sweep file (YAML)")
    p.add_argument("--workers", type=whole, default=None,
                   help=f"local worker processes, at most this machine's cores without --yes "
                        f"(default: the cores, {machine_cores()})")
    p.add_argument("--scheduler", default=None,
                   help="run on an existing Dask cluster: the scheduler address, e.g. tcp://HOST:8786")
    p.add_argument("--out", default=None, help="results folder (default: the sweep's out)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar: only the start, failed runs and the end (for logs)")
    p.add_argument("--progress-every", type=number, default=None, metavar="SECONDS",
                   help=f"when stderr is not a terminal: a progress line every SECONDS (default "
                        f"{LOG_EVERY_S:g}; 0: one line per finished run)")
    p.add_argument("--no-workers-timeout", type=number, default=NO_WORKERS_TIMEOUT_S, metavar="SECONDS",
                   help=f"with --scheduler: stop (exit 1, finished runs kept) when the cluster has had no "
                        f"live worker for SECONDS (default {NO_WORKERS_TIMEOUT_S:g})")
    p.add_argument("--yes", action="store_true",
                   help=f"allow more workers than cores and more than {MAX_RUNS:,} runs (a real large job; "
                        "confirm_large: true in the sweep file allows the runs too)")
    p.set_defaults(handler=_batch)


def _batch(args: argparse.Namespace) -> int:
    if args.workers is not None and args.scheduler is not None:
        msg = "--workers: only for local worker processes (with --scheduler the cluster's workers run)"
        raise SweepError(msg)
    every = _progress_every(args)
    from simulator.batch.api import execute_batch, prepare_batch  # pandas and the model: loaded when run

    workers = args.workers if args.workers is not None else machine_cores()
    batch = prepare_batch(args.sweep, out=args.out, workers=workers, scheduler=args.scheduler,
                          no_workers_timeout=args.no_workers_timeout, confirm_large=args.yes)
    if batch.client is not None:  # the batch's lines, not distributed's INFO ones (set when it was imported)
        logging.getLogger("distributed").setLevel(logging.WARNING)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        counts = execute_batch(batch, quiet=args.quiet, progress_every=every)
    except KeyboardInterrupt:
        print(f"saferoute: batch interrupted; finished runs are kept in {batch.out}; "
              "run the same command again to finish", file=sys.stderr)
        return EXIT_INTERRUPTED
    except StalledError as stalled:
        print(f"saferoute: batch stopped: {stalled}; finished runs are kept in {batch.out}; "
              "run the same command again when the cluster has workers", file=sys.stderr)
        return EXIT_FAILED_RUNS
    finally:
        signal.signal(signal.SIGTERM, previous)
        batch.close()
    _report(batch.out, counts, params=_baseline_parameters(batch.plan))
    return EXIT_FAILED_RUNS if counts["failed"] else 0


def _progress_every(args: argparse.Namespace) -> float:
    """``--progress-every`` checked (seconds >= 0, not with --quiet), or the default."""
    if args.progress_every is None:
        return LOG_EVERY_S
    if args.quiet:
        msg = "--progress-every: not with --quiet (--quiet prints only the start, failed runs and the end)"
        raise SweepError(msg)
    if not 0 <= args.progress_every < float("inf"):
        msg = f"--progress-every: {args.progress_every:g} is not allowed (allowed: seconds >= 0)"
        raise SweepError(msg)
    return float(args.progress_every)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM stops a batch like Ctrl-C: finished runs are kept."""
    raise KeyboardInterrupt


def _baseline_parameters(plan: Plan) -> Parameters:
    """The parameter table of the sweep's baseline (the packaged one with the baseline's overrides)."""
    from simulator.params import default_parameters

    base = next((v for v in plan.variants if v.name == plan.baseline), None)
    overrides = (base.data.get("parameters") if base is not None else None) or {}
    return default_parameters().with_overrides(overrides) if overrides else default_parameters()


def _report(out: os.PathLike[str] | str, counts: dict[str, int], *, params: Parameters) -> None:
    import pandas as pd

    from simulator.intervals import ONE_SEED, bracket_text
    from simulator.metric import METRICS, calibration_note, per_year_note

    schools = pd.read_parquet(os.path.join(out, "schools.parquet"))
    if len(schools):
        nd, sd, dd = (METRICS[k].decimals for k in ("severe_per_100k_trips", "severe_per_year",
                                                     "deaths_per_year"))
        print("Schools by child risk (baseline expected severe injuries per 100,000 trips [95% CI]; expected "
              "severe injuries and deaths a year at the school) and the measure that lowers the risk most "
              "(significant only):")
        for r in schools.head(TOP_SCHOOLS).to_dict(orient="records"):
            best = (f"{r['best_measure']}: {r['best_diff']:+.{nd}f} ({r['best_pct']:+.0f}%)"
                    if r["best_measure"] else "no significant reduction")
            interval = bracket_text(r["baseline_ci_low"], r["baseline_ci_high"], decimals=nd)
            risk = f"{r['baseline_severe_per_100k_trips']:.{nd}f} {interval}"
            print(f"  {r['rank']:>3}. {r['network']}  {risk}  "
                  f"{r['baseline_severe_per_year']:.{sd}f} severe/year, "
                  f"{r['baseline_deaths_per_year']:.{dd}f} deaths/year  -> {best}")
        if len(schools) > TOP_SCHOOLS:
            print(f"  ... {len(schools) - TOP_SCHOOLS} more in schools.csv")
        if (schools["baseline_seeds"] < 2).any():
            print(ONE_SEED.en)
        for note in (per_year_note, calibration_note):
            print(textwrap.fill(note(params, "en"), width=NOTE_WIDTH))
    failed = f", {counts['failed']} failed (see index.csv; rerun the same command to retry)" \
        if counts["failed"] else ""
    print(f"\n{counts['done']} runs done{failed}; tables in {out}: trips, events, crossings, runs, summary, "
          "schools, index (.parquet, .csv), crossings.geojson, schools.geojson")
