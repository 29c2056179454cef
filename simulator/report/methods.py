"""The audit part of the report: parameters with sources, scenario definitions, reproduction.

Scenario definitions are given twice: in words (what each measure does,
where and when) and as the YAML text of the manifest, which ``saferoute``
reads back to the same scenario.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from simulator import __version__
from simulator.report.content import Codes
from simulator.report.results import Results
from simulator.report.site import SiteView
from simulator.report.texts import STAFF, facility_name, road_name
from simulator.scenario import (
    DropoffBan,
    Education,
    FacilityChange,
    GuardPost,
    Humps,
    LaneReduction,
    RecommendedRoutes,
    SpeedLimit,
    StartTime,
    VolumeOverride,
)

MAX_LISTED = 6


def value_text(value: Any) -> str:
    """A parameter value as a short text (mappings as "key value, ...", lists joined)."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def parameter_rows(results: Results) -> list[dict[str, Any]]:
    """Every parameter of the manifest: key, value, unit, confidence, source; U rows flagged."""
    return [{"key": p["key"], "value": value_text(p["value"]), "unit": p.get("unit", ""),
             "conf": p.get("conf", ""), "source": p.get("source", ""), "flag": p.get("conf") == "U",
             "overridden": bool(p.get("overridden"))}
            for p in results.manifest["parameters"]]


def _where(view: SiteView, ids: tuple[str, ...] | None, lang: str) -> str:
    if not ids:
        return ""
    crossings = view.network.crossings
    names = [f"{road_name(crossings[c].name, lang)} ({c})" if c in crossings else c for c in ids]
    if len(names) > MAX_LISTED:
        more = len(names) - MAX_LISTED
        tail = f" 等共 {len(names)} 处" if lang == "zh" else f" and {more} more"
        return "、".join(names[:MAX_LISTED]) + tail if lang == "zh" else ", ".join(names[:MAX_LISTED]) + tail
    return ("、" if lang == "zh" else ", ").join(names)


def describe(change: Any, view: SiteView, lang: str) -> str:
    """One measure of a scenario in words."""
    zh = lang == "zh"
    at = _where(view, getattr(change, "crossings", None), lang)
    edges = getattr(change, "edges", None)
    zone = getattr(change, "zone", None)
    if not at and edges:
        more = " …" if len(edges) > MAX_LISTED else ""
        at = ("道路 " if zh else "streets ") + ", ".join(edges[:MAX_LISTED]) + more
    elif not at and zone is not None:
        at = (f"校门周围 {zone.radius_m:g} 米内" if zh else f"within {zone.radius_m:g} m of the gate") \
            if zone.center is None else (f"半径 {zone.radius_m:g} 米的区域" if zh
                                         else f"a {zone.radius_m:g} m zone")
    if isinstance(change, FacilityChange):
        what = facility_name(change.facility, lang)
        if change.signal is not None:
            s = change.signal
            what += (f"（周期 {s.cycle:g} 秒，行人绿灯 {s.walk:g} 秒）" if zh
                     else f" (cycle {s.cycle:g} s, walk {s.walk:g} s)")
        return f"改建为{what}：{at}" if zh else f"{what}: {at}"
    if isinstance(change, GuardPost):
        staff = STAFF[lang].get(change.staff, change.staff)
        return (f"护学岗 {change.hours}，每岗{staff} {change.count} 名：{at}" if zh
                else f"护学岗 guard post {change.hours}, {change.count} {staff} per post: {at}")
    if isinstance(change, SpeedLimit):
        hours = f" {change.hours}" if change.hours else ""
        return f"限速 {change.limit_kmh:g} km/h{hours}：{at}" if zh else \
            f"speed limit {change.limit_kmh:g} km/h{hours}: {at}"
    if isinstance(change, Humps):
        return f"减速带/减速台：{at}" if zh else f"speed humps or tables: {at}"
    if isinstance(change, LaneReduction):
        return (f"缩减为每方向 {change.lanes_per_direction} 条车道：{at}" if zh
                else f"{change.lanes_per_direction} lane(s) per direction: {at}")
    if isinstance(change, VolumeOverride):
        vph = change.vph if isinstance(change.vph, tuple) else (change.vph, change.vph)
        return (f"高峰流量 {vph[0]:g}/{vph[1]:g} 辆/时：{at}" if zh
                else f"peak volume {vph[0]:g}/{vph[1]:g} veh/h: {at}")
    if isinstance(change, DropoffBan):
        return (f"即停即走：校门 {change.radius_m:g} 米内禁止停车接送" if zh
                else f"no drop-off within {change.radius_m:g} m of the gate (即停即走)")
    if isinstance(change, Education):
        return (f"交通安全教育：{100 * change.share:g}% 的儿童" if zh
                else f"road-safety education for {100 * change.share:g}% of the children")
    if isinstance(change, RecommendedRoutes):
        return (f"上学路线图：为每户推荐绕行不超过 {100 * change.max_detour:g}% 的最低风险路线，"
                f"{100 * change.compliance:g}% 的儿童按推荐路线走" if zh
                else f"recommended routes (上学路线图): each home's lowest-risk route at most "
                     f"{100 * change.max_detour:g}% longer, followed by "
                     f"{100 * change.compliance:g}% of children")
    if isinstance(change, StartTime):
        ages = ", ".join(str(a) for a in change.ages) if change.ages else ("全部" if zh else "all")
        return (f"错峰上学：{ages} 岁儿童 {change.bell} 上课" if zh
                else f"staggered start: bell at {change.bell} for ages {ages}")
    return str(change)


def scenario_rows(results: Results, view: SiteView, codes: Codes, lang: str) -> list[dict[str, Any]]:
    """Each scenario: code, name, description, its measures in words and its YAML text."""
    rows = []
    for name in results.scenarios:
        scenario = view.scenarios[name]
        rows.append({
            "code": codes.code[name],
            "name": name,
            "description": scenario.description or "",
            "measures": [describe(c, view, lang) for c in scenario.interventions],
            "children": scenario.children,
            "enforcement": scenario.enforcement,
            "overrides": value_text(scenario.parameters) if scenario.parameters else "",
            "yaml": results.manifest["scenarios"][name],
        })
    return rows


def reproduce(results: Results) -> dict[str, Any]:
    """Software, seeds and the commands that make these results and this report again."""
    m = results.manifest
    seeds = list(results.seeds)
    consecutive = seeds == list(range(1, len(seeds) + 1))
    files = [f"S{i}.yaml" for i in range(len(results.scenarios))]
    verb = "run" if len(files) == 1 else "compare"
    command = f"saferoute {verb} {' '.join(files)} --seeds {len(seeds)} --out {shlex.quote('RESULTS')}"
    return {
        "report_software": __version__,
        "software": m["software"].get("saferoute", "?"),
        "python": m["software"].get("python", "?"),
        "format": m["format"],
        "seeds": ", ".join(str(s) for s in seeds),
        "consecutive": consecutive,
        "command": command,
        "report": "saferoute report RESULTS --format pdf",
        "site": m["site"],
        "defaulted": value_text(m["site"].get("defaulted") or {}),
    }
