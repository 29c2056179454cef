"""The site map: walk graph, crossings by facility (or by risk), school, homes, guard posts."""

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
        "guard": "护学岗",
        "title": "步行网络与过街设施",
        "x": "东向 (m)",
        "y": "北向 (m)",
        "informal": "天桥下违规穿行",
        "risk": "重伤风险 (期望值)",
    },
    "en": {
        "school": "school",
        "home": "homes",
        "guard": "guard post (护学岗)",
        "title": "Walk network and crossings",
        "x": "easting (m)",
        "y": "northing (m)",
        "informal": "at grade under a bridge",
        "risk": "expected severe injuries",
    },
}


def draw_site_map(
    network: WalkNetwork,
    *,
    lang: str = "zh",
    title: str | None = None,
    crossings: pd.DataFrame | None = None,
    guards: Mapping[str, str] | None = None,
    home_weights: Mapping[str, float] | None = None,
) -> Figure:
    """Draw a site on its real projected coordinates.

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
    """
    t = TEXT[lang]
    with figure_style():
        fig = Figure(figsize=(9, 9), dpi=110)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        g = network.graph
        xy = {n: (d["x"], d["y"]) for n, d in g.nodes(data=True)}
        walk = [(xy[a], xy[b]) for a, b, k in g.edges(data="kind") if k in ("sidewalk", "footway", "link")]
        ax.add_collection(LineCollection(walk, colors="#c8c8c8", linewidths=0.6, zorder=1))
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
            ax.scatter(
                [c.x for c in cs],
                [c.y for c in cs],
                s=size,
                c=colour,
                marker=marker,
                edgecolors="black",
                linewidths=0.3,
                zorder=3,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    color=colour,
                    marker=marker,
                    linestyle="",
                    label=f"{zh if lang == 'zh' else en} ({len(cs)})",
                )
            )
        informal = [c for c in network.crossings.values() if c.informal]
        if informal:
            ax.scatter(
                [c.x for c in informal], [c.y for c in informal], s=14, c="#d62728", marker="x", zorder=3
            )
            handles.append(Line2D([], [], color="#d62728", marker="x", linestyle="", label=t["informal"]))
        homes = [(xy[n], (home_weights or {}).get(h, 1.0)) for h, n in network.home_nodes.items()]
        if homes:
            w = np.array([h[1] for h in homes], float)
            ax.scatter(
                [h[0][0] for h in homes],
                [h[0][1] for h in homes],
                s=8 + 40 * w / w.max(),
                c="#8fbc8f",
                marker="h",
                alpha=0.8,
                zorder=2,
            )
            handles.append(Line2D([], [], color="#8fbc8f", marker="h", linestyle="", label=t["home"]))
        for cid, hours in (guards or {}).items():
            c = network.crossings[cid]
            ax.scatter([c.x], [c.y], s=160, facecolors="none", edgecolors="#d62728", linewidths=1.6, zorder=4)
            ax.annotate(
                f"{'护学岗' if lang == 'zh' else 'guard'} {hours}",
                (c.x, c.y),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=8,
                color="#d62728",
            )
        if guards:
            handles.append(
                Line2D(
                    [],
                    [],
                    color="#d62728",
                    marker="o",
                    markerfacecolor="none",
                    linestyle="",
                    label=t["guard"],
                )
            )
        sx, sy = xy[network.school_node]
        ax.scatter([sx], [sy], s=220, c="#e41a1c", marker="*", edgecolors="black", zorder=5)
        ax.annotate(t["school"], (sx, sy), xytext=(8, -12), textcoords="offset points", fontsize=10)
        handles.append(
            Line2D([], [], color="#e41a1c", marker="*", linestyle="", markersize=12, label=t["school"])
        )
        ax.set_aspect("equal")
        ax.autoscale_view()
        ax.set_xlabel(t["x"])
        ax.set_ylabel(t["y"])
        ax.ticklabel_format(useOffset=False, style="plain")
        ax.tick_params(labelsize=7)
        ax.set_title(title or t["title"])
        if risk:
            handles.append(Line2D([], [], color="none", label=f"{t['risk']}: ∝ marker area"))
        ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
        fig.tight_layout()
    return fig


def save_site_map(fig: Figure, path: str | Path) -> Path:
    """Write the figure (PNG, SVG or PDF by the file's suffix)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with figure_style():
        fig.savefig(path)
    return path
