"""The site map: walk graph, crossings by facility (or by risk), school, homes, bus stops, guard posts.

Drawn as a map (:mod:`simulator.figures.frame`): framed on the school and its
homes, axes in metres from the school gate, roads, buildings and water under
it, street names, a scale bar and a north arrow.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.figures.fonts import figure_style
from simulator.figures.frame import collect_markers, draw_frame, fit_height, frame_view, place_street_names
from simulator.network.walk import WalkNetwork

FACILITY_STYLE: dict[str, tuple[str, str, str, str]] = {
    # facility: colour, marker, Chinese label, English label
    "unmarked": ("#9e9e9e", "o", "无标线", "unmarked"),
    "zebra": ("#1f77b4", "s", "斑马线", "zebra"),
    "raised": ("#17becf", "s", "抬高式斑马线", "raised zebra"),
    "signal": ("#2ca02c", "^", "信号灯", "signal"),
    "refuge": ("#9467bd", "D", "安全岛", "refuge island"),
    "footbridge": ("#ff7f0e", "P", "天桥", "footbridge"),
    "underpass": ("#8c564b", "P", "地下通道", "underpass"),
}
TEXT = {
    "zh": {
        "school": "学校",
        "home": "住宅",
        "stop": "公交站",
        "guard": "护学岗",
        "title": "步行网络与过街设施",
        "x": "距学校东向（米）",
        "y": "距学校北向（米）",
        "informal": "天桥下违规穿行",
        "risk": "重伤风险 (期望值)",
    },
    "en": {
        "school": "school",
        "home": "homes",
        "stop": "bus stop",
        "guard": "guard post (护学岗)",
        "title": "Walk network and crossings",
        "x": "east of the school (m)",
        "y": "north of the school (m)",
        "informal": "at grade under a bridge",
        "risk": "expected severe injuries",
    },
}
WIDTH_IN = 9.0
WALK_COLOUR = "#bdbdbd"
STOP_COLOUR = "#0d47a1"


def draw_site_map(
    network: WalkNetwork,
    *,
    lang: str = "zh",
    title: str | None = None,
    crossings: pd.DataFrame | None = None,
    guards: Mapping[str, str] | None = None,
    home_weights: Mapping[str, float] | None = None,
) -> Figure:
    """Draw a site as a map framed on its school and homes.

    Parameters
    ----------
    network
        The walk network (with school and homes attached).
    lang
        ``"zh"`` or ``"en"`` for labels.
    title
        Title above the map; a default in ``lang`` if None.
    crossings
        Optional per-crossing results (``crossing``, ``p_severe_sum``): markers are
        then sized by expected severe injuries.
    guards
        Optional crossing id -> hours text of guard posts.
    home_weights
        Optional home id -> weight, to size the homes.

    Returns
    -------
    Figure
        On an Agg canvas, its texts in the CJK font (it may be saved anywhere).
    """
    t = TEXT[lang]
    g = network.graph
    xy = {n: (d["x"], d["y"]) for n, d in g.nodes(data=True)}
    school = xy[network.school_node]
    box = frame_view(np.array([school, *(xy[n] for n in network.home_nodes.values())]))
    with figure_style():
        fig = Figure(figsize=(WIDTH_IN, fit_height(box, WIDTH_IN, extra_in=0.6, limits=(5.0, 11.0))),
                     dpi=110, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        names = draw_frame(ax, network.street, box, origin=school, lang=lang, xlabel=t["x"], ylabel=t["y"],
                           avoid=collect_markers(network))
        walk = [(xy[a], xy[b]) for a, b, k in g.edges(data="kind") if k in ("sidewalk", "footway", "link")]
        ax.add_collection(LineCollection(walk, colors=WALK_COLOUR, linewidths=0.6, zorder=1))
        handles = _draw_crossings(ax, network, crossings, lang=lang)
        handles += _draw_homes(ax, network, xy, home_weights, label=t["home"])
        handles += draw_stops(ax, network, lang=lang)
        handles += _draw_guards(ax, network, guards or {}, lang=lang)
        ax.scatter([school[0]], [school[1]], s=220, c="#e41a1c", marker="*", edgecolors="black", zorder=5)
        ax.annotate(t["school"], school, xytext=(8, -12), textcoords="offset points", fontsize=10, zorder=6,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
        handles.append(
            Line2D([], [], color="#e41a1c", marker="*", linestyle="", markersize=12, label=t["school"])
        )
        ax.set_title(title or t["title"])
        if crossings is not None and len(crossings):
            handles.append(Line2D([], [], color="none", label=f"{t['risk']}: ∝ marker area"))
        ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
        place_street_names(fig, ax, names)
    return fig


def _draw_crossings(ax, network: WalkNetwork, crossings: pd.DataFrame | None, *, lang: str) -> list[Line2D]:
    """Crossings by facility (sized by expected severe injuries when results are given); legend handles."""
    risk = {}
    if crossings is not None and len(crossings):
        risk = crossings.groupby("crossing")["p_severe_sum"].mean().to_dict()
    top = max(risk.values(), default=0.0) or 1.0
    handles = []
    for facility, (colour, marker, zh, en) in FACILITY_STYLE.items():
        cs = [c for c in network.crossings.values() if c.facility == facility and not c.informal]
        if not cs:
            continue
        size = np.array([20 + 280 * risk.get(c.id, 0.0) / top for c in cs]) if risk else 18
        ax.scatter([c.x for c in cs], [c.y for c in cs], s=size, c=colour, marker=marker, edgecolors="black",
                   linewidths=0.3, zorder=3)
        handles.append(Line2D([], [], color=colour, marker=marker, linestyle="",
                              label=f"{zh if lang == 'zh' else en} ({len(cs)})"))
    informal = [c for c in network.crossings.values() if c.informal]
    if informal:
        ax.scatter([c.x for c in informal], [c.y for c in informal], s=14, c="#d62728", marker="x", zorder=3)
        handles.append(Line2D([], [], color="#d62728", marker="x", linestyle="",
                              label=TEXT[lang]["informal"]))
    return handles


def _draw_homes(ax, network: WalkNetwork, xy: Mapping, weights: Mapping[str, float] | None, *,
                label: str) -> list[Line2D]:
    homes = [(xy[n], (weights or {}).get(h, 1.0)) for h, n in network.home_nodes.items()]
    if not homes:
        return []
    w = np.array([h[1] for h in homes], float)
    ax.scatter([h[0][0] for h in homes], [h[0][1] for h in homes], s=8 + 40 * w / w.max(), c="#8fbc8f",
               marker="h", alpha=0.8, zorder=2)
    return [Line2D([], [], color="#8fbc8f", marker="h", linestyle="", label=label)]


def draw_stops(ax, network: WalkNetwork, *, lang: str) -> list[Line2D]:
    """Bus stops as small open squares; the legend handle (none without stops)."""
    g = network.graph
    at = [(g.nodes[n]["x"], g.nodes[n]["y"]) for n in network.stop_nodes.values()]
    if not at:
        return []
    ax.scatter([p[0] for p in at], [p[1] for p in at], s=26, marker="s", facecolors="white",
               edgecolors=STOP_COLOUR, linewidths=1.3, zorder=4)
    return [Line2D([], [], color=STOP_COLOUR, marker="s", markerfacecolor="white", linestyle="",
                   label=f"{TEXT[lang]['stop']} ({len(at)})")]


def _draw_guards(ax, network: WalkNetwork, guards: Mapping[str, str], *, lang: str) -> list[Line2D]:
    for cid, hours in guards.items():
        c = network.crossings[cid]
        ax.scatter([c.x], [c.y], s=160, facecolors="none", edgecolors="#d62728", linewidths=1.6, zorder=4)
        ax.annotate(f"{'护学岗' if lang == 'zh' else 'guard'} {hours}", (c.x, c.y), xytext=(6, 6),
                    textcoords="offset points", fontsize=8, color="#d62728", zorder=6)
    if not guards:
        return []
    return [Line2D([], [], color="#d62728", marker="o", markerfacecolor="none", linestyle="",
                   label=TEXT[lang]["guard"])]


def save_site_map(fig: Figure, path: str | Path) -> Path:
    """Write the figure (PNG, SVG or PDF by the file's suffix)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with figure_style():
        fig.savefig(path)
    return path
