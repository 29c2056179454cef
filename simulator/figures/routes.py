"""The printable route map (上学路线图): recommended routes, school, bus stops, risky crossings.

Drawn as a map (:mod:`simulator.figures.frame`): framed on the routes, axes in
metres from the school gate, roads, buildings and water under them, street
names, a scale bar and a north arrow; the riskiest crossings are ranked ①②③….
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.crossing import Crossing
from simulator.figures.fonts import figure_style
from simulator.figures.frame import collect_markers, draw_frame, fit_height, frame_view, place_street_names
from simulator.figures.labels import cluster_labels, format_rank, join_ranks
from simulator.figures.map import draw_stops
from simulator.network.walk import WalkNetwork
from simulator.routing import RouteChoice

TEXT = {
    "zh": {
        "title": "推荐上学路线图",
        "route": "推荐路线 (线宽 ∝ 学生数)",
        "changed": "原路线 (已改)",
        "school": "学校",
        "risk": "高风险过街点（①=风险最高）",
        "x": "距学校东向（米）",
        "y": "距学校北向（米）",
    },
    "en": {
        "title": "Recommended routes to school",
        "route": "recommended route (width ∝ children)",
        "changed": "former route (changed)",
        "school": "school",
        "risk": "risky crossing (① = riskiest)",
        "x": "east of the school (m)",
        "y": "north of the school (m)",
    },
}
WIDTH_IN = 9.0
RISKY_SHOWN = 10
RANK_FONT = 9
RANK_MERGE_M = 45.0  # ranks of crossings closer than this share one label


def _edge(a: Hashable, b: Hashable) -> tuple[Hashable, Hashable]:
    """A walk edge taken either way, its ends in one order.

    Ordered by ``repr``, the same in every process (a set's order follows the
    strings' hashes, which differ between processes: dashes and line ends
    would move from one run to the next).
    """
    return (a, b) if repr(a) <= repr(b) else (b, a)


def draw_route_map(
    network: WalkNetwork,
    routes: Mapping[str, RouteChoice],
    *,
    weights: Mapping[str, float],
    hazard: Mapping[str, float] | None = None,
    lang: str = "zh",
    title: str | None = None,
) -> Figure:
    """Recommended routes drawn by how many children use each walk edge, framed on the routes.

    Parameters
    ----------
    network
        The walk network the routes run on.
    routes
        Home id -> its route choice (the recommended route, else the compliant one, is drawn).
    weights
        Home id -> children (line widths).
    hazard
        Crossing id -> hazard: the :data:`RISKY_SHOWN` highest are marked and ranked ①②③….
    lang
        ``"zh"`` or ``"en"``.
    title
        Title above the map; a default in ``lang`` if None.

    Returns
    -------
    Figure
        On an Agg canvas, its texts in the CJK font (it may be saved anywhere).
    """
    t = TEXT[lang]
    g = network.graph
    xy = {n: (d["x"], d["y"]) for n, d in g.nodes(data=True)}
    use: defaultdict[tuple, float] = defaultdict(float)
    former: defaultdict[tuple, float] = defaultdict(float)
    for home, choice in routes.items():
        rec = choice.recommended or choice.compliant
        w = weights.get(home, 1.0)
        for a, b in zip(rec.nodes[:-1], rec.nodes[1:], strict=True):
            use[_edge(a, b)] += w
        if rec.nodes != choice.compliant.nodes:
            for a, b in zip(choice.compliant.nodes[:-1], choice.compliant.nodes[1:], strict=True):
                former[_edge(a, b)] += w
    school = xy[network.school_node]
    risky = _pick_riskiest(network, hazard or {})
    box = frame_view(np.array([school, *(xy[n] for e in use for n in e), *((c.x, c.y) for c in risky)]))
    with figure_style():
        fig = Figure(figsize=(WIDTH_IN, fit_height(box, WIDTH_IN, extra_in=0.6, limits=(5.0, 11.0))),
                     dpi=110, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        names = draw_frame(ax, network.street, box, origin=school, lang=lang, xlabel=t["x"], ylabel=t["y"],
                           avoid=collect_markers(network))
        base = [(xy[a], xy[b]) for a, b, k in g.edges(data="kind") if k in ("sidewalk", "footway")]
        ax.add_collection(LineCollection(base, colors="#cfcfcf", linewidths=0.5, zorder=1))
        if former:
            segs = [(xy[a], xy[b]) for a, b in former if a != b]
            ax.add_collection(
                LineCollection(segs, colors="#9a9a9a", linewidths=1.0, linestyles="--", zorder=2)
            )
        top = max(use.values(), default=1.0)
        edges = [e for e in use if e[0] != e[1]]
        ax.add_collection(
            LineCollection(
                [(xy[a], xy[b]) for a, b in edges],
                colors="#1b9e77",
                linewidths=[0.8 + 5.0 * use[e] / top for e in edges],
                zorder=3,
            )
        )
        handles = [Line2D([], [], color="#1b9e77", linewidth=3, label=t["route"])]
        if former:
            handles.append(Line2D([], [], color="#9a9a9a", linestyle="--", label=t["changed"]))
        if risky:
            handles += _draw_risky(ax, risky, label=t["risk"])
        handles += draw_stops(ax, network, lang=lang)
        ax.scatter([school[0]], [school[1]], s=240, c="#e41a1c", marker="*", edgecolors="black", zorder=5)
        handles.append(
            Line2D([], [], color="#e41a1c", marker="*", linestyle="", markersize=12, label=t["school"])
        )
        ax.set_title(title or t["title"])
        ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
        place_street_names(fig, ax, names)
    return fig


def _pick_riskiest(network: WalkNetwork, hazard: Mapping[str, float]) -> list[Crossing]:
    """The :data:`RISKY_SHOWN` crossings of highest hazard (> 0), riskiest first."""
    worst = sorted(((h, cid) for cid, h in hazard.items() if h > 0), reverse=True)[:RISKY_SHOWN]
    return [network.crossings[cid] for _, cid in worst]


def _draw_risky(ax, risky: Sequence[Crossing], *, label: str) -> list[Line2D]:
    """Crossings as red crosses ranked ①②③… (ranks of crossings close together in one label)."""
    ax.scatter([c.x for c in risky], [c.y for c in risky], s=60, c="#d62728", marker="X", zorder=4)
    groups = cluster_labels([(c.x, c.y) for c in risky], [format_rank(k) for k in range(1, len(risky) + 1)],
                            within=RANK_MERGE_M)
    for (x, y), ranks in groups:
        ax.annotate(join_ranks(ranks), (x, y), xytext=(6, 6), textcoords="offset points",
                    fontsize=RANK_FONT, color="#a50f15", zorder=6,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    return [Line2D([], [], color="#d62728", marker="X", linestyle="", label=label)]
