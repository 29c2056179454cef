"""Recommendations as scenarios: the interventions each one adds, and the scenario that holds them.

Pure functions, shared by ``saferoute recommend`` (which writes the scenario
file) and the web page (which adds it to the scenarios it compares): a
guard recommendation becomes one ``guard`` intervention per post, a route
recommendation the ``recommended_routes`` intervention, a measures
recommendation the interventions of its best set. The scenario is the base
scenario with them appended, validated like a file, so ``saferoute run``
reads it back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from simulator.errors import ScenarioError
from simulator.scenario import Scenario, scenario_from_mapping

if TYPE_CHECKING:
    import pandas as pd

    from simulator.recommend.base import Evaluator
    from simulator.recommend.guards import GuardPick
    from simulator.recommend.measures import Measure

SEPARATOR = " + "  # between the measures of a set, as :mod:`simulator.recommend.measures` names sets
NAMES = {
    "guards": "推荐护学岗 Recommended guard posts",
    "routes": "推荐上学路线 Recommended routes",
    "measures": "推荐措施 Recommended measures",
}
"""The name of each kind of recommendation's scenario."""


def one_guard(crossing: str, *, hours: str, staff_type: str) -> dict[str, Any]:
    """The ``guard`` intervention of a one-person post at ``crossing`` (as in a scenario file)."""
    return {"type": "guard", "crossings": [crossing], "hours": hours, "staff": staff_type, "count": 1}


def interventions_from_guards(picks: Iterable[GuardPick], *, staff_type: str) -> list[dict[str, Any]]:
    """One ``guard`` intervention per recommended post (one person of ``staff_type``, its hours)."""
    return [one_guard(p.crossing, hours=p.hours, staff_type=staff_type) for p in picks]


def interventions_from_routes(*, compliance: float, max_detour: float) -> list[dict[str, Any]]:
    """The ``recommended_routes`` intervention: ``compliance`` of the children follow the routes."""
    return [{"type": "recommended_routes", "compliance": float(compliance), "max_detour": float(max_detour)}]


def interventions_from_measures(combination: str, *, menu: Sequence[Measure]) -> list[dict[str, Any]]:
    """The interventions of a set of measures named as in the combinations table.

    Parameters
    ----------
    combination
        The set's name: its measures' names joined by :data:`SEPARATOR`.
    menu
        The candidate measures (:func:`simulator.recommend.measures.menu`).

    Raises
    ------
    ScenarioError
        If the name is not made of the menu's measures.
    """
    found = _split(combination, {m.name: m for m in menu})
    if found is None:
        msg = (f"{combination!r}: not a set of the measures on the menu "
               f"(allowed: their names joined by {SEPARATOR!r})")
        raise ScenarioError(msg)
    return [dict(change) for m in found for change in m.interventions]


def _split(text: str, by_name: Mapping[str, Measure]) -> list[Measure] | None:
    """The measures whose names, joined, make ``text`` (names may themselves hold the separator)."""
    if text in by_name:
        return [by_name[text]]
    for name, measure in by_name.items():
        if text.startswith(name + SEPARATOR):
            rest = _split(text[len(name) + len(SEPARATOR):], by_name)
            if rest is not None:
                return [measure, *rest]
    return None


def menu_of(ev: Evaluator, singles: pd.DataFrame) -> list[Measure]:
    """The menu :func:`simulator.recommend.measures.recommend_measures` ranked, rebuilt from ``singles``."""
    from simulator.recommend.measures import menu

    targets = list(dict.fromkeys(str(c) for c in singles["crossing"] if isinstance(c, str)))
    return menu(ev, targets)


def scenario_from_recommendation(base: Scenario, *, name: str, interventions: Sequence[Mapping[str, Any]],
                                 description: str | None = None,
                                 origin: str = "<recommendation>") -> Scenario:
    """``base`` with ``interventions`` appended (a map's path absolute), validated like a file.

    Raises
    ------
    ScenarioError
        The one-line message a file with the same content would get.
    """
    data = base.model_dump(mode="json", exclude_none=True)
    data["name"] = name
    if description is not None:
        data["description"] = description
    data["interventions"] = [*data.get("interventions", []), *map(dict, interventions)]
    if base.site.map is not None:
        data["site"]["map"] = str(base.site.map)
    return scenario_from_mapping(data, origin=origin)


def describe_recommendation(kind: str, base: Scenario, *, seeds: int) -> str:
    """The scenario's description: which recommendation, from which base, with how many seeds."""
    return (f"由 saferoute recommend {kind} 生成，起点方案：{base.name}（{seeds} 个随机种子）。"
            f" Made by saferoute recommend {kind} from {base.name} ({seeds} seeds).")


__all__ = [
    "NAMES",
    "SEPARATOR",
    "describe_recommendation",
    "interventions_from_guards",
    "interventions_from_measures",
    "interventions_from_routes",
    "menu_of",
    "one_guard",
    "scenario_from_recommendation",
]
