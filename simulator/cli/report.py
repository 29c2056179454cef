"""``saferoute report``: the school-route safety report (上学路线安全报告) of a results folder."""

from __future__ import annotations

import argparse
import sys
import time


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register report."""
    report = sub.add_parser(
        "report", help="school-route safety report (HTML or PDF, Chinese or English) from a results folder")
    report.add_argument("results", help="a results folder written by run, compare or demo")
    report.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="language: zh (简体中文, default) or en")
    report.add_argument("--format", dest="fmt", choices=("html", "pdf"), default="html",
                        help="html (self-contained, default) or pdf (A4, printed with Chromium)")
    report.add_argument("--out", default=None,
                        help="file to write (default RESULTS/report-<lang>.<html|pdf>)")
    report.add_argument("--map", dest="map_file", default=None,
                        help="where the results' map file is now, if it has moved")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from simulator.report import build_report

    started = time.perf_counter()
    path = build_report(args.results, lang=args.lang, fmt=args.fmt, out=args.out, map_file=args.map_file)
    print(f"report written to {path} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    print(path)
    return 0
