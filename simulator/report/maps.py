"""The report's maps: the catchment with routes by use and crossings by risk; where measures act.

Figures are :class:`matplotlib.figure.Figure` objects on an Agg canvas (no
pyplot state), drawn inside :func:`simulator.figures.figure_style` so that
Chinese text uses a CJK font. They are drawn as maps
(:mod:`simulator.figures.frame`): axes in metres east and north of the school
gate, roads, buildings and water under the routes, street names, a scale bar and
a north arrow; the riskiest crossings are ranked ①②③… (never "4·6").
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, PowerNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from simulator.figures import figure_style
from simulator.figures.frame import collect_markers, draw_frame, fit_height, frame_view, place_street_names
from simulator.figures.labels import cluster_labels, format_rank, join_ranks
from simulator.figures.map import FACILITY_STYLE, draw_stops
from simulator.report.site import SiteView
from simulator.report.texts import FIGURE, STAFF, facility_name
from simulator.scenario import (
    DropoffBan,
    FacilityChange,
    GuardPost,
    Humps,
    LaneReduction,
    Scenario,
    SpeedLimit,
    VolumeOverride,
)

WIDTH_IN = 7.3
BOX_PAD_M = 25.0
LABEL_MERGE_M = 45.0
MAX_LABELLED = 4  # a change on more crossings than this is shown in the legend, not labelled one by one
GUARD = "#b2182b"
PUBLISHED = "#1a9850"
ZONE = "#6a3d9a"
XY = tuple[float, float]


def _figure(view: SiteView, box: np.ndarray, *, lang: str, title: str, extra_in: float):
    """A figure sized to the map's aspect, drawn as a map (:func:`simulator.figures.frame.draw_frame`):
    axes in metres from the school, roads, buildings and water, scale bar, north arrow, street names.

    Returns the figure, its axes, walk node -> (x, y), and the street names (for
    :func:`simulator.figures.frame.place_street_names` once the map is done).
    """
    fig = Figure(figsize=(WIDTH_IN, fit_height(box, WIDTH_IN, extra_in=extra_in)), dpi=100,
                 layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    f = FIGURE[lang]
    names = draw_frame(ax, view.network.street, box, origin=(view.site.school.x, view.site.school.y),
                       lang=lang, xlabel=f["east"], ylabel=f["north"], avoid=collect_markers(view.network))
    xy = {n: (d["x"], d["y"]) for n, d in view.network.graph.nodes(data=True)}
    walk = [(xy[a], xy[b]) for a, b, k in view.network.graph.edges(data="kind")
            if k in ("sidewalk", "footway", "link")]
    ax.add_collection(LineCollection(walk, colors="#cfcfcf", linewidths=0.5, zorder=1))
    ax.set_title(title, fontsize=10)
    return fig, ax, xy, names


def _finish_map(fig: Figure, ax, names: list) -> Figure:
    """Street names that would cover a label or the legend go; every text gets the CJK font by name."""
    place_street_names(fig, ax, names)
    return fig


def _box(points: np.ndarray, *, min_size: float = 0.0, pad_frac: float = 0.05) -> np.ndarray:
    """The bounding box ((x0, y0), (x1, y1)) of ``points``, at least ``min_size`` wide, padded."""
    return frame_view(points, min_size=min_size, pad_frac=pad_frac, pad_m=BOX_PAD_M)


def _school_and_homes(ax, view: SiteView, xy: Mapping[Hashable, XY], lang: str) -> list:
    f = FIGURE[lang]
    homes = np.array([xy[n] for n in view.network.home_nodes.values()])
    ax.scatter(homes[:, 0], homes[:, 1], s=10, c="#7fae7f", marker="h", alpha=0.85, zorder=2)
    sx, sy = xy[view.network.school_node]
    ax.scatter([sx], [sy], s=280, c="#e41a1c", marker="*", edgecolors="black", linewidths=0.6, zorder=6)
    return [
        Line2D([], [], color="#e41a1c", marker="*", markeredgecolor="black", linestyle="", markersize=12,
               label=f["school"]),
        Line2D([], [], color="#7fae7f", marker="h", linestyle="", label=f["homes"]),
        *draw_stops(ax, view.network, lang=lang),
    ]


def catchment_map(view: SiteView, crossings: pd.DataFrame, *, top: Sequence[str], lang: str,
                  risk_scale: float, guards: Mapping[str, str] | None = None, scenario: str | None = None,
                  title: str | None = None) -> Figure:
    """Routes drawn by how many children use them, crossings coloured by expected severe risk.

    Parameters
    ----------
    view
        The rebuilt site with the baseline's edge use.
    crossings
        Baseline per-crossing figures (:func:`simulator.report.tables.crossing_stats`),
        indexed by crossing id, with ``uses`` and ``severe`` (per morning).
    top
        Crossing ids to label with their risk rank (①, ②, …; "#11" beyond ten).
    lang
        ``"zh"`` or ``"en"``.
    guards
        Crossing id -> label (hours, staff) of guard posts in the baseline.
    scenario
        Another scenario to draw (its routes by use and its recommended routes,
        which ``view`` must have); ``crossings`` are then that scenario's.
    title
        The title (default: the baseline's).
    """
    f = FIGURE[lang]
    name = scenario or view.setting.name
    use = view.scenario_use[name] if scenario else view.edge_use
    node_xy = {n: (d["x"], d["y"]) for n, d in view.network.graph.nodes(data=True)}
    points = [node_xy[view.network.school_node], *(node_xy[n] for n in view.network.home_nodes.values()),
              *(node_xy[n] for e in use for n in e)]
    with figure_style():
        box = _box(np.array(points))
        fig, ax, xy, names = _figure(view, box, lang=lang, title=title or f["catchment_title"], extra_in=1.4)
        most = max(use.values(), default=1.0)
        edges = sorted(use, key=lambda e: use[e])
        values = np.array([use[e] for e in edges])
        route_norm = Normalize(vmin=0, vmax=most)
        ax.add_collection(LineCollection(
            [(xy[a], xy[b]) for a, b in edges], linewidths=1.0 + 6.0 * np.sqrt(values / most),
            colors=colormaps["Blues"](0.4 + 0.6 * route_norm(values)), zorder=2, capstyle="round"))
        handles = _school_and_homes(ax, view, xy, lang)
        if name in view.published:
            _draw_published(ax, xy, view.published[name], handles=handles, label=f["published"])
        used = crossings[crossings["uses"] > 0]
        unused = [c for cid, c in view.network.crossings.items() if cid not in used.index and not c.informal]
        if unused:
            ax.scatter([c.x for c in unused], [c.y for c in unused], s=5, c="#b0b0b0", zorder=3)
            handles.append(Line2D([], [], color="#b0b0b0", marker="o", markersize=3, linestyle="",
                                  label=f["unused"]))
        risk = risk_scale * used["severe"].to_numpy()
        risk_norm = PowerNorm(gamma=0.5, vmin=0.0, vmax=max(float(risk.max(initial=0.0)), 1e-9))
        order = np.argsort(risk, kind="stable")
        for facility, (_, marker, _, _) in FACILITY_STYLE.items():
            pick = [i for i in order if used["facility"].iloc[i] == facility]
            if not pick:
                continue
            ax.scatter(used["x"].to_numpy()[pick], used["y"].to_numpy()[pick], c=risk[pick], cmap="YlOrRd",
                       norm=risk_norm, s=50, marker=marker, edgecolors="#333333", linewidths=0.5, zorder=4)
            handles.append(Line2D([], [], color="#fdae61", marker=marker, markeredgecolor="#333333",
                                  linestyle="", label=facility_name(facility, lang)))
        ranks = _clusters(view, {cid: format_rank(rank) for rank, cid in enumerate(top, start=1)})
        for cid, texts in ranks.items():
            c = view.network.crossings[cid]
            ax.annotate(join_ranks(texts), (c.x, c.y), xytext=(9, 9), textcoords="offset points", fontsize=9,
                        zorder=9, color="#67001f",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#67001f", "lw": 0.8},
                        arrowprops={"arrowstyle": "-", "color": "#67001f", "lw": 0.6})
        if ranks:
            first = join_ranks([format_rank(1), format_rank(2)])
            handles.append(Line2D([], [], linestyle="", label=f"{first}… {f['top']}"))
        _draw_guards(ax, view, guards or {}, lang=lang, handles=handles)
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.92, ncols=2)
        for norm, cmap, label in ((risk_norm, "YlOrRd", f["risk"]), (route_norm, "Blues", f["route_use"])):
            bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, orientation="horizontal",
                               fraction=0.03, aspect=45, pad=0.01)
            bar.set_label(label, fontsize=8)
            bar.ax.tick_params(labelsize=7)
        return _finish_map(fig, ax, names)


def _draw_published(ax, xy: Mapping[Hashable, XY], use: Mapping[tuple, float], *, handles: list,
                    label: str) -> None:
    """Recommended routes (上学路线图) in green, wider where more children are meant to walk them."""
    most = max(use.values(), default=1.0)
    ax.add_collection(LineCollection([(xy[a], xy[b]) for a, b in use], colors=PUBLISHED, alpha=0.85,
                                     linewidths=[0.8 + 2.5 * math.sqrt(v / most) for v in use.values()],
                                     linestyles="--", zorder=3))
    handles.append(Line2D([], [], color=PUBLISHED, lw=2, linestyle="--", label=label))


def _clusters(view: SiteView, labels: Mapping[str, str]) -> dict[str, list[str]]:
    """Labels of crossings within :data:`LABEL_MERGE_M` of each other gathered on the first one."""
    points = [_xy(view, cid) for cid in labels]
    first: dict[XY, str] = {}
    for cid, point in zip(labels, points, strict=True):
        first.setdefault(point, cid)
    groups = cluster_labels(points, list(labels.values()), within=LABEL_MERGE_M)
    return {first[point]: list(dict.fromkeys(texts)) for point, texts in groups}


def _xy(view: SiteView, cid: str) -> XY:
    c = view.network.crossings[cid]
    return (c.x, c.y)


def _draw_guards(ax, view: SiteView, guards: Mapping[str, str], *, lang: str, handles: list,
                 place=None) -> None:
    for cid in guards:
        c = view.network.crossings[cid]
        ax.scatter([c.x], [c.y], s=200, facecolors="none", edgecolors=GUARD, linewidths=1.8, zorder=7)
    for cid, texts in _clusters(view, guards).items():
        offset = place(cid) if place else (10, -18)
        ax.annotate("\n".join(texts), _xy(view, cid), xytext=offset, textcoords="offset points", fontsize=7,
                    color=GUARD, zorder=9, ha="left" if offset[0] >= 0 else "right",
                    bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": GUARD, "lw": 0.6, "alpha": 0.92},
                    arrowprops={"arrowstyle": "-", "color": GUARD, "lw": 0.6})
    if guards:
        handles.append(Line2D([], [], color=GUARD, marker="o", markerfacecolor="none", markersize=9,
                              linestyle="", label=FIGURE[lang]["guard"]))


def guard_labels(scenarios: Mapping[str, Scenario], codes: Mapping[str, str], *, lang: str) -> dict[str, str]:
    """Crossing id -> "S4, S6 护学岗 07:10-08:30 辅警×2" for every guard post of the scenarios."""
    found: dict[str, dict[str, list[str]]] = {}
    for name, scenario in scenarios.items():
        for post in scenario.interventions_of(GuardPost):
            staff = STAFF[lang].get(post.staff, post.staff)
            text = f"{'护学岗' if lang == 'zh' else 'guard'} {post.hours} {staff}×{post.count}"
            for cid in post.crossings:
                found.setdefault(cid, {}).setdefault(text, []).append(codes[name])
    return {cid: "\n".join(f"{', '.join(c)} {t}".strip() for t, c in texts.items())
            for cid, texts in found.items()}


def measures_map(view: SiteView, scenarios: Mapping[str, Scenario], codes: Mapping[str, str], *,
                 lang: str) -> Figure:
    """Where each alternative acts: rebuilt crossings, guard posts with hours, zones and streets."""
    f = FIGURE[lang]
    school = (view.site.school.x, view.site.school.y)
    marks: dict[tuple[str, str], list[str]] = {}  # (crossing, text) -> codes
    circles: dict[tuple[XY, float, str, str], list[str]] = {}  # (centre, radius, style, text) -> codes
    lines: list[tuple[XY, XY]] = []
    spots: list[XY] = [school]
    for name, scenario in scenarios.items():
        code = codes[name]
        for change in scenario.interventions:
            if isinstance(change, FacilityChange):
                for c in change.crossings:
                    marks.setdefault((c, change.facility), []).append(code)
            elif isinstance(change, LaneReduction | VolumeOverride) and change.crossings:
                word = f["lanes"] if isinstance(change, LaneReduction) else f["volume"]
                for c in change.crossings:
                    marks.setdefault((c, word), []).append(code)
            elif isinstance(change, DropoffBan):
                key = (school, change.radius_m, ":", f"{f['dropoff']} {change.radius_m:g} m")
                circles.setdefault(key, []).append(code)
            elif isinstance(change, SpeedLimit | Humps) and change.zone is not None:
                word = f"{change.limit_kmh:g} km/h" if isinstance(change, SpeedLimit) else f["humps"]
                hours = f" {change.hours}" if isinstance(change, SpeedLimit) and change.hours else ""
                centre = change.zone.center or school
                circles.setdefault((centre, change.zone.radius_m, "--", word + hours), []).append(code)
            elif isinstance(change, SpeedLimit | Humps | LaneReduction | VolumeOverride):
                lines.extend(_edge_lines(view, change.edges or ()))
    guards = guard_labels(scenarios, codes, lang=lang)
    spots += [_xy(view, c) for c, _ in marks if c in view.network.crossings]
    spots += [_xy(view, c) for c in guards] + [p for line in lines for p in line]
    for (centre, radius, _, _), _codes in circles.items():
        spots += [(centre[0] - radius, centre[1] - radius), (centre[0] + radius, centre[1] + radius)]
    box = _box(np.array(spots), min_size=500.0, pad_frac=0.2)
    with figure_style():
        fig, ax, xy, names = _figure(view, box, lang=lang, title=f["measures_title"], extra_in=0.8)
        use = view.edge_use
        most = max(use.values(), default=1.0)
        ax.add_collection(LineCollection([(xy[a], xy[b]) for a, b in use], colors="#c6dbef",
                                         linewidths=[0.6 + 3.0 * math.sqrt(v / most) for v in use.values()],
                                         zorder=2))
        handles = _school_and_homes(ax, view, xy, lang)
        middle = box.mean(axis=0)

        def away(cid: str, dist: float) -> tuple[float, float]:
            """An offset (points) for a label: towards the middle across, away from it up or down."""
            x, y = _xy(view, cid)
            angle = math.atan2(y - middle[1], x - middle[0]) if (x, y) != tuple(middle) else 0.8
            return (-dist * math.cos(angle) * 0.6, dist * math.sin(angle))

        up = _label_facilities(ax, view, marks, away, lang=lang, handles=handles)
        for i, ((centre_xy, radius, style, text), where) in enumerate(circles.items()):
            ax.add_patch(Circle(centre_xy, radius, fill=False, ls=style, ec=ZONE, lw=1.3, zorder=3))
            angle = math.radians(100 + 32 * i)
            ax.annotate(f"{', '.join(where)} {text}",
                        (centre_xy[0] + radius * math.cos(angle), centre_xy[1] + radius * math.sin(angle)),
                        fontsize=7, color=ZONE, zorder=8, ha="center",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
        if lines:
            ax.add_collection(LineCollection(lines, colors=ZONE, linewidths=3, alpha=0.6, zorder=3))
        def below_or_above(cid: str) -> tuple[float, float]:
            dx, dy = away(cid, 55.0)
            here = _xy(view, cid)
            taken = next((u for c, u in up.items() if math.dist(_xy(view, c), here) <= LABEL_MERGE_M), None)
            sign = (-1.0 if taken else 1.0) if taken is not None else (1.0 if dy >= 0 else -1.0)
            return (dx, sign * (abs(dy) + 14.0))

        _draw_guards(ax, view, guards, lang=lang, handles=handles, place=below_or_above)
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.92)
        return _finish_map(fig, ax, names)


def _label_facilities(ax, view: SiteView, marks: Mapping[tuple[str, str], list[str]], away, *, lang: str,
                      handles: list) -> dict[str, bool]:
    """Draw rebuilt crossings; label them unless one change covers many (then only in the legend).

    Returns the labelled crossings with whether their label went up.
    """
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (cid, what), codes in marks.items():
        if cid in view.network.crossings:
            groups.setdefault((what, tuple(codes)), []).append(cid)
    texts: dict[str, list[str]] = {}
    for (what, where), ids in groups.items():
        words = facility_name(what, lang) if what in FACILITY_STYLE else what
        if what in FACILITY_STYLE:
            colour, marker, _, _ = FACILITY_STYLE[what]
            ax.scatter([_xy(view, c)[0] for c in ids], [_xy(view, c)[1] for c in ids], s=70, c=colour,
                       marker=marker, edgecolors="black", linewidths=0.5, zorder=5)
        many = len(ids) > MAX_LABELLED
        if what in FACILITY_STYLE:
            colour, marker, _, _ = FACILITY_STYLE[what]
            label = f"{', '.join(where)} {words}" + (f" ({len(ids)})" if many else "")
            handles.append(Line2D([], [], color=colour, marker=marker, markeredgecolor="black", linestyle="",
                                  label=label))
        if not many:
            for c in ids:
                texts.setdefault(c, []).append(f"{', '.join(where)} {words}")
    up: dict[str, bool] = {}
    for cid, lines in _clusters(view, {c: "\n".join(t) for c, t in texts.items()}).items():
        body = "\n".join(dict.fromkeys("\n".join(lines).split("\n")))
        dx, dy = away(cid, 55.0)
        dy = (abs(dy) + 12.0) * (1.0 if dy >= 0 else -1.0)
        up[cid] = dy > 0
        ax.annotate(body, _xy(view, cid), xytext=(dx, dy), textcoords="offset points", fontsize=7, zorder=9,
                    ha="left" if dx >= 0 else "right", va="bottom" if dy >= 0 else "top",
                    bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#555555", "lw": 0.5,
                          "alpha": 0.92},
                    arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.6})
    return up


def _edge_lines(view: SiteView, edge_ids: Sequence[str]) -> list[tuple[XY, XY]]:
    """Street edges ``e{u}-{v}`` as line segments (ids that do not parse are skipped)."""
    street = view.network.street
    out = []
    for eid in edge_ids:
        try:
            u, v = (int(n) for n in eid[1:].split("k")[0].split("-"))
        except ValueError:
            continue
        if u in street.nodes and v in street.nodes:
            a, b = street.nodes[u], street.nodes[v]
            out.append(((a["x"], a["y"]), (b["x"], b["y"])))
    return out
