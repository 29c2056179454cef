"""What the city overview says: ranking, each school's crossings and best measure, totals, reproduction.

Plain data for the template ``city.html.j2``: texts in the report's language,
numbers formatted by :func:`simulator.report.format.num`, each tagged with the
batch table, network, scenario and column it comes from (``data-src`` is the
table's CSV name; the Parquet file holds the same rows).
"""

from __future__ import annotations

import hashlib
import json
import shlex
from typing import Any

from markupsafe import Markup

from simulator import __version__
from simulator.intervals import percent_decimals
from simulator.metric import METRICS, part_decimals
from simulator.report.citydata import PER_YEAR, RISK, City, Interval, SchoolFigures
from simulator.report.content import NOISE_MARK
from simulator.report.format import CROSSING_DECIMALS, ci, num
from simulator.report.texts import crossing_name, facility_name, highway_name, scenario_label

SRC = "summary.csv"


def interval_cell(
    x: Interval | None,
    figure: str,
    *,
    sign: bool = False,
    noise: bool = False,
    cols: tuple[str, str, str] = ("mean", "ci_low", "ci_high"),
    part: bool = False,
    **keys: Any,
) -> Markup:
    """ "value [low, high]" in the figure's decimals (one more for a ``part`` of a city's total), each
    number tagged with ``keys`` and its column; "[—]" without an interval."""
    if x is None:
        return Markup("—")
    d = part_decimals(figure) if part else METRICS[figure].decimals
    return ci(x.value, x.low, x.high, d, sign=sign, mark=NOISE_MARK if noise else "", cols=cols, **keys)


def ranking_rows(city: City, lang: str) -> list[dict[str, Any]]:
    """One row per school in rank order: baseline figures and the best measure."""
    base = city.batch.baseline
    rows = []
    for s in city.schools:
        keys: dict[str, Any] = {"src": SRC, "network": s.network, "scenario": base}
        rows.append(
            {
                "rank": s.rank,
                "network": s.network,
                "school": s.school,
                "map": s.map,
                "risk": interval_cell(s.risk, RISK, metric=RISK, **keys),
                "per_year": interval_cell(s.per_year, PER_YEAR, metric=PER_YEAR, **keys)
                if not city.derived_per_year
                else interval_cell(s.per_year, PER_YEAR, derived="per_year", network=s.network),
                "deaths": interval_cell(
                    s.deaths, "deaths_per_100k_trips", metric="deaths_per_100k_trips", **keys
                ),
                **best_cells(s, lang),
            }
        )
    return rows


def best_cells(s: SchoolFigures, lang: str) -> dict[str, Any]:
    """The best measure's name, its change of the risk [CI], in % [the ratio's CI] and a year."""
    if s.best is None:
        return {"best": "", "best_change": Markup("—"), "best_pct": "—", "best_year": Markup("—")}
    b = s.best
    keys: dict[str, Any] = {
        "src": SRC,
        "network": s.network,
        "scenario": b.scenario,
        "cols": ("diff", "diff_ci_low", "diff_ci_high"),
    }
    return {
        "best": scenario_label(b.scenario, lang),
        "best_change": interval_cell(b.change, RISK, sign=True, metric=RISK, part=True, **keys),
        "best_pct": ci(b.pct.value, b.pct.low, b.pct.high, percent_decimals(b.pct.value), sign=True,
                       cols=("pct", "pct_low", "pct_high"), src=SRC, network=s.network, scenario=b.scenario,
                       metric=RISK),
        "best_year": interval_cell(  # one school's part of the city's total: a digit more
            b.per_year, PER_YEAR, sign=True, metric=PER_YEAR, part=True, **keys
        )
        if b.per_year is not None
        else Markup("—"),
    }


def crossing_rows(s: SchoolFigures, lang: str) -> list[dict[str, Any]]:
    """The school's riskiest crossings today (figures derived from ``crossings.csv``)."""
    rows = []
    for i, r in enumerate(s.crossings.itertuples(), start=1):
        keys: dict[str, Any] = {"derived": "crossing_severe", "network": s.network, "crossing": r.crossing}
        rows.append(
            {
                "rank": i,
                "id": r.crossing,
                "road": crossing_name(str(r.crossing), str(r.road), lang),
                "highway": highway_name(str(r.highway), lang),
                "facility": facility_name(str(r.facility), lang),
                "guarded": bool(r.guarded),
                "uses": num(r.uses, 1, **keys | {"derived": "crossing_uses"}),
                "severe": num(r.severe, CROSSING_DECIMALS, **keys),
                "share": num(100 * r.share, 0, **keys | {"derived": "crossing_share"}),
            }
        )
    return rows


def total_rows(city: City, lang: str) -> list[dict[str, Any]]:
    """Each school's best measure a year, and whether it counts in the city's total."""
    zh = lang == "zh"
    rows = []
    for s in city.schools:
        if s.best is None:
            why = "没有显著降低风险的措施" if zh else "no measure lowers the risk beyond noise"
        elif s.best.per_year is None:
            why = "无每年数值" if zh else "no per-year figure"
        else:
            why = "计入" if zh else "counted"
        rows.append(
            {"network": s.network, "counted": s.network in city.counted, "why": why, **best_cells(s, lang)}
        )
    return rows


def totals(city: City) -> dict[str, Any]:
    """The city's severe injuries a year today and what the counted best measures change (a digit more)."""

    def cell(x: Interval | None, what: str, sign: bool) -> Markup:
        if x is None:
            return Markup("—")
        d = part_decimals(PER_YEAR) if sign else METRICS[PER_YEAR].decimals
        return ci(x.value, x.low, x.high, d, sign=sign, col="value", derived=what)

    return {
        "today": cell(city.today, "total_today", False),
        "change": cell(city.total, "total_change", True),
        "counted": len(city.counted),
        "schools": len(city.schools),
        "pct": num(100 * city.total.value / city.today.value, 0, sign=True, derived="total_pct")
        if city.total and city.today and city.today.value
        else "—",
    }


def reproduce(city: City) -> dict[str, Any]:
    """Software, parameters digest, seeds and the commands that make this batch and report again."""
    m = city.batch.manifest
    sweep = m["sweep"]
    params = m.get("parameters", [])
    digest = hashlib.sha256(
        json.dumps(params, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()
    folder = shlex.quote(str(city.batch.folder.resolve()))
    seeds = [int(s) for s in sweep["seeds"]]
    return {
        "software": m.get("software", {}).get("saferoute", "?"),
        "python": m.get("software", {}).get("python", "?"),
        "report_software": __version__,
        "format": m.get("format"),
        "digest": digest[:16],
        "parameters": len(params),
        "unsourced": len(m.get("unsourced_parameters", [])),
        "seeds": ", ".join(map(str, seeds)) if len(seeds) <= 12 else f"{seeds[0]}…{seeds[-1]} ({len(seeds)})",
        "children": sweep.get("children") or "—",
        "baseline": sweep["baseline"],
        "command": f"saferoute batch {shlex.quote(str(sweep.get('source', 'SWEEP.yaml')))} --out {folder}",
        "report": f"saferoute report {folder}",
        "school": f"saferoute report {folder} --school NAME",
        "networks": [
            {
                "name": n["name"],
                "site": json.dumps({k: v for k, v in n.items() if k != "name"}, ensure_ascii=False),
            }
            for n in sweep["networks"]
        ],
        "scenarios": [
            {"name": v["name"], "grid": json.dumps(v.get("grid") or {}, ensure_ascii=False)}
            for v in sweep["scenarios"]
        ],
        "folder": str(city.batch.folder.resolve()),
        "sweep_name": sweep.get("name") or "",
    }


def school_command(city: City, network: str) -> str:
    """The command that writes this school's own report from the batch."""
    return f"saferoute report {shlex.quote(str(city.batch.folder.resolve()))} --school {shlex.quote(network)}"
