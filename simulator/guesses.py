"""What a site guessed rather than read from its map: inferred crossings, defaulted roads, homes.

A real map rarely says everything the model needs. The walk network infers
an unmarked crossing wherever a footway meets a road the map gives no
crossing for; roads without ``lanes`` or ``maxspeed`` take their class's
default; traffic volumes always come from the class table unless a scenario
gives counts; homes come from residential buildings, from residential areas
without buildings, or — with neither — from points along residential
streets. :func:`guesses_of` counts each, and :meth:`Guesses.line` says it in
one line (zh or en) for the command line, the manifest and the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from simulator.network.walk import WalkNetwork

HOME_SOURCES = ("buildings", "areas", "streets", "compounds")
"""Where homes come from: the street graph's ``home_sources`` (:mod:`simulator.network.schools`);
compound gates where it has none (the synthetic district)."""


@dataclass(frozen=True)
class Guesses:
    """Counts of what was guessed on one site (and, with results, how much the children used it)."""

    crossings: int
    inferred: int
    street_edges: int
    defaulted: Mapping[str, int]
    homes: Mapping[str, int]
    inferred_use_pct: float | None = None
    bridges: int = 0
    access_guessed: int = 0
    no_at_grade: int = 0

    def as_dict(self) -> dict[str, object]:
        """The counts as plain data (for ``manifest.json``)."""
        return {"crossings": self.crossings, "inferred_crossings": self.inferred,
                "street_edges": self.street_edges, "defaulted_street_edges": dict(self.defaulted),
                "volumes": "default table by road class unless a scenario counts them",
                "homes": dict(self.homes), "crossings_used_inferred_pct": self.inferred_use_pct,
                "grade_separated": self.bridges, "access_not_mapped": self.access_guessed,
                "street_edges_without_at_grade_crossings": self.no_at_grade}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Guesses:
        """The counts as :meth:`as_dict` wrote them (a results folder's ``manifest.json``)."""
        use = data.get("crossings_used_inferred_pct")
        return cls(crossings=int(data["crossings"]), inferred=int(data["inferred_crossings"]),  # type: ignore[call-overload]
                   street_edges=int(data["street_edges"]),  # type: ignore[call-overload]
                   defaulted=dict(data.get("defaulted_street_edges") or {}),  # type: ignore[call-overload]
                   homes=dict(data.get("homes") or {}),  # type: ignore[call-overload]
                   inferred_use_pct=None if use is None else float(use),  # type: ignore[arg-type]
                   bridges=int(data.get("grade_separated") or 0),  # type: ignore[call-overload]
                   access_guessed=int(data.get("access_not_mapped") or 0),  # type: ignore[call-overload]
                   no_at_grade=int(data.get("street_edges_without_at_grade_crossings") or 0))  # type: ignore[call-overload]

    def line(self, lang: str = "en") -> str:
        """One line saying what was guessed, in ``lang`` ("zh" or "en")."""
        lanes, speed = self.defaulted.get("lanes", 0), self.defaulted.get("maxspeed", 0)
        joint = "、" if lang == "zh" else ", "
        homes = joint.join(HOME_COUNT[lang].format(n=n, what=HOME_WORDS[lang][k])
                           for k, n in self.homes.items() if n)
        use = ("" if self.inferred_use_pct is None
               else USE_WORDS[lang].format(pct=f"{self.inferred_use_pct:.0f}"))
        text = LINE[lang].format(inferred=self.inferred, crossings=self.crossings, use=use, lanes=lanes,
                                 speed=speed, edges=self.street_edges, homes=homes or "—")
        extras = []
        if self.access_guessed:
            extras.append(BRIDGE_WORDS[lang].format(guessed=self.access_guessed, bridges=self.bridges))
        if self.no_at_grade:
            extras.append(BLOCKED_WORDS[lang].format(edges=self.no_at_grade))
        return text + "".join(extras)


LINE = {
    "en": ("Guessed, not mapped: {inferred} of {crossings} at-grade crossings inferred{use}; lanes defaulted "
           "on {lanes} and speed limits on {speed} of {edges} street edges; traffic volumes from the "
           "class table; homes from {homes}."),
    "zh": ("推断而非地图所载：{crossings} 处平面过街中 {inferred} 处为推断{use}；"
           "{edges} 条街道边中 {lanes} 条的车道数、{speed} 条的限速取默认值；"
           "交通量取道路等级默认值；住址来自 {homes}。"),
}
BRIDGE_WORDS = {"en": " Access (stairs, ramp, lift) not mapped for {guessed} of {bridges} footbridges and "
                       "underpasses: stairs assumed.",
                "zh": "{bridges} 处天桥、地下通道中 {guessed} 处未标注坡道或电梯：按仅有楼梯计。"}
BLOCKED_WORDS = {"en": " {edges} street edges (motorways, fenced or no-crossing roads) get no inferred "
                        "at-grade crossing.",
                 "zh": "{edges} 条街道边（快速路、隔离栏或禁止横穿）不推断平面过街。"}
HOME_COUNT = {"en": "{n} {what}", "zh": "{n} 个{what}"}
USE_WORDS = {"en": " ({pct}% of children's crossings use them)", "zh": "（儿童过街中 {pct}% 使用推断过街）"}
HOME_WORDS = {
    "en": {"buildings": "residential buildings", "areas": "residential areas without buildings",
           "streets": "points along streets", "compounds": "compound gates (synthetic district)"},
    "zh": {"buildings": "住宅建筑", "areas": "无建筑的居住用地", "streets": "街道上的点",
           "compounds": "小区大门（合成街区）"},
}


def guesses_of(network: WalkNetwork, *, events: pd.DataFrame | None = None) -> Guesses:
    """What ``network``'s site guessed; with a run's ``events``, the share of crossings on inferred ones.

    Parameters
    ----------
    network
        The site's walk network.
    events
        Events of one or more runs on it (``crossing`` and ``children`` columns), or None.
    """
    at_grade = [c for c in network.crossings.values() if not c.grade_separated]
    inferred = {c.id for c in at_grade if c.inferred}
    street = network.street.graph
    edges = street.get("street_edges")
    if edges is None:  # a graph without the OSM reader's count (the district): its carriageway edges
        edges = sum(1 for *_, d in network.street.edges(data=True) if d.get("lanes", 0)) // 2
    known = street.get("home_sources") or {}
    sources = Counter(known.get(h, "compounds") for h in network.home_nodes)
    use = None
    if events is not None and len(events):
        children = events["children"].astype(float)
        on = children[events["crossing"].isin(inferred)].sum()
        use = 100.0 * float(on) / float(children.sum()) if children.sum() else None
    bridges = sum(c.grade_separated for c in network.crossings.values())
    return Guesses(
        crossings=len(at_grade), inferred=len(inferred),
        bridges=bridges, access_guessed=int(street.get("access_defaulted", 0)),
        no_at_grade=int(street.get("no_at_grade", 0)),
        street_edges=int(edges),
        defaulted={k: int(v) for k, v in dict(street.get("defaulted", {})).items()},
        homes={k: sources.get(k, 0) for k in HOME_SOURCES},
        inferred_use_pct=use,
    )
