"""The city overview's figures: schools on their maps coloured by risk, and the ranking with 95% CIs.

Figures are :class:`matplotlib.figure.Figure` objects on an Agg canvas (no
pyplot), drawn inside :func:`simulator.figures.figure_style` so that Chinese
text uses a CJK font. One map per map file of the batch (schools of one
city share its projected CRS): the extract's buildings, water and green
space (:func:`simulator.figures.basemap.read_osm_shapes`), the crossings of
each school's streets, and the school gates coloured by baseline risk with
their rank; axes in kilometres, a scale bar and a north arrow. Synthetic
districts have no real place and appear only in the ranking chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Affine2D

from simulator.errors import SaferouteError
from simulator.figures import figure_style
from simulator.figures.basemap import STYLE, fill_shapes, read_osm_shapes
from simulator.figures.compass import draw_north_arrow, draw_scale_bar, find_true_north
from simulator.metric import METRICS
from simulator.report.citydata import RISK, City, Place, SchoolFigures

WIDTH_IN = 7.3
PAD_M = 400.0
CMAP = "YlOrRd"
DARK = 0.6  # a rank number on a colour darker than this is written in white
SAFER = "#1a9850"
TEXT = {
    "zh": {
        "east": "距学校群中心东向（千米）",
        "north": "距学校群中心北向（千米）",
        "footprint": "各校学区的过街点",
        "school": "学校（颜色=现状风险，数字=排名）",
        "today": "现状（均值与95%置信区间）",
        "best": "最佳措施后（显著）",
        "map_title": "{map}：{n} 所学校",
    },
    "en": {
        "east": "km east of the schools' centre",
        "north": "km north of the schools' centre",
        "footprint": "crossings of each school's catchment",
        "school": "school (colour = risk today, number = rank)",
        "today": "today (mean and 95% CI)",
        "best": "after the best measure (significant)",
        "map_title": "{map}: {n} schools",
    },
}


def risk_norm(schools: Sequence[SchoolFigures]) -> Normalize:
    """One colour scale for the maps and the chart: 0 to the highest baseline risk."""
    top = max((s.risk.value for s in schools if math.isfinite(s.risk.value)), default=1.0)
    return Normalize(vmin=0.0, vmax=max(top, 1e-9))


def ranking_chart(city: City, *, lang: str) -> Figure:
    """Each school's baseline risk with its 95% CI, rank 1 at the top, and where its best measure takes it."""
    t = TEXT[lang]
    schools = [s for s in city.schools if math.isfinite(s.risk.value)]
    norm = risk_norm(city.schools)
    cmap = _cmap()
    with figure_style():
        fig = Figure(figsize=(WIDTH_IN, 1.3 + 0.34 * max(len(schools), 1)), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        y = np.arange(len(schools))[::-1]
        for yi, s in zip(y, schools, strict=True):
            if math.isfinite(s.risk.low) and math.isfinite(s.risk.high):
                ax.plot([s.risk.low, s.risk.high], [yi, yi], color="#555555", lw=1.6, solid_capstyle="butt")
            ax.plot([s.risk.value], [yi], marker="o", ms=8, color=cmap(norm(s.risk.value)), mec="#333333")
            if s.best is not None:
                after = s.risk.value + s.best.change.value
                colour = SAFER  # a best measure is a significant reduction
                ax.annotate(
                    "",
                    (after, yi),
                    (s.risk.value, yi),
                    arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.0, "shrinkA": 5, "shrinkB": 3},
                )
                ax.plot(
                    [after],
                    [yi],
                    marker="D",
                    ms=5,
                    color=colour,
                    mfc=colour,
                    mew=1.2,
                )
        ax.set_yticks(y, [f"{s.rank}. {s.network}" for s in schools], fontsize=8)
        ax.set_ylim(-0.7, len(schools) - 0.3)
        ax.set_xlim(left=0)
        ax.set_xlabel(METRICS[RISK].label(lang), fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
        handles = [
            Line2D([], [], marker="o", color="#555555", mfc="#fd8d3c", mec="#333333", label=t["today"]),
            Line2D([], [], marker="D", color=SAFER, linestyle="", label=t["best"]),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=7, frameon=False)
    return fig


def city_maps(city: City, places: Sequence[Place], *, lang: str) -> list[tuple[str, Figure]]:
    """One map per map file: its schools' gates coloured by baseline risk and labelled with their rank."""
    groups: dict[str, list[Place]] = {}
    for place in places:
        groups.setdefault(place.map_file, []).append(place)
    by_network = {s.network: s for s in city.schools}
    norm = risk_norm(city.schools)
    return [
        (Path(name).name, _map(name, group, by_network, norm, lang=lang)) for name, group in groups.items()
    ]


def _map(
    map_file: str, places: list[Place], schools: Mapping[str, SchoolFigures], norm: Normalize, *, lang: str
) -> Figure:
    t = TEXT[lang]
    crs = places[0].crs
    points = np.vstack(
        [np.array([p.gate]) for p in places] + [p.crossings for p in places if len(p.crossings)]
    )
    (x0, y0), (x1, y1) = points.min(axis=0) - PAD_M, points.max(axis=0) + PAD_M
    side = max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x0, x1, y0, y1 = cx - side / 2, cx + side / 2, cy - side / 2, cy + side / 2
    cmap = _cmap()
    half = side / 2
    with figure_style():
        fig = Figure(figsize=(WIDTH_IN, WIDTH_IN * 0.92), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        _draw_base(ax, map_file, crs, (x0, y0, x1, y1), shift=Affine2D().translate(-cx, -cy) + ax.transData)
        for p in places:
            if len(p.crossings):
                ax.scatter(
                    p.crossings[:, 0] - cx, p.crossings[:, 1] - cy, s=3, c="#8c8c8c", zorder=2, linewidths=0
                )
        for p in sorted(places, key=lambda p: -schools[p.network].rank):
            s = schools[p.network]
            at = (p.gate[0] - cx, p.gate[1] - cy)
            ax.scatter(
                [at[0]],
                [at[1]],
                s=260,
                c=[cmap(norm(s.risk.value))],
                edgecolors="#222222",
                linewidths=0.9,
                zorder=5,
            )
            ax.annotate(
                str(s.rank),
                at,
                ha="center",
                va="center",
                fontsize=8,
                zorder=6,
                color="white" if norm(s.risk.value) > DARK else "black",
            )
            ax.annotate(
                p.network,
                at,
                xytext=(11, 7),
                textcoords="offset points",
                fontsize=7,
                zorder=7,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#777777", "lw": 0.5, "alpha": 0.9},
            )
        ax.set_xlim(-half, half)
        ax.set_ylim(-half, half)
        ax.set_aspect("equal")
        km = FuncFormatter(lambda v, _: f"{v / 1000:g}")
        ax.xaxis.set_major_formatter(km)
        ax.yaxis.set_major_formatter(km)
        ax.tick_params(labelsize=7)
        ax.set_xlabel(t["east"], fontsize=8)
        ax.set_ylabel(t["north"], fontsize=8)
        draw_scale_bar(ax, side, lang=lang)
        draw_north_arrow(ax, find_true_north(crs, cx, cy))
        ax.set_title(t["map_title"].format(map=Path(map_file).name, n=len(places)), fontsize=10)
        handles = [
            Line2D([], [], marker="o", color="#8c8c8c", linestyle="", markersize=3, label=t["footprint"]),
            Line2D(
                [],
                [],
                marker="o",
                color="#fd8d3c",
                mec="#222222",
                linestyle="",
                markersize=10,
                label=t["school"],
            ),
        ]
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.92)
        bar = fig.colorbar(
            ScalarMappable(norm=norm, cmap=cmap),
            ax=ax,
            orientation="horizontal",
            fraction=0.04,
            aspect=45,
            pad=0.01,
        )
        bar.set_label(METRICS[RISK].label(lang), fontsize=8)
        bar.ax.tick_params(labelsize=7)
    return fig


def _draw_base(ax, map_file: str, crs: str, box: tuple[float, float, float, float], *, shift) -> None:
    """Buildings, water and green space of the map file inside ``box`` (nothing if it cannot be read)."""
    path = Path(map_file)
    if not path.is_file() or path.suffix.lower() == ".graphml":
        return
    stat = path.stat()
    try:
        shapes = read_osm_shapes(str(path.resolve()), crs, (stat.st_mtime_ns, stat.st_size))
    except (SaferouteError, OSError):
        return  # the base is decoration: the schools are still placed
    view = shapely.box(*box)
    for name in ("green", "grounds", "water", "buildings"):
        fill_shapes(ax, tuple(getattr(shapes, name)), view, STYLE[name], transform=shift)


def _cmap():
    from matplotlib import colormaps

    return colormaps[CMAP]
