"""Assembling the report: figures, tables and texts into one self-contained HTML page.

The page embeds its figures as base64 PNG and its CSS (A4 print rules), so it
can be mailed, opened offline and printed. Rendering uses a Jinja2 template
with strict undefined variables: a missing section is an error, never a gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from matplotlib.figure import Figure

from simulator.intervals import ONE_SEED
from simulator.network.gatestreet import GATE, GATE_LANE
from simulator.report import content, figures, maps, modes
from simulator.report.format import CROSSING_DECIMALS, number_text
from simulator.report.methods import parameter_rows, reproduce, scenario_rows
from simulator.report.prose import METHODS
from simulator.report.recommendations import recommendation_context
from simulator.report.results import Results
from simulator.report.site import SiteView
from simulator.report.texts import FIGURE, METRICS, crossing_name, scenario_label, words

CHUNK = 7  # scenario columns per table of summary figures


@dataclass(frozen=True)
class Report:
    """Everything one report shows: its figures (matplotlib) and the template's context."""

    lang: str
    figures: Mapping[str, Figure | None]
    context: Mapping[str, Any]


def prepare_report(results: Results, view: SiteView, *, lang: str) -> Report:
    """Compute every table, sentence and figure of the report in ``lang``."""
    codes = content.scenario_codes(results, lang)
    stats = content.all_stats(results)
    base = stats[results.baseline]
    scale = content.risk_scale(results)
    found, best = content.best_of(results, view)
    top = list(base.index[: min(10, len(base))])
    base_guards = maps.guard_labels({results.baseline: view.scenarios[results.baseline]},
                                    {results.baseline: ""}, lang=lang)
    arrival = modes.arrival_context(results, codes, lang)
    street = view.network.gate_street  # its crossing: the mapped one by the gate, or the one added there
    road = street.crossing.name if street is not None else ""
    arrival["gate_road"] = crossing_name(GATE, road, lang)
    arrival["lane_road"] = crossing_name(GATE_LANE, road, lang)
    figs: dict[str, Figure | None] = {
        "catchment": maps.catchment_map(view, base, top=top, lang=lang, guards=base_guards, risk_scale=scale),
        "measures": (maps.measures_map(view, {n: view.scenarios[n] for n in results.alternatives},
                                       codes.code, lang=lang) if results.alternatives else None),
        "effects": figures.effects_chart(results, codes.label, lang=lang) if results.alternatives else None,
        "delay": figures.delay_chart(results, codes.label, lang=lang),
        "modes": (figures.modes_chart(results, arrival["table"], codes.label, lang=lang)
                  if arrival["available"] else None),
    }
    for name in view.published:
        if name != results.baseline:
            figs[f"routes:{name}"] = maps.catchment_map(
                view, stats[name], top=[], lang=lang, scenario=name, risk_scale=scale,
                title=f"{codes.label[name]}：{FIGURE[lang]['published_title']}")
    w = words(lang)
    metric_rows = content.metric_rows(results, lang)
    chunks = []
    names = list(results.scenarios)
    for i in range(0, len(names), CHUNK):
        part = slice(i, i + CHUNK)
        chunks.append({"codes": [codes.code[n] for n in names[part]],
                       "rows": [{"label": r["label"], "cells": r["cells"][part]} for r in metric_rows]})
    delay_metrics = ("trip_time_mean_s", "wait_per_trip_s", "wait_p95_s", "detour_mean_m", "late_pct")
    seeds = len(results.seeds)
    children = int(content.summary_value(results, results.baseline, "children")["mean"])
    unsourced = sum(1 for p in results.manifest["parameters"] if p.get("conf") == "U")
    fill = {"seeds": seeds, "children": children, "unsourced": unsourced}
    context: dict[str, Any] = {
        "lang": lang,
        "w": w,
        "metrics": METRICS[lang],
        "school": view.school,
        "site_name": results.manifest["site"].get("name", ""),
        "folder": str(results.folder.resolve()),
        "generated": dt.date.today().isoformat(),
        "footer_css": css_string(f"{w['title']} · {view.school}"),
        "head": content.headline(results, lang),
        "one_seed": ONE_SEED.text(lang) if seeds < 2 else "",
        "notes": content.risk_notes(results, lang),
        "top": content.top_crossings(results, base, lang, scale=scale),
        "measures": content.measure_rows(results, found, codes, lang),
        "findings": content.findings(best, codes, lang),
        "guards_note": _guards_note(base_guards, lang),
        "routes_note": _routes_note(view, results.baseline, lang),
        "fig": {k: (figures.png_base64(f) if f is not None else None) for k, f in figs.items()
                if not k.startswith("routes:")},
        "route_figs": [{"code": codes.code[k[7:]], "label": codes.label[k[7:]], "png": figures.png_base64(f)}
                       for k, f in figs.items() if k.startswith("routes:") and f is not None],
        "metric_chunks": chunks,
        "crossing_rows": [content.crossing_cells(base, c, results.baseline, lang, scale=scale)
                          for c in base.index[: content.TOP_TABLE]],
        "compare_rows": content.comparison_rows(results, view, stats, lang, scale=scale),
        "appendix_rows": [content.crossing_cells(base, c, results.baseline, lang, scale=scale)
                          for c in base.index if base.loc[c, "uses"] > 0],
        "delay_rows": [{"code": codes.code[n], "name": scenario_label(n, lang),
                        "cells": [content.summary_cell(results, n, m) for m in delay_metrics]}
                       for n in names],
        "methods": [(h, [p.format(**fill) for p in ps]) for h, ps in METHODS[lang]],
        "params": parameter_rows(results),
        "scenarios": scenario_rows(results, view, codes, lang),
        "repro": reproduce(results),
        "recs": recommendation_context(results.folder, lang, batch=results.manifest.get("batch")),
        "sight_rows": sight_hot_spots(results, codes.code, lang=lang, scale=scale),
        "arrival": {k: v for k, v in arrival.items() if k != "table"},
    }
    return Report(lang, figs, context)


def sight_hot_spots(results: Results, code: Mapping[str, str], *, lang: str,
                    scale: float) -> list[dict[str, str]]:
    """Crossings where parked cars cut the sight below stopping distance, per scenario (means over seeds).

    Each crossing's risk is in the school figure's unit: expected severe injuries
    per 100,000 trips (the mean per morning times ``scale``, :func:`content.risk_scale`).
    """
    table = results.crossings
    if "short_sight" not in table or not len(table):
        return []
    seeds = max(len(results.seeds), 1)
    short = table[table["short_sight"].astype(bool)]
    rows: list[tuple[float, dict[str, str]]] = []
    for (scenario, cid), group in short.groupby(["scenario", "crossing"], sort=False):
        row = {"code": code.get(str(scenario), str(scenario)), "crossing": str(cid),
                     "road": crossing_name(str(cid), str(group["road"].iloc[0]), lang),
                     "sight": f"{group['sight_m'].mean():.0f}",
                     "design": f"{group['design_sight_m'].mean():.0f}",
                     "uses": f"{group['uses'].sum() / seeds:.0f}",
                     "risk": number_text(group["p_severe_sum"].sum() / seeds * scale, CROSSING_DECIMALS)}
        rows.append((float(group["p_severe_sum"].sum()), row))
    rows.sort(key=lambda r: -r[0])
    return [r for _, r in rows[:15]]


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    return template_environment().get_template("report.html.j2").render(**report.context)


def template_environment() -> Environment:
    """The Jinja environment of the report templates (escaping on, undefined names an error)."""
    return Environment(
        loader=PackageLoader("simulator.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def css_string(text: str) -> Markup:
    """``text`` as a CSS string literal, safe inside ``<style>``."""
    body = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\<>' else f"\\{ord(ch):x} "
                   for ch in text)
    return Markup(f'"{body}"')


def _routes_note(view: SiteView, baseline: str, lang: str) -> str:
    zh = lang == "zh"
    if baseline in view.published:
        return ("绿色虚线为现状情景的推荐上学路线（上学路线图）。" if zh
                else "Green dashes: the recommended routes (上学路线图) of today's scenario. ")
    if view.published:
        return ("现状没有推荐路线；各情景的推荐上学路线见后面的路线图（绿色虚线）。" if zh
                else "Today has no recommended routes; the scenarios that publish them have their own route "
                     "maps below (green dashes). ")
    return ("各情景都没有推荐路线（上学路线图），图中为儿童实际选择的路线。" if zh
            else "No scenario publishes recommended routes (上学路线图); the map shows the routes children "
                 "choose. ")


def _guards_note(guards: Mapping[str, str], lang: str) -> str:
    if not guards:
        return "现状没有护学岗。" if lang == "zh" else "There are no guard posts today. "
    if lang == "zh":
        return "红圈为现状的护学岗及上岗时间。"
    return "Red rings: today's guard posts with their hours. "
