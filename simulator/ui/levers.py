"""The remaining levers on the scenario mapping: lanes, traffic volume, education, start times, children.

Pure functions like those of :mod:`simulator.ui.state` (each returns a new
mapping; the page validates it before accepting it). Lanes and volume act on
one crossing (``crossings``) or one street edge (``edges``); education and
staggered start times act on the whole school.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from simulator.ui.state import Data, interventions_of, with_field, with_interventions, without_ident

Where = Literal["crossings", "edges"]


def road_levers(data: Mapping[str, Any], where: Where, ident: str) -> dict[str, Any]:
    """Lanes per direction (or None) and peak volume, veh/h per direction (a pair, or None), at one place."""
    lanes = vph = None
    for change in interventions_of(data):
        if ident not in (change.get(where) or ()):
            continue
        if change.get("type") == "lane_reduction":
            lanes = int(change["lanes_per_direction"])
        elif change.get("type") == "volume":
            v = change["vph"]
            vph = (float(v[0]), float(v[1])) if isinstance(v, list | tuple) else (float(v), float(v))
    return {"lanes": lanes, "vph": vph}


def _replaced(data: Mapping[str, Any], kind: str, where: Where, ident: str) -> list[dict[str, Any]]:
    return without_ident(interventions_of(data), where, ident, keep=lambda c: c.get("type") != kind)


def with_lanes(data: Mapping[str, Any], where: Where, ident: str, lanes: int | None) -> Data:
    """The mapping with at most ``lanes`` lanes per direction at one crossing or street (None: as built)."""
    changes = _replaced(data, "lane_reduction", where, ident)
    if lanes is not None:
        changes.append({"type": "lane_reduction", where: [ident], "lanes_per_direction": int(lanes)})
    return with_interventions(data, changes)


def with_volume(data: Mapping[str, Any], where: Where, ident: str,
                vph: float | tuple[float, float] | None) -> Data:
    """The mapping with a peak-hour volume, veh/h: one number or a pair per direction (None: estimated)."""
    changes = _replaced(data, "volume", where, ident)
    if vph is not None:
        value: Any = ([float(vph[0]), float(vph[1])] if isinstance(vph, tuple) and vph[0] != vph[1]
                      else float(vph[0] if isinstance(vph, tuple) else vph))
        changes.append({"type": "volume", where: [ident], "vph": value})
    return with_interventions(data, changes)


def education_share(data: Mapping[str, Any]) -> float | None:
    """The share of children given road-safety education (0–1), if any."""
    shares = [float(c["share"]) for c in interventions_of(data) if c.get("type") == "education"]
    return max(shares) if shares else None


def with_education(data: Mapping[str, Any], share: float | None) -> Data:
    """The mapping with road-safety education for ``share`` (0–1) of the children (None or 0: none)."""
    changes = [c for c in interventions_of(data) if c.get("type") != "education"]
    if share:
        changes.append({"type": "education", "share": round(float(share), 4)})
    return with_interventions(data, changes)


def start_time(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The staggered start (``bell`` and ``ages``, None for every age), if any (the first one listed)."""
    for change in interventions_of(data):
        if change.get("type") == "start_time":
            return {"bell": change["bell"], "ages": change.get("ages")}
    return None


def with_start_time(data: Mapping[str, Any], bell: str | None, ages: Sequence[int] | None = None) -> Data:
    """The mapping with one staggered start: ``bell`` (HH:MM) for ``ages`` (None or empty: every age).

    None for ``bell`` removes it.
    """
    changes = [c for c in interventions_of(data) if c.get("type") != "start_time"]
    if bell:
        change: dict[str, Any] = {"type": "start_time", "bell": bell}
        if ages:
            change["ages"] = sorted({int(a) for a in ages})
        changes.append(change)
    return with_interventions(data, changes)


def with_children(data: Mapping[str, Any], children: int | None) -> Data:
    """The mapping with ``children`` pupils walking (None: the site's own number)."""
    if children is None:
        out = dict(data)
        out.pop("children", None)
        return with_field(out, "name", out.get("name", ""))
    return with_field(data, "children", int(children))


__all__ = ["education_share", "road_levers", "start_time", "with_children", "with_education", "with_lanes",
           "with_start_time", "with_volume"]
