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
from simulator.report.texts import FACILITY, STAFF, crossing_name
from simulator.scenario.apply import Words, describe


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


def words(view: SiteView, lang: str) -> Words:
    """How the report names things in a measure's description: crossings by road (at the gate) and id."""
    crossings = view.network.crossings

    def crossing(cid: str) -> str:
        return f"{crossing_name(cid, crossings[cid].name, lang)} ({cid})" if cid in crossings else cid

    return Words(lang, crossing=crossing, facility=FACILITY[lang], staff=STAFF[lang])


def scenario_rows(results: Results, view: SiteView, codes: Codes, lang: str) -> list[dict[str, Any]]:
    """Each scenario: code, name, description, its measures in words and its YAML text."""
    rows = []
    said = words(view, lang)
    for name in results.scenarios:
        scenario = view.scenarios[name]
        rows.append({
            "code": codes.code[name],
            "name": name,
            "description": scenario.description or "",
            "measures": [describe(c, said) for c in scenario.interventions],
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
