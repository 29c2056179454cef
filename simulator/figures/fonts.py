"""Finding a CJK font: a figure with boxes instead of 汉字 is a bug, so we fail loudly instead."""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

from simulator.errors import SaferouteError

# Simplified-Chinese faces first; Noto Sans CJK's default face is Japanese, so ask for SC.
PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Noto Sans SC", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Noto Sans CJK JP")
CJK_FILES = ("cjk", "wqy", "sourcehan", "notosanssc", "simhei", "msyh")
INSTALL_HINT = ("install one: `apt-get install fonts-wqy-microhei` (Debian/Ubuntu), "
                "`brew install --cask font-noto-sans-cjk-sc` (macOS)")


class FontError(SaferouteError):
    """No font that can draw Chinese was found."""


@cache
def cjk_font() -> str:
    """The family name of an installed font that draws simplified Chinese."""
    for attempt in range(2):
        names = {f.name for f in font_manager.fontManager.ttflist}
        for name in PREFERRED:
            if name in names:
                return name
        if attempt == 0:
            # matplotlib's font cache predates a font installed since: register system CJK fonts
            for path in font_manager.findSystemFonts():
                if any(key in Path(path).name.lower() for key in CJK_FILES):
                    font_manager.fontManager.addfont(path)
    msg = f"no Chinese (CJK) font found for figures: {INSTALL_HINT}"
    raise FontError(msg)


def figure_style() -> AbstractContextManager:
    """A matplotlib rc context with the CJK font first and a real minus sign (no global change)."""
    return mpl.rc_context({
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font(), "DejaVu Sans"],
        "axes.unicode_minus": False,
    })
