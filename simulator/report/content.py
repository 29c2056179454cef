"""What the report says: the summary, the measures, the crossing tables (numbers tagged by source).

Everything here is plain data for the template: texts already in the
report's language and numbers already formatted by :func:`simulator.report.format.num`,
which tags each with the table, row and column it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup

from simulator.crossing import formal_id, informal_id
from simulator.guesses import Guesses
from simulator.metric import METRICS, calibration_note, per_100k_trips, per_year_note
from simulator.report.format import CROSSING_DECIMALS, RATIO_DECIMALS, ci, num
from simulator.report.results import Results
from simulator.report.site import SiteView
from simulator.report.tables import (
    Best,
    Measure,
    best_measures,
    changed_crossings,
    crossing_stats,
    difference,
    measures,
    summary_value,
    trip_figures,
)
from simulator.report.texts import (
    CHANGE_COLUMNS,
    WORDS,
    crossing_name,
    crossing_place,
    facility_name,
    highway_name,
    road_name,
    scenario_label,
)

TOP_SUMMARY = 5
TOP_TABLE = 20
COMPARE_ROWS = 25
NOISE_MARK = Markup('<span class="dag">†</span>')


@dataclass(frozen=True)
class Codes:
    """Short codes (S0 = baseline, S1, ...) and labels of the scenarios."""

    code: Mapping[str, str]
    label: Mapping[str, str]


def scenario_codes(results: Results, lang: str) -> Codes:
    """S0 for the baseline, then S1, S2 ... in run order; labels "S1 护学岗"."""
    code = {name: f"S{i}" for i, name in enumerate(results.scenarios)}
    return Codes(code, {n: f"{c} {scenario_label(n, lang)}" for n, c in code.items()})


def summary_cell(results: Results, scenario: str, metric: str, *, with_ci: bool = True) -> Markup:
    """A ``summary.csv`` figure, mean [95% CI], with the figure's decimals."""
    row = summary_value(results, scenario, metric)
    d = METRICS[metric].decimals
    keys: dict[str, Any] = {"src": "summary.csv", "scenario": scenario, "metric": metric}
    if not with_ci:
        return num(row["mean"], d, col="mean", **keys)
    return ci(row["mean"], row["ci_low"], row["ci_high"], d, col="mean", **keys)


def change_cell(results: Results, scenario: str, metric: str) -> dict[str, Any]:
    """A ``differences.csv`` change, diff [95% CI] (the figure's decimals), and whether it is within noise."""
    row = difference(results, scenario, metric)
    noise = not bool(row["significant"])
    html = ci(row["diff"], row["ci_low"], row["ci_high"], METRICS[metric].decimals, sign=True, col="diff",
              mark=NOISE_MARK if noise else "", src="differences.csv", scenario=scenario, metric=metric)
    return {"html": html, "noise": noise}


def headline(results: Results, lang: str) -> dict[str, Any]:
    """The summary's key figures for the baseline."""
    base = results.baseline
    trips = trip_figures(results, base)
    t: dict[str, Any] = {"src": "trips.csv", "scenario": base}
    return {
        "children": summary_cell(results, base, "children", with_ci=False),
        "escorted_pct": num(trips["escorted_pct"], 0, col="escorted_pct", **t),
        "crossings_per_trip": num(trips["crossings_per_trip"], 2, col="crossings_per_trip", **t),
        "crossings_per_morning": num(trips["crossings_per_morning"], 0, col="crossings_per_morning", **t),
        "arterial": summary_cell(results, base, "unassisted_arterial_per_trip"),
        "severe": summary_cell(results, base, "severe_per_100k_trips"),
        "deaths": summary_cell(results, base, "deaths_per_100k_trips"),
        "severe_year": summary_cell(results, base, "severe_per_year"),
        "deaths_year": summary_cell(results, base, "deaths_per_year"),
        "conflicts": summary_cell(results, base, "conflicts_per_100_trips"),
        "wait": summary_cell(results, base, "wait_per_trip_s"),
        "trip": summary_cell(results, base, "trip_time_mean_s"),
        "late": summary_cell(results, base, "late_pct"),
        "seeds": len(results.seeds),
    }


def risk_notes(results: Results, lang: str) -> dict[str, str]:
    """How casualties a year are made, how the risk is calibrated and how uncertain, what was guessed.

    The sentences are built from the parameter table the baseline ran with and
    the site's counts of guesses (``manifest.json``), as on the command line.
    """
    params = {p["key"]: p["value"] for p in results.manifest["parameters"]}
    notes = {"per_year": per_year_note(params, lang), "calibration": calibration_note(params, lang)}
    guessed = results.manifest["site"].get("guessed")
    notes["guessed"] = Guesses.from_dict(guessed).line(lang) if guessed else ""
    return notes


def risk_scale(results: Results) -> float:
    """From a crossing's expected severe injuries per morning to per 100,000 trips, the school's unit.

    A morning is one trip per child: a crossing's figures in this unit add up
    to the school's ``severe_per_100k_trips``.
    """
    runs = results.runs[results.runs["scenario"] == results.baseline]
    return per_100k_trips(float(runs["children"].mean()))


def crossing_cells(stats: pd.DataFrame, cid: str, scenario: str, lang: str, *,
                   scale: float) -> dict[str, Any]:
    """One crossing's row: descriptions as text, figures tagged with ``crossings.csv``."""
    row = stats.loc[cid]
    keys: dict[str, Any] = {"src": "crossings.csv", "scenario": scenario, "crossing": cid}
    return {
        "id": cid,
        "road": road_name(str(row["road"]), lang),
        "name": crossing_name(cid, str(row["road"]), lang),
        "place": crossing_place(cid, lang),
        "highway": highway_name(str(row["highway"]), lang),
        "facility": facility_name(str(row["facility"]), lang),
        "guarded": bool(row["guarded"]),
        "lanes": num(row["lanes"], 0, col="lanes", **keys),
        "p85": num(row["p85_kmh"], 0, col="p85_kmh", **keys),
        "volume": num(row["volume_vph"], 0, col="volume_vph", **keys),
        "uses": num(row["uses"], 1, col="uses", **keys),
        "wait_mean": num(row["wait_mean_s"], 1, col="wait_mean_s", **keys),
        "wait_p95": num(row["wait_p95_s"], 1, col="wait_p95_s", **keys),
        "los": row["los"],
        "conflicts": num(row["conflicts"], 2, col="conflicts", **keys),
        "severe": num(row["severe"], CROSSING_DECIMALS, col="severe", scale=scale, **keys),
    }


def top_crossings(results: Results, base_stats: pd.DataFrame, lang: str, *, scale: float) -> dict[str, Any]:
    """The crossings where the baseline's risk concentrates, with their share of it."""
    total = float(base_stats["severe"].sum())
    rows = []
    for rank, cid in enumerate(base_stats.index[:TOP_SUMMARY], start=1):
        cells = crossing_cells(base_stats, cid, results.baseline, lang, scale=scale)
        share = float(base_stats.loc[cid, "severe"]) / total if total > 0 else float("nan")
        tagged = num(100 * share, 0, derived="risk_share", scenario=results.baseline, crossing=cid)
        rows.append({**cells, "rank": rank, "share": tagged})
    top_share = float(base_stats["severe"].iloc[:TOP_SUMMARY].sum()) / total if total > 0 else float("nan")
    return {"rows": rows, "count": len(rows),
            "share": num(100 * top_share, 0, derived="top_share", scenario=results.baseline, top=len(rows)),
            "used": len(base_stats[base_stats["uses"] > 0])}


def measure_rows(results: Results, found: list[Measure], codes: Codes, lang: str) -> list[dict[str, Any]]:
    """The summary's table of what each alternative changes and what it costs."""
    w = WORDS[lang]
    rows = []
    for m in found:
        name = m.scenario
        if m.saves_time:
            per_delay: Markup | str = w["saves_time"]
        elif m.per_delay_s is None:
            per_delay = w["no_delay"]
        else:
            per_delay = num(m.per_delay_s, RATIO_DECIMALS, derived="per_delay_s", scenario=name)
        rows.append({
            "code": codes.code[name],
            "name": scenario_label(name, lang),
            "changes": {metric: change_cell(results, name, metric) for metric in CHANGE_COLUMNS.values()},
            "staff_hours": num(m.staff_hours, 1, derived="staff_hours", scenario=name) if m.staff_hours
            else w["none"],
            "per_staff_hour": num(m.per_staff_hour, RATIO_DECIMALS, derived="per_staff_hour", scenario=name)
            if m.per_staff_hour is not None else w["none"],
            "mixed": m.per_staff_hour is not None and not m.guards_only,
            "per_delay": per_delay,
            "noise": not m.significant,
        })
    return rows


def findings(best: Best, codes: Codes, lang: str) -> list[Markup]:
    """Plain sentences: which measure reduces risk most, per staff-hour and per unit of delay."""
    zh = lang == "zh"

    def name(m: Measure) -> str:
        return f"{codes.code[m.scenario]} {scenario_label(m.scenario, lang)}"

    def noise(m: Measure) -> str:
        if m.significant:
            return ""
        return ("（在随机误差内：95%置信区间包含0，需增加模拟次数确认）" if zh
                else " (within noise: the 95% CI includes 0; run more seeds to confirm)")

    out = []
    if best.overall is None:
        out.append(Markup("没有任何措施降低了预期重伤风险。" if zh
                          else "None of the measures lowered the expected severe-injury risk."))
        return out
    m = best.overall
    severe = METRICS["severe_per_100k_trips"]
    value = num(m.reduction, severe.decimals, derived="reduction", scenario=m.scenario)
    out.append(Markup(f"降低风险最多的是 <b>{name(m)}</b>：每10万人次预期重伤减少 {value}{noise(m)}。" if zh
                      else f"The largest risk reduction: <b>{name(m)}</b>, {value} fewer expected severe "
                           f"injuries per 100,000 trips{noise(m)}."))
    if best.per_staff_hour is not None:
        m = best.per_staff_hour
        value = num(m.per_staff_hour, RATIO_DECIMALS, derived="per_staff_hour", scenario=m.scenario)
        hours = num(m.staff_hours, 1, derived="staff_hours", scenario=m.scenario)
        out.append(Markup(
            f"按护学岗人力计，效益最高的是 <b>{name(m)}</b>：每个早晨 {hours} 人时，每人时每10万人次减少重伤 "
            f"{value}{noise(m)}。" if zh
            else f"Per guard staff-hour, the best is <b>{name(m)}</b>: {hours} staff-hours per morning, "
                 f"{value} per 100,000 trips per staff-hour{noise(m)}."))
    if best.per_delay is not None:
        m = best.per_delay
        if m.saves_time or m.per_delay_s is None:
            extra = ("同时缩短了上学时间" if zh else "and it also shortens the trip") if m.saves_time else (
                "且上学时间没有可测的增加" if zh else "with no measurable increase in trip time")
            out.append(Markup(f"按延误计，最优的是 <b>{name(m)}</b>：降低风险{extra}{noise(m)}。" if zh
                              else f"Per unit of delay, the best is <b>{name(m)}</b>: it lowers the risk "
                                   f"{extra}{noise(m)}."))
        else:
            value = num(m.per_delay_s, RATIO_DECIMALS, derived="per_delay_s", scenario=m.scenario)
            out.append(Markup(
                f"按延误计，最优的是 <b>{name(m)}</b>：上学时间每增加1秒，"
                f"每10万人次减少重伤 {value}{noise(m)}。"
                if zh else f"Per unit of delay, the best is <b>{name(m)}</b>: {value} fewer severe injuries "
                           f"per 100,000 trips per second of added trip time{noise(m)}."))
    return out


def comparison_rows(results: Results, view: SiteView, stats: Mapping[str, pd.DataFrame],
                    lang: str, *, scale: float) -> list[dict[str, Any]]:
    """Baseline vs every scenario at the riskiest and the changed crossings."""
    base = stats[results.baseline]
    changed = {name: set(changed_crossings(view.scenarios[name])) for name in results.scenarios}
    wanted = list(base.index[:12])
    for name in results.alternatives:
        for cid in changed_crossings(view.scenarios[name]):
            for c in (cid, informal_id(cid)):
                if c not in wanted and any(c in s.index and s.loc[c, "uses"] > 0 for s in stats.values()):
                    wanted.append(c)
    risk = {c: float(base.loc[c, "severe"]) if c in base.index else 0.0 for c in wanted}
    wanted = sorted(wanted, key=lambda c: -risk[c])[:COMPARE_ROWS]
    rows = []
    for cid in wanted:
        first = next(s.loc[cid] for s in stats.values() if cid in s.index)
        cells = []
        for name in results.scenarios:
            s = stats[name]
            keys: dict[str, Any] = {"src": "crossings.csv", "scenario": name, "crossing": cid}
            used = cid in s.index
            cells.append({
                "severe": num(s.loc[cid, "severe"] if used else 0.0, CROSSING_DECIMALS, col="severe",
                              scale=scale, **keys),
                "wait": num(s.loc[cid, "wait_mean_s"], 1, col="wait_mean_s", **keys) if used else "—",
                "facility": facility_name(str(s.loc[cid, "facility"]), lang) if used else "",
                "changed": (formal_id(cid) or cid) in changed[name],
            })
        rows.append({"id": cid, "road": crossing_name(cid, str(first["road"]), lang),
                     "facility": facility_name(str(first["facility"]), lang),
                     "informal": formal_id(cid) is not None, "cells": cells})
    return rows


def all_stats(results: Results) -> dict[str, pd.DataFrame]:
    """Per-crossing figures of every scenario."""
    return {name: crossing_stats(results, name) for name in results.scenarios}


def metric_rows(results: Results, lang: str) -> list[dict[str, Any]]:
    """Every summary figure of every scenario (rows: figures; cells: mean and CI)."""
    return [{"label": m.label(lang),
             "cells": [summary_cell(results, name, m.key) for name in results.scenarios]}
            for m in METRICS.values()]


def best_of(results: Results, view: SiteView) -> tuple[list[Measure], Best]:
    """The measures and the best of them."""
    found = measures(results, view.scenarios)
    return found, best_measures(found)
