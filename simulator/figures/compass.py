"""A scale bar and a north arrow for maps drawn in projected metres.

The north arrow points to true north: in a UTM zone grid north and true north
differ by the grid convergence (up to about 3°), which is computed from the
map's CRS at the school.
"""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.text import OffsetFrom
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

SCALE_FRACTION = 0.2  # the scale bar is about this share of the map's width
SCALE_STEPS = (1.0, 2.0, 5.0)
SCALE_FONT = 7
ARROW_TIP = (-20.0, -26.0)  # points from the axes' upper right corner
ARROW_PT = 26.0  # arrow length, points
ARROW_FONT = 9
SCALE_GID = "scale-bar"
NORTH_GID = "north-arrow"
UNIT = {"zh": "米", "en": "m"}


def round_length(span: float) -> float:
    """The 1-2-5 × 10ⁿ length (m) nearest below ``SCALE_FRACTION`` of ``span`` (at least 1 m)."""
    target = max(span * SCALE_FRACTION, 1.0)
    power = 10.0 ** math.floor(math.log10(target))
    return max(power * s for s in SCALE_STEPS if power * s <= target)


def draw_scale_bar(ax: Axes, span: float, *, lang: str = "zh") -> AnchoredSizeBar:
    """Add a scale bar of a round length to a map whose data units are metres.

    Parameters
    ----------
    ax
        The map's axes (equal aspect, metres).
    span
        Width of the view, m.
    lang
        ``"zh"`` (米) or ``"en"`` (m) for the unit.

    Returns
    -------
    AnchoredSizeBar
        The bar, with gid :data:`SCALE_GID`.
    """
    length = round_length(span)
    text = f"{length:,.0f} {UNIT[lang]}" if length < 1000 else f"{length / 1000:g} km"
    bar = AnchoredSizeBar(ax.transData, length, text, "lower right", pad=0.4, borderpad=0.6, sep=3,
                          frameon=True, size_vertical=span / 250, color="#222222",
                          fontproperties=FontProperties(size=SCALE_FONT))
    bar.patch.set(alpha=0.85, edgecolor="none")
    bar.set_gid(SCALE_GID)
    bar.set_zorder(10)
    ax.add_artist(bar)
    return bar


def find_true_north(crs: str | None, x: float, y: float) -> float:
    """Degrees from grid north (the map's +y) clockwise to true north at ``(x, y)``.

    0 when the CRS is unknown or not projected.
    """
    try:
        crs_obj = CRS.from_user_input(crs) if crs else None
    except CRSError:
        return 0.0
    if crs_obj is None or not crs_obj.is_projected:
        return 0.0
    to_lonlat = Transformer.from_crs(crs_obj, "EPSG:4326", always_xy=True)
    from_lonlat = Transformer.from_crs("EPSG:4326", crs_obj, always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    nx_, ny_ = from_lonlat.transform(lon, min(lat + 0.01, 89.9))
    return math.degrees(math.atan2(nx_ - x, ny_ - y))


def draw_north_arrow(ax: Axes, angle: float = 0.0) -> None:
    """Add an arrow marked N in the upper right corner, ``angle`` degrees clockwise from up.

    Both artists (arrow and letter) get gid :data:`NORTH_GID`.
    """
    a = math.radians(angle)
    dx, dy = ARROW_PT * math.sin(a), ARROW_PT * math.cos(a)
    corner = OffsetFrom(ax, (1.0, 1.0), unit="points")
    arrow = ax.annotate("", xy=ARROW_TIP, xycoords=corner, xytext=(-dx, -dy),
                        textcoords="offset points", zorder=10,
                        arrowprops={"arrowstyle": "-|>,head_length=0.8,head_width=0.35",
                                    "color": "#222222", "lw": 1.6, "shrinkA": 0, "shrinkB": 0})
    letter = ax.annotate("N", xy=ARROW_TIP, xycoords=corner, xytext=(0.3 * dx, 0.3 * dy + 2),
                         textcoords="offset points", ha="center", va="bottom", fontsize=ARROW_FONT,
                         color="#222222", zorder=10)
    for artist in (arrow, letter):
        artist.set_gid(NORTH_GID)
