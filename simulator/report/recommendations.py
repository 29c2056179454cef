"""The report's recommendations section: what ``saferoute recommend`` found, if it was run.

``saferoute recommend guards|routes|measures --out RESULTS/recommend-<kind>``
writes its tables beside the results; the report shows whichever are there
and says how to make the others, so the section is never silently absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.errors import ResultsError
from simulator.intervals import bracket_text, change_text, includes_zero
from simulator.metric import METRICS
from simulator.report.format import RATIO_DECIMALS
from simulator.report.texts import crossing_name

KINDS = ("guards", "routes", "measures")
FILES = {"guards": ("guards.csv",), "routes": ("routes.csv", "changes.csv"),
         "measures": ("measures.csv", "combinations.csv")}
COLUMNS = {
    "guards.csv": {"crossing", "road", "hours", "staff_hours", "change", "ci_low", "ci_high", "cumulative",
                   "per_staff_hour"},
    "routes.csv": {"home", "share", "changed", "detour_pct"},
    "changes.csv": {"metric", "diff", "ci_low", "ci_high"},
    "measures.csv": {"measure", "cost", "risk_change", "risk_ci_low", "risk_ci_high", "wait_change_s",
                     "risk_reduction_per_cost"},
    "combinations.csv": set(),
}


def load_recommendations(folder: Path) -> dict[str, dict[str, pd.DataFrame]]:
    """The recommendation tables under ``folder/recommend-<kind>/`` (only the kinds present)."""
    found: dict[str, dict[str, pd.DataFrame]] = {}
    for kind in KINDS:
        sub = folder / f"recommend-{kind}"
        if not sub.is_dir():
            continue
        tables = {}
        for name in FILES[kind]:
            path = sub / name
            try:
                table = pd.read_csv(path)
            except FileNotFoundError:
                msg = f"{sub}: {name} is missing (re-run saferoute recommend {kind} --out {sub})"
                raise ResultsError(msg) from None
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
                table = pd.DataFrame()
                if COLUMNS[name]:
                    msg = f"{path}: not a readable table (re-run saferoute recommend {kind})"
                    raise ResultsError(msg) from None
            missing = COLUMNS[name] - set(table.columns)
            if len(table) and missing:
                msg = f"{path}: columns missing: {', '.join(sorted(missing))}"
                raise ResultsError(msg)
            tables[name] = table
        found[kind] = tables
    return found


def recommendation_context(folder: Path, lang: str, *,
                           batch: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Rows and sentences for the template's recommendations section.

    ``batch``: the report is one school of a batch (``{"folder", "network"}``).
    A batch folder is shared by its schools, so no school's recommendations
    are read from it; the commands to make them are given instead (the city's
    guard allocation is in the batch's city overview).
    """
    if batch is not None:
        network, where = str(batch["network"]), str(batch["folder"])
        return {"guards": [], "routes": {}, "measures": [], "best": "", "how": [
            f"saferoute recommend guards --staff K --batch {where}",
            f"saferoute recommend routes|measures --map MAP --school {network} --out DIR"]}
    recs = load_recommendations(folder)
    zh = lang == "zh"
    nd = METRICS["severe_per_100k_trips"].decimals  # every risk change is in severe injuries per 100k trips
    wd = METRICS["wait_per_trip_s"].decimals
    guards = [
        {"crossing": r.crossing, "road": crossing_name(str(r.crossing), str(r.road), lang), "hours": r.hours,
         "change": f"{r.change:+.{nd}f}",
         "ci": bracket_text(r.ci_low, r.ci_high, decimals=nd, sign=True),
         "noise": includes_zero(r.ci_low, r.ci_high),
         "cumulative": f"{r.cumulative:+.{nd}f}", "per_hour": f"{r.per_staff_hour:.{RATIO_DECIMALS}f}"}
        for r in recs.get("guards", {}).get("guards.csv", pd.DataFrame()).itertuples()
    ]
    routes: dict[str, Any] = {}
    if "routes" in recs:
        table, changes = recs["routes"]["routes.csv"], recs["routes"]["changes.csv"]
        share = float(table.loc[table["changed"].astype(bool), "share"].sum()) if len(table) else 0.0
        risk = changes[changes["metric"] == "severe_per_100k_trips"]
        routes = {"share": f"{100 * share:.1f}",
                  "max_detour": f"{table['detour_pct'].max():.1f}" if len(table) else "0.0",
                  "risk": (change_text(*risk.iloc[0][["diff", "ci_low", "ci_high"]], decimals=nd, lang=lang)
                           if len(risk) else "—")}
    measures = [
        {"measure": r.measure, "cost": f"{r.cost:.2f}", "risk": f"{r.risk_change:+.{nd}f}",
         "ci": bracket_text(r.risk_ci_low, r.risk_ci_high, decimals=nd, sign=True),
         "noise": includes_zero(r.risk_ci_low, r.risk_ci_high), "wait": f"{r.wait_change_s:+.{wd}f}",
         "ratio": f"{r.risk_reduction_per_cost:.{RATIO_DECIMALS}f}"}
        for r in recs.get("measures", {}).get("measures.csv", pd.DataFrame()).itertuples()
    ][:12]
    best = ""
    combos = recs.get("measures", {}).get("combinations.csv", pd.DataFrame())
    if len(combos):
        c = combos.iloc[0]
        change = change_text(*c[["risk_change", "risk_ci_low", "risk_ci_high"]], decimals=nd, lang=lang)
        best = (f"{c['measures']}（{c['cost']:.2f} 万元）：{change}" if zh else
                f"{c['measures']} (cost {c['cost']:.2f} × 10k CNY): {change}")
    missing = [k for k in KINDS if k not in recs]
    how = [f"saferoute recommend {k} ... --out {folder / f'recommend-{k}'}" for k in missing]
    return {"guards": guards, "routes": routes, "measures": measures, "best": best, "how": how}
