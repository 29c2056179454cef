"""The report's charts: effects of the measures with 95% CIs, trip and waiting times, late arrivals,
pupils and risk by arrival mode.

Every chart is a :class:`matplotlib.figure.Figure` on an Agg canvas (no
pyplot), drawn inside :func:`simulator.figures.figure_style`; every axis
states its unit. :func:`png_base64` turns a figure into an embeddable image.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.figures import figure_style
from simulator.metric import METRICS
from simulator.report.results import Results
from simulator.report.tables import difference, summary_value
from simulator.report.texts import FIGURE, mode_name

WIDTH_IN = 7.3
EFFECTS = (
    ("severe_per_100k_trips", "safer"),
    ("conflicts_per_100_trips", "safer"),
    ("wait_per_trip_s", "faster"),
    ("late_pct", "faster"),
)
"""The figures of the effects chart, each with the word of its better side (lower is better)."""
SAFER, WORSE, NOISE = "#1a9850", "#d73027", "#9a9a9a"
SCENARIO_COLOURS = ("#4d4d4d", "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3",
                    "#8c8c8c", "#ccb974")
"""One colour per scenario (the baseline dark grey), repeated beyond ten."""


def png_base64(fig: Figure, *, dpi: int = 150) -> str:
    """The figure as a base64 PNG (rendered with the CJK font), for ``<img src="data:...">``."""
    buffer = io.BytesIO()
    with figure_style():
        fig.savefig(buffer, format="png", dpi=dpi)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def effects_chart(results: Results, labels: Mapping[str, str], *, lang: str) -> Figure:
    """Paired change from the baseline (mean and 95% CI) of risk, conflicts, waiting and lateness.

    Parameters
    ----------
    results
        Results with at least one alternative.
    labels
        Scenario name -> label on the axis (``"S1 护学岗"``).
    lang
        ``"zh"`` or ``"en"``.
    """
    f = FIGURE[lang]
    names = list(results.alternatives)
    with figure_style():
        fig = Figure(figsize=(WIDTH_IN, 1.5 + 0.6 * len(names)), dpi=100)
        FigureCanvasAgg(fig)
        axes = fig.subplots(2, 2, sharey=True)
        y = np.arange(len(names))[::-1]
        for ax, (key, better) in zip(axes.flat, EFFECTS, strict=True):
            metric = METRICS[key]
            for yi, name in zip(y, names, strict=True):
                row = difference(results, name, key)
                d, lo, hi = float(row["diff"]), float(row["ci_low"]), float(row["ci_high"])
                improved = metric.direction.improved(d)
                colour = NOISE if not bool(row["significant"]) else (SAFER if improved else WORSE)
                if np.isfinite(lo) and np.isfinite(hi):
                    ax.plot([lo, hi], [yi, yi], color=colour, lw=2, solid_capstyle="butt")
                face = colour if bool(row["significant"]) else "white"
                ax.plot([d], [yi], marker="o", ms=6, color=colour, mfc=face, mew=1.5)
            ax.axvline(0, color="#333333", lw=0.8)
            # changes smaller than the figure's last shown digit: an axis as wide as that digit, not
            # a magnified one with an offset ("1e-6") that makes nothing look like something
            shown = 10.0 ** -metric.decimals
            left, right = ax.get_xlim()
            if right - left < 2 * shown:
                ax.set_xlim(min(left, -shown), max(right, shown))
            ax.set_xlabel(metric.change_label(lang), fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(axis="x", color="#e5e5e5", lw=0.6)
            ax.set_axisbelow(True)
            ax.text(0.01, 1.01, f[better], transform=ax.transAxes, fontsize=7, color="#555555",
                    va="bottom")
        axes[0, 0].set_yticks(y, [labels[n] for n in names], fontsize=7)
        axes[1, 0].set_yticks(y, [labels[n] for n in names], fontsize=7)
        for ax in axes.flat:
            ax.set_ylim(-0.6, len(names) - 0.4)
        fig.text(0.5, 0.005, f["ci_note"], ha="center", va="bottom", fontsize=7, color="#555555")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def delay_chart(results: Results, labels: Mapping[str, str], *, lang: str) -> Figure:
    """Trip times and waiting per trip (box plots over every child and seed), late arrivals with CIs."""
    f = FIGURE[lang]
    names = list(results.scenarios)
    trips = results.trips
    with figure_style():
        fig = Figure(figsize=(WIDTH_IN, 1.5 + 0.38 * len(names)), dpi=100)
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 3, sharey=True, gridspec_kw={"width_ratios": [1.2, 1.2, 0.8]})
        y = np.arange(len(names))[::-1]
        groups = [trips[trips["scenario"] == n] for n in names]
        _boxes(axes[0], [g["trip_s"].to_numpy() / 60.0 for g in groups], y)
        axes[0].set_xlabel(f["trip_min"], fontsize=8)
        _boxes(axes[1], [g["wait_s"].to_numpy() for g in groups], y)
        axes[1].set_xlabel(METRICS["wait_per_trip_s"].label(lang), fontsize=8)
        rows = [summary_value(results, n, "late_pct") for n in names]
        means = np.array([float(r["mean"]) for r in rows])
        lo = np.array([float(r["ci_low"]) for r in rows])
        hi = np.array([float(r["ci_high"]) for r in rows])
        axes[2].barh(y, means, color="#fdae61", height=0.6)
        ok = np.isfinite(lo) & np.isfinite(hi)
        axes[2].errorbar(means[ok], y[ok], xerr=[means[ok] - np.maximum(lo[ok], 0), hi[ok] - means[ok]],
                         fmt="none", ecolor="#333333", elinewidth=1, capsize=2)
        axes[2].set_xlabel(METRICS["late_pct"].label(lang), fontsize=8)
        axes[2].set_xlim(left=0)
        axes[0].set_yticks(y, [labels[n] for n in names], fontsize=7)
        for ax in axes:
            ax.tick_params(labelsize=7)
            ax.grid(axis="x", color="#e5e5e5", lw=0.6)
            ax.set_axisbelow(True)
        fig.text(0.5, 0.005, f["box_note"], ha="center", va="bottom", fontsize=7, color="#555555")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _boxes(ax, data: Sequence[np.ndarray], y: np.ndarray) -> None:
    clean = [d[np.isfinite(d)] for d in data]
    ax.boxplot(clean, positions=y, orientation="horizontal", whis=(5, 95), showfliers=False, widths=0.55,
               patch_artist=True, medianprops={"color": "#08306b", "lw": 1.4},
               boxprops={"facecolor": "#c6dbef", "edgecolor": "#4a4a4a", "lw": 0.8},
               whiskerprops={"color": "#4a4a4a", "lw": 0.8}, capprops={"color": "#4a4a4a", "lw": 0.8})


def modes_chart(results: Results, table: pd.DataFrame, labels: Mapping[str, str], *, lang: str) -> Figure:
    """Share of pupils and share of expected severe injuries by arrival mode: a bar per scenario, 95% CI.

    Parameters
    ----------
    results
        The results (the risk shares are their ``severe_share_<mode>_pct`` figures).
    table
        :func:`simulator.report.modes.mode_table` of the results (the pupils' shares).
    labels
        Scenario name -> label in the legend (``"S1 护学岗"``).
    lang
        ``"zh"`` or ``"en"``.
    """
    f = FIGURE[lang]
    names = list(results.scenarios)
    used = table.groupby("mode", sort=False)["trips"].sum()
    modes = [m for m in used.index if used[m] > 0]
    k = len(names)
    rows_of_legend = math.ceil(k / 3)
    with figure_style():
        fig = Figure(figsize=(WIDTH_IN, 1.1 + 0.13 * k * len(modes) + 0.22 * rows_of_legend), dpi=100)
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 2, sharey=True)
        height = 0.8 / k
        base_y = np.arange(len(modes), dtype=float)[::-1]
        for i, name in enumerate(names):
            y = base_y + 0.4 - height * (i + 0.5)
            colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
            mine = table[table["scenario"] == name].set_index("mode").loc[modes]
            _bars(axes[0], y, mine["pupils_pct"].to_numpy(), mine["pupils_low"].to_numpy(),
                  mine["pupils_high"].to_numpy(), colour=colour, height=height)
            shares = [summary_value(results, name, f"severe_share_{m}_pct") for m in modes]
            mean, low, high = (np.array([float(r[c]) for r in shares]) for c in ("mean", "ci_low", "ci_high"))
            _bars(axes[1], y, mean, low, high, colour=colour, height=height)
        axes[0].set_yticks(base_y, [mode_name(m, lang) for m in modes], fontsize=7)
        axes[0].set_xlabel(f["mode_pupils"], fontsize=8)
        axes[1].set_xlabel(f["mode_risk"], fontsize=8)
        for ax in axes:
            ax.set_xlim(0, 100)
            ax.set_ylim(-0.5, len(modes) - 0.5)
            ax.tick_params(labelsize=7)
            ax.grid(axis="x", color="#e5e5e5", lw=0.6)
            ax.set_axisbelow(True)
        handles = [Patch(color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], label=labels[n])
                   for i, n in enumerate(names)]
        legend_h = (0.06 + 0.2 * rows_of_legend) / (fig.get_figheight())
        fig.legend(handles=handles, loc="lower center", ncol=min(k, 3), fontsize=7, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
        fig.text(0.5, legend_h + 0.005, f["modes_note"], ha="center", va="bottom", fontsize=7,
                 color="#555555")
        fig.tight_layout(rect=(0, legend_h + 0.04, 1, 1))
    return fig


def _bars(ax, y: np.ndarray, mean: np.ndarray, low: np.ndarray, high: np.ndarray, *, colour: str,
          height: float) -> None:
    """Horizontal bars with their 95% intervals (where there is one)."""
    ax.barh(y, mean, height=height * 0.9, color=colour)
    ok = np.isfinite(low) & np.isfinite(high)
    if ok.any():
        xerr = [np.maximum(mean[ok] - low[ok], 0), np.maximum(high[ok] - mean[ok], 0)]
        ax.errorbar(mean[ok], y[ok], xerr=xerr, fmt="none", ecolor="#222222", elinewidth=0.7, capsize=1.5)
