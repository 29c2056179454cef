"""What makes a picture a map: the view framed on the catchment, axes in metres from the school,
the base (roads, buildings, water), street names, a scale bar and a north arrow.

Every map (``saferoute map``, the route map, the report's maps) is drawn the
same way::

    box = frame_view(points)                     # school, homes, routes used
    names = draw_frame(ax, street, box, origin=(sx, sy), lang=lang, xlabel=..., ylabel=...)
    ...                                          # the map's own layers and labels, the legend
    place_street_names(fig, ax, names)           # names under the legend or a label go
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import networkx as nx
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulator.figures.basemap import draw_base
from simulator.figures.compass import SCALE_GID, draw_north_arrow, draw_scale_bar, find_true_north
from simulator.figures.labels import place_texts
from simulator.figures.streets import STREET_GID, StreetLabel, draw_street_names
from simulator.network.walk import WalkNetwork

PAD_FRAC = 0.06  # margin around the catchment, share of its size ...
PAD_M = 40.0  # ... plus this many metres
MIN_SIZE_M = 300.0  # a view is at least this wide and high
TICK_FONT = 7
LABEL_FONT = 8
TICK_STEPS = (1, 2, 2.5, 5, 10)
TICK_BINS = 8
POINTS_PER_INCH = 72.0


def frame_view(points: np.ndarray, *, min_size: float = MIN_SIZE_M, pad_frac: float = PAD_FRAC,
               pad_m: float = PAD_M) -> np.ndarray:
    """The view ``((x0, y0), (x1, y1))`` around ``points``: at least ``min_size`` wide, with a margin.

    Parameters
    ----------
    points
        ``(n, 2)`` map coordinates (m) that must be in view: the school, the
        homes, the walk edges used.
    min_size, pad_frac, pad_m
        Smallest width and height, and the margin (share of the larger side plus metres).
    """
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre, half = (lo + hi) / 2, np.maximum((hi - lo) / 2, min_size / 2)
    pad = 2 * pad_frac * float(max(half)) + pad_m
    return np.array([centre - half - pad, centre + half + pad])


def fit_height(box: np.ndarray, width_in: float, *, extra_in: float = 0.0,
               limits: tuple[float, float] = (4.5, 9.6)) -> float:
    """A figure height (in) that gives the map ``box`` its aspect at ``width_in``, plus ``extra_in``."""
    (x0, y0), (x1, y1) = box
    return float(min(max(width_in * (y1 - y0) / (x1 - x0) * 0.92 + extra_in, limits[0]), limits[1]))


def set_local_axes(ax: Axes, box: np.ndarray, origin: tuple[float, float], *, xlabel: str,
                   ylabel: str) -> None:
    """Limit the axes to ``box`` and label them in whole metres from ``origin`` (ticks at round values)."""
    (x0, y0), (x1, y1) = box
    sx, sy = origin
    ax.set_aspect("equal")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ticks = MaxNLocator(nbins=TICK_BINS, steps=list(TICK_STEPS)).tick_values(0, max(x1 - x0, y1 - y0))
    step = float(ticks[1] - ticks[0])
    ax.set_xticks(sx + step * np.arange(math.ceil((x0 - sx) / step), math.floor((x1 - sx) / step) + 1))
    ax.set_yticks(sy + step * np.arange(math.ceil((y0 - sy) / step), math.floor((y1 - sy) / step) + 1))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v - sx:.0f}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v - sy:.0f}"))
    ax.set_xlabel(xlabel, fontsize=LABEL_FONT)
    ax.set_ylabel(ylabel, fontsize=LABEL_FONT)
    ax.tick_params(labelsize=TICK_FONT)


def measure_scale(ax: Axes, box: np.ndarray) -> float:
    """Map metres per typographic point at the axes' present size (equal aspect: the tighter side)."""
    (x0, y0), (x1, y1) = box
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    w_in, h_in = fig.get_size_inches()
    pos = ax.get_position()
    return max((x1 - x0) / (pos.width * w_in * POINTS_PER_INCH),
               (y1 - y0) / (pos.height * h_in * POINTS_PER_INCH))


def draw_frame(ax: Axes, street: nx.MultiDiGraph, box: np.ndarray, *, origin: tuple[float, float],
               lang: str, xlabel: str, ylabel: str, avoid: np.ndarray | None = None) -> list[StreetLabel]:
    """Axes in metres from ``origin``, the base layer, a scale bar, a north arrow and street names.

    Parameters
    ----------
    ax
        Empty axes of the map.
    street
        The site's street graph (``crs``, ``source``, edge names and widths).
    box
        The view, m (:func:`frame_view`).
    origin
        The school gate: 0 m on both axes.
    lang
        ``"zh"`` or ``"en"`` (the scale bar's unit).
    xlabel, ylabel
        Axis labels, with the unit.
    avoid
        ``(n, 2)`` points street names should not cover (crossings, the school).

    Returns
    -------
    list of StreetLabel
        The street names, most important first (for :func:`place_street_names`).
    """
    set_local_axes(ax, box, origin, xlabel=xlabel, ylabel=ylabel)
    draw_base(ax, street, box)
    (x0, _), (x1, _) = box
    draw_scale_bar(ax, x1 - x0, lang=lang)
    draw_north_arrow(ax, find_true_north(street.graph.get("crs"), *origin))
    return draw_street_names(ax, street, box, metres_per_point=measure_scale(ax, box), avoid=avoid)


def collect_markers(network: WalkNetwork) -> np.ndarray:
    """``(n, 2)`` places street names should keep clear of: the crossings, the school gate, bus stops."""
    g = network.graph
    school = g.nodes[network.school_node]
    stops = ((g.nodes[n]["x"], g.nodes[n]["y"]) for n in network.stop_nodes.values())
    return np.array([(school["x"], school["y"]), *((c.x, c.y) for c in network.crossings.values()), *stops])


def place_street_names(fig: Figure, ax: Axes, names: Sequence[StreetLabel]) -> None:
    """Move street names off the legend, the scale bar, other labels and each other; drop those
    that fit nowhere along their road.

    Call last, once the figure is laid out as it will be saved.
    """
    fixed: list[Artist] = [t for t in ax.texts if t.get_gid() != STREET_GID]
    fixed += [a for a in ax.artists if a.get_gid() == SCALE_GID]
    legend = ax.get_legend()
    if legend is not None:
        fixed.append(legend)
    place_texts(fig, [(n.text, n.spots) for n in names], keep=fixed)
