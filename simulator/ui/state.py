"""Editing a scenario in the page: pure functions on the scenario mapping (no Solara here).

The page keeps the edited scenario as the plain mapping a YAML file holds
(``Scenario.model_dump(mode="json")``). Every edit returns a *new* mapping
(the page's reactive state compares by identity), and
:func:`validated` runs it through the same validation as a scenario file, so
what the page saves is exactly what ``saferoute run`` reads back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from copy import deepcopy
from typing import Any

from simulator.params import default_parameters
from simulator.scenario import Scenario, scenario_from_mapping, scenario_to_yaml

Data = dict[str, Any]
DEFAULT_GUARD_HOURS = default_parameters()["guard.default_hours"]
DEFAULT_STAFF = "auxiliary_police"
ZONE_TYPES = ("speed_limit", "humps")


def mapping_of(scenario: Scenario) -> Data:
    """The scenario as the mapping a YAML file holds."""
    return scenario.model_dump(mode="json", exclude_none=True)


def validated(data: Mapping[str, Any], *, origin: str = "<edited scenario>") -> Scenario:
    """The mapping validated like a scenario file (raises a one-line ``ScenarioError``)."""
    return scenario_from_mapping(data, origin=origin)


def yaml_text(data: Mapping[str, Any], *, origin: str = "<edited scenario>") -> str:
    """The YAML file of the mapping (validated first), as ``saferoute run`` reads it."""
    return scenario_to_yaml(validated(data, origin=origin))


def interventions_of(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The mapping's interventions, each a copy."""
    return [dict(c) for c in data.get("interventions") or ()]


def with_interventions(data: Mapping[str, Any], changes: list[dict[str, Any]]) -> Data:
    """A copy of the mapping with these interventions."""
    out = deepcopy(dict(data))
    out["interventions"] = changes
    return out


def without_ident(changes: list[dict[str, Any]], key: str, ident: str,
                  keep: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """``ident`` removed from ``key`` lists of the changes ``keep`` rejects; emptied changes dropped."""
    out = []
    for change in changes:
        ids = change.get(key)
        if keep(change) or not ids or ident not in ids:
            out.append(change)
            continue
        rest = [i for i in ids if i != ident]
        if rest:
            out.append({**change, key: rest})
    return out


# --- crossings ------------------------------------------------------------------------


def facility_of(data: Mapping[str, Any], crossing: str, *, original: str) -> str:
    """The crossing's facility in the edited scenario (the last facility change naming it wins)."""
    found = original
    for change in interventions_of(data):
        if change.get("type") == "facility" and crossing in (change.get("crossings") or ()):
            found = change["facility"]
    return found


def with_facility(data: Mapping[str, Any], crossing: str, facility: str, *, original: str) -> Data:
    """The mapping with ``crossing`` made a ``facility`` (no change listed if that is the original)."""
    changes = without_ident(interventions_of(data), "crossings", crossing,
                            keep=lambda c: c.get("type") != "facility")
    if facility != original:
        changes.append({"type": "facility", "crossings": [crossing], "facility": facility})
    return with_interventions(data, changes)


def guard_of(data: Mapping[str, Any], crossing: str) -> dict[str, Any] | None:
    """The guard post (hours, staff, count) at the crossing, if any."""
    for change in interventions_of(data):
        if change.get("type") == "guard" and crossing in (change.get("crossings") or ()):
            return {"hours": change["hours"], "staff": change["staff"], "count": change.get("count", 1)}
    return None


def with_guard(data: Mapping[str, Any], crossing: str, *, hours: str = DEFAULT_GUARD_HOURS,
               staff: str = DEFAULT_STAFF, count: int = 1) -> Data:
    """The mapping with a 护学岗 post at ``crossing`` (replacing one already there)."""
    changes = without_ident(interventions_of(data), "crossings", crossing,
                            keep=lambda c: c.get("type") != "guard")
    changes.append({"type": "guard", "crossings": [crossing], "hours": hours, "staff": staff,
                    "count": int(count)})
    return with_interventions(data, changes)


def without_guard(data: Mapping[str, Any], crossing: str) -> Data:
    """The mapping with no guard post at ``crossing``."""
    changes = without_ident(interventions_of(data), "crossings", crossing,
                            keep=lambda c: c.get("type") != "guard")
    return with_interventions(data, changes)


# --- streets and zones ----------------------------------------------------------------------


def street_measures(data: Mapping[str, Any], edge: str) -> dict[str, Any]:
    """Speed limit (km/h or None), its hours (or None) and humps on one street edge."""
    limit = hours = None
    humps = False
    for change in interventions_of(data):
        if edge not in (change.get("edges") or ()):
            continue
        if change.get("type") == "speed_limit":
            limit, hours = change["limit_kmh"], change.get("hours")
        elif change.get("type") == "humps":
            humps = True
    return {"limit_kmh": limit, "hours": hours, "humps": humps}


def with_street(data: Mapping[str, Any], edge: str, *, limit_kmh: float | None, humps: bool,
                hours: str | None = None) -> Data:
    """The mapping with a speed limit (None: none) and humps (or not) on one street edge."""
    changes = without_ident(interventions_of(data), "edges", edge,
                            keep=lambda c: c.get("type") not in ZONE_TYPES)
    if limit_kmh is not None:
        limit: dict[str, Any] = {"type": "speed_limit", "limit_kmh": limit_kmh, "edges": [edge]}
        if hours:
            limit["hours"] = hours
        changes.append(limit)
    if humps:
        changes.append({"type": "humps", "edges": [edge]})
    return with_interventions(data, changes)


def with_zone(data: Mapping[str, Any], *, center: tuple[float, float] | None, radius_m: float,
              limit_kmh: float | None, humps: bool, hours: str | None = None) -> Data:
    """The mapping with a zone (``center`` in projected metres; None: the school gate)."""
    zone: dict[str, Any] = {"radius_m": round(float(radius_m), 1)}
    if center is not None:
        zone["center"] = [round(float(center[0]), 1), round(float(center[1]), 1)]
    changes = interventions_of(data)
    if limit_kmh is not None:
        limit: dict[str, Any] = {"type": "speed_limit", "limit_kmh": limit_kmh, "zone": zone}
        if hours:
            limit["hours"] = hours
        changes.append(limit)
    if humps:
        changes.append({"type": "humps", "zone": dict(zone)})
    return with_interventions(data, changes)


def without_change(data: Mapping[str, Any], index: int) -> Data:
    """The mapping without intervention number ``index``."""
    changes = interventions_of(data)
    return with_interventions(data, changes[:index] + changes[index + 1:])


# --- rules for the whole school ---------------------------------------------------------------


def dropoff_radius(data: Mapping[str, Any]) -> float | None:
    """The no-drop-off radius around the gate (m), if there is a ban."""
    radii = [c["radius_m"] for c in interventions_of(data) if c.get("type") == "dropoff_ban"]
    return max(radii) if radii else None


def with_dropoff(data: Mapping[str, Any], radius_m: float | None) -> Data:
    """The mapping with a drop-off ban of ``radius_m`` around the gate (None: no ban)."""
    changes = [c for c in interventions_of(data) if c.get("type") != "dropoff_ban"]
    if radius_m is not None:
        changes.append({"type": "dropoff_ban", "radius_m": float(radius_m)})
    return with_interventions(data, changes)


def with_field(data: Mapping[str, Any], field: str, value: Any) -> Data:
    """The mapping with a top-level field (``name``, ``enforcement``, ``children``...) set."""
    out = deepcopy(dict(data))
    out[field] = value
    return out


def safe_filename(name: str, *, suffix: str = ".yaml") -> str:
    """A file name made from a scenario name: letters (any script), digits, ``-`` and ``_`` only."""
    text = unicodedata.normalize("NFKC", name).strip()
    text = re.sub(r"[^\w-]+", "-", text, flags=re.UNICODE).strip("-_.")[:80] or "scenario"
    return text + suffix
