"""``saferoute report``: the school-route safety report (上学路线安全报告) of a results folder, or of a batch.

A batch folder (it has ``batch.json``) gets the city overview (城市总览), or with
``--school NAME`` that network's own school report from the batch's runs.
"""

from __future__ import annotations

import argparse
import sys
import time


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register report."""
    report = sub.add_parser(
        "report", help="school-route safety report (HTML or PDF, Chinese or English) from a results folder; "
                       "the city overview, or one school's report, from a batch folder")
    report.add_argument("results", help="a results folder written by run, compare or demo, or a batch folder")
    report.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="language: zh (简体中文, default) or en")
    report.add_argument("--format", dest="fmt", choices=("html", "pdf"), default="html",
                        help="html (self-contained, default) or pdf (A4, printed with Chromium)")
    report.add_argument("--out", default=None,
                        help="file to write (default RESULTS/report-<lang>.<html|pdf>; for a batch "
                             "BATCH/city-<lang>.<fmt>, or BATCH/report-<school>-<lang>.<fmt> with --school)")
    report.add_argument("--school", default=None, metavar="NAME",
                        help="with a batch folder: that network's own school report (NAME as in the batch)")
    report.add_argument("--map", dest="map_file", default=None,
                        help="where the results' map file is now, if it has moved")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from simulator.errors import ResultsError
    from simulator.report.batchfolder import is_batch_folder

    started = time.perf_counter()
    if is_batch_folder(args.results):
        from simulator.report.city import build_city_report, build_school_report

        if args.school is None:
            if args.map_file is not None:
                msg = "--map: only with --school (the city overview reads no map file)"
                raise ResultsError(msg)
            path = build_city_report(args.results, lang=args.lang, fmt=args.fmt, out=args.out)
        else:
            path, notes = build_school_report(args.results, args.school, lang=args.lang, fmt=args.fmt,
                                              out=args.out, map_file=args.map_file)
            for note in notes:
                print(f"saferoute: warning: {args.school}: {note}", file=sys.stderr)
    else:
        if args.school is not None:
            msg = (f"--school: {args.results} is not a batch folder (no batch.json); --school picks one "
                   "school of a batch")
            raise ResultsError(msg)
        from simulator.report import build_report

        path = build_report(args.results, lang=args.lang, fmt=args.fmt, out=args.out, map_file=args.map_file)
    print(f"report written to {path} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    print(path)
    return 0
