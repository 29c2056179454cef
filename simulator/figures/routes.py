"""The printable route map (上学路线图): each home's recommended route, the school and risky crossings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.figures.fonts import figure_style
from simulator.network.walk import WalkNetwork
from simulator.routing import RouteChoice

TEXT = {
    "zh": {
        "title": "推荐上学路线图",
        "route": "推荐路线 (线宽 ∝ 学生数)",
        "changed": "原路线 (已改)",
        "school": "学校",
        "risk": "高风险过街点",
        "x": "东向 (m)",
        "y": "北向 (m)",
    },
    "en": {
        "title": "Recommended routes to school",
        "route": "recommended route (width ∝ children)",
        "changed": "former route (changed)",
        "school": "school",
        "risk": "risky crossing",
        "x": "easting (m)",
        "y": "northing (m)",
    },
}


def draw_route_map(
    network: WalkNetwork,
    routes: Mapping[str, RouteChoice],
    *,
    weights: Mapping[str, float],
    hazard: Mapping[str, float] | None = None,
    lang: str = "zh",
    title: str | None = None,
) -> Figure:
    """Recommended routes drawn by how many children use each walk edge."""
    t = TEXT[lang]
    g = network.graph
    xy = {n: (d["x"], d["y"]) for n, d in g.nodes(data=True)}
    use: defaultdict[frozenset, float] = defaultdict(float)
    former: defaultdict[frozenset, float] = defaultdict(float)
    for home, choice in routes.items():
        rec = choice.recommended or choice.compliant
        w = weights.get(home, 1.0)
        for a, b in zip(rec.nodes[:-1], rec.nodes[1:], strict=True):
            use[frozenset((a, b))] += w
        if rec.nodes != choice.compliant.nodes:
            for a, b in zip(choice.compliant.nodes[:-1], choice.compliant.nodes[1:], strict=True):
                former[frozenset((a, b))] += w
    with figure_style():
        fig = Figure(figsize=(9, 9), dpi=110)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        base = [(xy[a], xy[b]) for a, b, k in g.edges(data="kind") if k in ("sidewalk", "footway")]
        ax.add_collection(LineCollection(base, colors="#dddddd", linewidths=0.5, zorder=1))
        if former:
            segs = [tuple(xy[n] for n in e) for e in former if len(e) == 2]
            ax.add_collection(
                LineCollection(segs, colors="#bbbbbb", linewidths=1.0, linestyles="--", zorder=2)
            )
        top = max(use.values(), default=1.0)
        edges = [e for e in use if len(e) == 2]
        ax.add_collection(
            LineCollection(
                [tuple(xy[n] for n in e) for e in edges],
                colors="#1b9e77",
                linewidths=[0.8 + 5.0 * use[e] / top for e in edges],
                zorder=3,
            )
        )
        handles = [Line2D([], [], color="#1b9e77", linewidth=3, label=t["route"])]
        if former:
            handles.append(Line2D([], [], color="#bbbbbb", linestyle="--", label=t["changed"]))
        if hazard:
            worst = sorted((h, cid) for cid, h in hazard.items() if h > 0)[-10:]
            cs = [network.crossings[cid] for _, cid in worst]
            ax.scatter([c.x for c in cs], [c.y for c in cs], s=60, c="#d62728", marker="X", zorder=4)
            handles.append(Line2D([], [], color="#d62728", marker="X", linestyle="", label=t["risk"]))
        sx, sy = xy[network.school_node]
        ax.scatter([sx], [sy], s=240, c="#e41a1c", marker="*", edgecolors="black", zorder=5)
        handles.append(
            Line2D([], [], color="#e41a1c", marker="*", linestyle="", markersize=12, label=t["school"])
        )
        ax.set_aspect("equal")
        ax.autoscale_view()
        ax.ticklabel_format(useOffset=False, style="plain")
        ax.tick_params(labelsize=7)
        ax.set_xlabel(t["x"])
        ax.set_ylabel(t["y"])
        ax.set_title(title or t["title"])
        ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
        fig.tight_layout()
    return fig
