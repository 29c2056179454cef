"""The setting under construction: what the interventions change before the setting is prepared."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import networkx as nx

from simulator.arrival import ModeChoice
from simulator.crossing import Crossing, informal_id
from simulator.gate import GateRules
from simulator.network.site import street_edge_id
from simulator.network.walk import WalkNetwork
from simulator.params import Parameters
from simulator.scenario.interventions import Zone
from simulator.setting import Calming, Setting
from simulator.setting import GuardPost as Post


class RefusedError(Exception):
    """An intervention that cannot be applied to this site: problems at its fields.

    Each problem starts with the field path inside the intervention
    (``crossings[1]: ...``); the caller adds where the intervention is.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Draft:
    """Crossings, walk graph, calming, volumes, guards and rules, as the appliers leave them.

    Attributes
    ----------
    site
        The walk network as built, before any intervention.
    params
        The parameter table with the scenario's overrides.
    gate
        The school gate, projected metres: the centre of a zone without one.
    start
        Start of the simulated period, seconds after midnight.
    crossings, graph
        The crossings and the walk graph (the site's graph until an applier copies it).
    calming, volume, guards, dropoff_ban, education_share, bell_by_age, modes, gate_rules
        What :func:`simulator.setting.prepare_setting` takes of the same names.
    finish
        Steps run on the prepared setting, in order (e.g. publishing routes).
    """

    site: WalkNetwork
    params: Parameters
    gate: tuple[float, float]
    start: float
    crossings: dict[str, Crossing] = field(init=False)
    graph: nx.Graph = field(init=False)
    calming: dict[str, Calming] = field(default_factory=dict)
    volume: dict[str, tuple[float, float]] = field(default_factory=dict)
    guards: list[Post] = field(default_factory=list)
    dropoff_ban: float = 0.0
    education_share: float = 0.0
    bell_by_age: dict[int, str] = field(default_factory=dict)
    finish: list[Callable[[Setting], Setting]] = field(default_factory=list)
    modes: ModeChoice = field(init=False)
    gate_rules: GateRules = field(default_factory=GateRules)

    def __post_init__(self) -> None:
        self.crossings = dict(self.site.crossings)
        self.graph = self.site.graph
        self.modes = ModeChoice.from_params(self.params)

    def network(self) -> WalkNetwork:
        """The walk network with the changed crossings and graph."""
        return replace(self.site, graph=self.graph, crossings=self.crossings)

    def own_graph(self) -> nx.Graph:
        """The walk graph, copied first if it is still the site's (which others share)."""
        if self.graph is self.site.graph:
            self.graph = self.graph.copy()
        return self.graph

    def change(self, crossing: str, **fields: Any) -> None:
        """Replace fields of one crossing."""
        self.crossings[crossing] = replace(self.crossings[crossing], **fields)

    def acts_on(self, change: Any, *, kerbs: bool = False) -> list[str]:
        """The crossing ids an intervention acts on: named, on the named edges, or in its zone.

        Parameters
        ----------
        change
            An intervention with ``crossings``, ``edges`` or ``zone`` (the one given).
        kerbs
            For measures at the kerbs (parking): a named crossing brings the
            at-grade way beneath a bridge along (the same kerbs), and a zone
            takes the crossings the scenario added too. Otherwise edges and
            zones take the site's crossings only.
        """
        pool = self.crossings if kerbs else self.site.crossings
        named = getattr(change, "crossings", None)
        if named:
            beneath = [informal_id(c) for c in named if kerbs and informal_id(c) in pool]
            return [*named, *beneath]
        edges = getattr(change, "edges", None)
        if edges:
            return [cid for edge in edges for cid in self._by_edge.get(edge, [])]
        zone: Zone = change.zone
        cx, cy = zone.center or self.gate
        return [cid for cid, c in pool.items() if math.hypot(c.x - cx, c.y - cy) <= zone.radius_m]

    @cached_property
    def _by_edge(self) -> dict[str, list[str]]:
        """The site's crossing ids by street edge id."""
        found: dict[str, list[str]] = {}
        for cid, c in self.site.crossings.items():
            found.setdefault(street_edge_id(*c.edge), []).append(cid)
        return found
