"""Numbers as the report shows them, each tagged with where it comes from.

Every number taken from a results table is rendered as
``<span class="num" data-src="summary.csv" data-scenario=... data-metric=...
data-col="mean" data-scale="1">12.34</span>``: the text is the table's value
times ``data-scale``, rounded to a fixed number of decimals, so that a test
(or an auditor) can check each printed number against the CSV files.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

from simulator.metric import part_decimals

MINUS = "\u2212"
DASH = "—"
CROSSING_DECIMALS = part_decimals("severe_per_100k_trips")
"""Decimals of a crossing's risk, in the school figure's unit (severe injuries per 100,000 trips): a part of
the school's figure, so one digit more than it."""
RATIO_DECIMALS = CROSSING_DECIMALS
"""Decimals of a risk reduction per staff-hour, per second of delay or per 10k CNY (smaller than the risk)."""


def number_text(value: float | None, decimals: int, *, sign: bool = False) -> str:
    """``value`` with ``decimals`` decimals, thousands separated, a real minus sign; "—" if not finite."""
    if value is None or not math.isfinite(value):
        return DASH
    text = f"{value:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
        return text
    if text.startswith("-"):
        return MINUS + text[1:]
    return ("+" + text) if sign else text


def num(value: float | None, decimals: int, *, src: str | None = None, sign: bool = False,
        scale: float = 1.0, **keys: Any) -> Markup:
    """A number in a ``<span class="num">`` with its source as data attributes.

    Parameters
    ----------
    value
        The value as stored in the table (before ``scale``).
    decimals
        Decimals shown.
    src
        The table it comes from (``"summary.csv"``...), or None for a derived number.
    sign
        Show a "+" on positive numbers (changes).
    scale
        Shown value = ``value * scale`` (e.g. 100,000 / children for "per 100,000 trips").
    keys
        Which row and column: ``scenario``, ``metric``, ``crossing``, ``col``...
    """
    shown = None if value is None else float(value) * scale
    attrs = [f'data-src="{escape(src)}"'] if src else []
    attrs += [f'data-{k.replace("_", "-")}="{escape(str(v))}"' for k, v in keys.items()]
    if src:
        attrs.append(f'data-scale="{scale:.15g}" data-decimals="{decimals}"')
    return Markup(f'<span class="num" {" ".join(attrs)}>{number_text(shown, decimals, sign=sign)}</span>')


def ci(row_value: float, low: float, high: float, decimals: int, *, sign: bool = False,
       mark: str = "", cols: tuple[str, str, str] | None = None, **keys: Any) -> Markup:
    """"value [low, high]" with each number tagged by its column.

    ``cols``: the value's, the low's and the high's columns (default: ``col``
    or "mean", then ci_low and ci_high). ``mark`` (HTML, e.g. a dagger for
    "within noise") follows the value. Without an interval (fewer than 2
    seeds) the brackets hold one "—".
    """
    value_col, low_col, high_col = cols or (str(keys.pop("col", "mean")), "ci_low", "ci_high")
    value = num(row_value, decimals, sign=sign, col=value_col, **keys)
    if not (math.isfinite(low) and math.isfinite(high)):
        return Markup(f'{value}{mark} <span class="ci">[{DASH}]</span>')
    return Markup(
        f"{value}{mark} "
        f'<span class="ci">[{num(low, decimals, sign=sign, col=low_col, **keys)}, '
        f"{num(high, decimals, sign=sign, col=high_col, **keys)}]</span>"
    )
