"""The arrival levers on the scenario mapping: 即停即走 zone, e-bike parking, school bus, walking distance.

Pure functions like those of :mod:`simulator.ui.levers` (each returns a new
mapping; the page validates it before accepting it). A number typed in the
page is checked here first (:func:`number_in`) against the bounds the
scenario schema gives its field (:func:`bounds`), so the page can refuse it in
its own words, in the unit it shows (a school-bus share in %, not 0–1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, get_args

from pydantic import BaseModel

from simulator.arrival import GATE_STOP
from simulator.scenario.interventions import EbikeParking, KissAndRide, ModeShares, SchoolBus
from simulator.scenario.rules import Rule
from simulator.ui.state import Data, interventions_of, with_interventions

DEFAULT_KISS_M = 60.0
DEFAULT_EBIKE_WALK_M = float(EbikeParking.model_fields["walk_m"].default)


def bounds(model: type[BaseModel], field: str, *, scale: float = 1.0) -> tuple[float, float]:
    """The inclusive bounds the scenario schema allows for ``model.field``, times ``scale``."""
    info = model.model_fields[field]
    rule = next(m for m in [*info.metadata, *_rules_in(info.annotation)] if isinstance(m, Rule))
    low = -math.inf if rule.ge is None else rule.ge
    high = math.inf if rule.le is None else rule.le
    return low * scale, high * scale


def _rules_in(annotation: Any) -> list[Any]:
    """Every ``Annotated`` metadata inside an annotation (``Annotated[float, Rule(...)] | None``)."""
    found = list(getattr(annotation, "__metadata__", ()))
    for arg in get_args(annotation):
        found += _rules_in(arg)
    return found


KISS_BOUNDS = bounds(KissAndRide, "length_m")
EBIKE_BOUNDS = bounds(EbikeParking, "walk_m")
SCHOOL_BUS_BOUNDS = bounds(SchoolBus, "share", scale=100.0)  # the page shows per cent
D50_BOUNDS = bounds(ModeShares, "walk_distance_d50_km")


def number_in(text: object, low: float, high: float, *, whole: bool) -> float | None:
    """``text`` as a number within [low, high] (a whole number if ``whole``), else None; nothing adjusted."""
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    if not math.isfinite(value) or not low <= value <= high or (whole and value != int(value)):
        return None
    return value


def _one(data: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    """The last intervention of ``kind`` (the one that wins when the scenario is applied)."""
    found = [c for c in interventions_of(data) if c.get("type") == kind]
    return found[-1] if found else None


def _replaced(data: Mapping[str, Any], kind: str, change: dict[str, Any] | None) -> Data:
    changes = [c for c in interventions_of(data) if c.get("type") != kind]
    if change is not None:
        changes.append(change)
    return with_interventions(data, changes)


def kiss_and_ride(data: Mapping[str, Any]) -> float | None:
    """The 即停即走 zone's kerb length (m), if there is one (the longest given)."""
    lengths = [float(c["length_m"]) for c in interventions_of(data) if c.get("type") == "kiss_and_ride"]
    return max(lengths) if lengths else None


def with_kiss_and_ride(data: Mapping[str, Any], length_m: float | None) -> Data:
    """The mapping with one 即停即走 zone of ``length_m`` of kerb (None: none)."""
    change = None if length_m is None else {"type": "kiss_and_ride", "length_m": float(length_m)}
    return _replaced(data, "kiss_and_ride", change)


def ebike_parking(data: Mapping[str, Any]) -> float | None:
    """The e-bike parking's walk to the gate (m), if there is parking."""
    change = _one(data, "ebike_parking")
    return None if change is None else float(change.get("walk_m", DEFAULT_EBIKE_WALK_M))


def with_ebike_parking(data: Mapping[str, Any], walk_m: float | None) -> Data:
    """The mapping with e-bike parking ``walk_m`` from the gate (None: none)."""
    change = None if walk_m is None else {"type": "ebike_parking", "walk_m": float(walk_m)}
    return _replaced(data, "ebike_parking", change)


def school_bus(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The school bus: ``share`` (0–1) and ``stop`` (``gate`` or a bus-stop id), if there is one."""
    change = _one(data, "school_bus")
    if change is None:
        return None
    return {"share": float(change["share"]), "stop": change.get("stop", GATE_STOP)}


def with_school_bus(data: Mapping[str, Any], share: float | None, *, stop: str = GATE_STOP) -> Data:
    """The mapping with a school bus for ``share`` (0–1) of the driven pupils, stopping at ``stop``.

    None or 0 for ``share``: no school bus.
    """
    change = {"type": "school_bus", "share": round(float(share), 4), "stop": stop} if share else None
    return _replaced(data, "school_bus", change)


def walk_d50(data: Mapping[str, Any]) -> float | None:
    """The home distance (km) at which half the pupils walk, if the scenario sets it."""
    change = _one(data, "mode_shares")
    value = None if change is None else change.get("walk_distance_d50_km")
    return None if value is None else float(value)


def with_walk_d50(data: Mapping[str, Any], km: float | None) -> Data:
    """The mapping with half the pupils walking at ``km`` (None: the parameter table's distance).

    The mode shares' other fields (e-bike, car, bus) are kept.
    """
    now = dict(_one(data, "mode_shares") or {"type": "mode_shares"})
    now.pop("walk_distance_d50_km", None)
    if km is not None:
        now["walk_distance_d50_km"] = float(km)
    keep = any(k != "type" for k in now)
    return _replaced(data, "mode_shares", now if keep else None)


__all__ = ["D50_BOUNDS", "EBIKE_BOUNDS", "KISS_BOUNDS", "SCHOOL_BUS_BOUNDS", "bounds", "ebike_parking",
           "kiss_and_ride", "number_in", "school_bus", "walk_d50", "with_ebike_parking", "with_kiss_and_ride",
           "with_school_bus", "with_walk_d50"]
