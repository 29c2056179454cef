"""The school-route safety report (上学路线安全报告): printable HTML and PDF from a results folder.

Sits on top of the core (it reads results folders and rebuilds sites through
the public API); nothing in the core imports it.

>>> from simulator.report import build_report
>>> build_report("results/demo", lang="zh", fmt="pdf")  # doctest: +SKIP
"""

from simulator.report.build import FORMATS, ReportError, build_report, build_reports, make_report
from simulator.report.results import Results, load_results
from simulator.report.texts import LANGS

__all__ = ["FORMATS", "LANGS", "ReportError", "Results", "build_report", "build_reports", "load_results",
           "make_report"]
