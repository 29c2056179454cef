"""The report's figures: every character of their text has a glyph in the font that draws it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import matplotlib as mpl
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from report_support import district_results, map_results, report

from simulator.figures import figure_style


def is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


def missing_glyphs(text: str, fonts: list[str]) -> list[str]:
    """Characters of ``text`` that none of ``fonts`` can draw (CJK ones only the first, the CJK font)."""
    faces = [FT2Font(path) for path in fonts]
    missing = []
    for ch in dict.fromkeys(text):
        if ch.isspace():
            continue
        candidates = faces[:1] if is_cjk(ch) else faces
        if not any(face.get_char_index(ord(ch)) != 0 for face in candidates):
            missing.append(ch)
    return missing


def texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def font_chain(t: Text) -> list[str]:
    """The font files matplotlib uses for a text: the one it finds first, then the fallbacks."""
    prop = t.get_fontproperties()
    families = prop.get_family()
    names = [n for f in families for n in (mpl.rcParams[f"font.{f}"] if f in
                                              ("sans-serif", "serif", "monospace") else [f])]
    return [font_manager.findfont(font_manager.FontProperties(family=n, weight=prop.get_weight()),
                                  fallback_to_default=False) for n in names]


def check_figures(folder: Path, lang: str) -> int:
    """Assert every figure text can be drawn; return how many CJK characters the figures use."""
    cjk = 0
    made = report(folder, lang)
    with figure_style():
        for name, fig in made.figures.items():
            if fig is None:
                continue
            fig.canvas.draw()  # texts are laid out; a missing glyph warns (an error under pytest)
            for t in texts(fig):
                chain = font_chain(t)
                assert missing_glyphs(t.get_text(), chain) == [], (name, t.get_text(), chain)
                cjk += sum(is_cjk(ch) for ch in t.get_text())
    return cjk


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_district_figures_draw_every_character(lang: str) -> None:
    cjk = check_figures(district_results(), lang)
    if lang == "zh":
        assert cjk > 100  # the Chinese figures do have Chinese text to check


def test_map_figures_draw_every_character() -> None:
    assert check_figures(map_results(), "zh") > 100


def test_the_check_catches_a_font_without_chinese() -> None:
    dejavu = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    assert missing_glyphs("学校 school", [dejavu]) == ["学", "校"]


def test_every_axis_has_a_label_with_units() -> None:
    made = report(district_results(), "zh")
    for name, fig in made.figures.items():
        if fig is None:
            continue
        for ax in fig.axes:
            if not ax.get_visible() or not ax.has_data():
                continue
            labels = [ax.get_xlabel()] + ([ax.get_ylabel()] if name in ("catchment", "measures") and
                                          ax is fig.axes[0] else [])
            for label in labels:
                assert "（" in label and "）" in label, (name, label)  # the unit, in brackets


@pytest.mark.parametrize(("folder", "street"), [(district_results, "学府路"), (map_results, "学清路")])
def test_report_maps_read_as_maps(folder, street: str) -> None:
    from simulator.figures.compass import NORTH_GID, SCALE_GID
    from simulator.figures.streets import STREET_GID

    made = report(folder(), "zh")
    for name in ("catchment", "measures"):
        fig = made.figures.get(name)
        if fig is None:
            continue
        fig.canvas.draw()
        ax = fig.axes[0]
        words = [t.get_text() for t in texts(fig)]
        assert not [w for w in words if "·" in w], name  # ranks are ①②, never "4·6"
        assert [a for a in ax.artists if a.get_gid() == SCALE_GID], name
        assert "N" in [t.get_text() for t in ax.texts if t.get_gid() == NORTH_GID], name
        ticks = [float(t.get_text()) for t in ax.get_xticklabels() if t.get_text()]
        assert 0.0 in ticks and max(map(abs, ticks)) < 5000, name  # metres from the school
    catchment = made.figures["catchment"]
    assert catchment is not None
    assert street in [t.get_text() for t in texts(catchment) if t.get_gid() == STREET_GID]
    assert "①" in "".join(t.get_text() for t in texts(catchment))


def test_a_change_below_the_last_shown_digit_is_drawn_without_a_magnified_axis() -> None:
    """A measure that changes nothing (1e-7) gets an axis as wide as the figure's last digit, no "1e-6"."""
    import pandas as pd

    from simulator.metric import METRICS
    from simulator.report.figures import EFFECTS, effects_chart

    rows = [{"scenario": "S1", "metric": key, "diff": 1e-7, "ci_low": -2e-7, "ci_high": 4e-7,
             "significant": False} for key, _ in EFFECTS]
    results = SimpleNamespace(alternatives=["S1"], differences=pd.DataFrame(rows))
    fig = effects_chart(results, {"S1": "S1"}, lang="en")
    fig.canvas.draw()
    for ax, (key, _) in zip(fig.axes, EFFECTS, strict=True):
        left, right = ax.get_xlim()
        assert right - left >= 2 * 10.0 ** -METRICS[key].decimals, key
        assert ax.xaxis.get_offset_text().get_text() == "", key
