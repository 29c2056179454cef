"""Figures drawn on top of the core (maps, charts), with Chinese text in a real CJK font."""

from simulator.figures.fonts import cjk_font, figure_style
from simulator.figures.map import draw_site_map, save_site_map

__all__ = ["cjk_font", "draw_site_map", "figure_style", "save_site_map"]
