"""Applying interventions: every intervention type's applier and description, in one registry.

Each type in :data:`KINDS` changes the setting under construction
(:class:`Draft`) its own way and says what it changes and where in one line
(:func:`describe`, used by the report and the UI). A new intervention type is
a model in :mod:`simulator.scenario.interventions` (added to its
``Intervention`` union) and a :class:`Kind` beside its kin (``crossings``,
``traffic`` or ``school``), listed in :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from simulator.errors import ScenarioError
from simulator.scenario.apply import arrival, crossings, school, traffic
from simulator.scenario.apply.draft import Draft, RefusedError
from simulator.scenario.apply.kind import Kind
from simulator.scenario.apply.words import Words

KINDS: Mapping[str, Kind[Any]] = {kind.type: kind for kind in (
    crossings.FACILITY, crossings.ACCESS, crossings.PARKING, crossings.NO_PARKING, crossings.LANE_REDUCTION,
    traffic.VOLUME, traffic.SPEED_LIMIT, traffic.HUMPS,
    school.GUARD, school.DROPOFF_BAN, school.EDUCATION, school.START_TIME, school.RECOMMENDED_ROUTES,
    arrival.MODE_SHARES, arrival.SCHOOL_BUS, arrival.KISS_AND_RIDE, arrival.EBIKE_PARKING,
)}
"""Every intervention type by its ``type``: the registry, in the order the types are applied.

Crossings are rebuilt first (new bridges before their access, then kerbs and
lanes), then the traffic (volumes, then limits and humps, which combine), then
the school's measures, published routes last (chosen on the prepared
setting). Within a type, interventions apply in file order.
"""


def apply_interventions(interventions: Sequence[BaseModel], draft: Draft, *, origin: str) -> None:
    """Apply every intervention to the draft, type by type in the order of :data:`KINDS`.

    Raises
    ------
    ScenarioError
        Naming every intervention this site cannot take, and why.
    """
    found: list[str] = []
    for kind in KINDS.values():
        for index, change in enumerate(interventions):
            if isinstance(change, kind.model):
                try:
                    kind.apply(change, draft)
                except RefusedError as refused:
                    found.extend(f"interventions[{index}].{problem}" for problem in refused.problems)
    if found:
        msg = f"{origin}: " + "; ".join(found)
        raise ScenarioError(msg)


def describe(change: BaseModel, words: Words) -> str:
    """One intervention in one line: what it changes and where."""
    return KINDS[str(getattr(change, "type", ""))].describe(change, words)


__all__ = ["KINDS", "Draft", "Kind", "RefusedError", "Words", "apply_interventions", "describe"]
