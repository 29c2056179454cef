"""The comparison's figures by arrival mode and by vehicle type, in Chinese or English (no pyplot).

Who bears the expected severe injuries (pupils walking alone, with an adult,
let out by a parent's e-bike or car, from a bus) and what causes them
(e-bikes and bicycles, or motor vehicles), each with its 95% interval over
seeds. The figures are those of the report's section 到校方式与车辆类型
(:mod:`simulator.report.modes`), in the same words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.figures import figure_style
from simulator.intervals import bracket_text
from simulator.metric import METRICS
from simulator.report.modes import mode_figures, share_metric
from simulator.report.texts import mode_name
from simulator.ui.charts import COLOURS, _new, _short, png
from simulator.ui.jobs import Comparison
from simulator.ui.texts import texts

TWOWHEELER = "twowheeler_severe_share_pct"


def mode_table(comp: Comparison) -> pd.DataFrame | None:
    """Per scenario and arrival mode: pupils (%), severe injuries per 100,000 trips of the mode, with CIs.

    None if the runs' trip tables have no ``arrival_mode``.
    """
    frames = [r.trips.assign(scenario=r.scenario, seed=r.seed) for r in comp.results]
    if not frames or any("arrival_mode" not in f for f in frames):
        return None
    names = list(dict.fromkeys(r.scenario for r in comp.results))
    return mode_figures(pd.concat(frames, ignore_index=True), names, comp.seeds)


def _modes_used(table: pd.DataFrame) -> list[str]:
    used = table.groupby("mode", sort=False)["trips"].sum()
    return [m for m in used.index if used[m] > 0]


def _summary(comp: Comparison) -> pd.DataFrame:
    return comp.summary().set_index(["scenario", "metric"])


def _ci(mean: float, low: float, high: float, decimals: int) -> str:
    return f"{mean:.{decimals}f} {bracket_text(low, high, decimals=decimals)}"


def mode_rows(comp: Comparison, table: pd.DataFrame, *, lang: str) -> list[dict[str, str]]:
    """One row per scenario and arrival mode used: pupils (%), share of the risk (%), risk of the mode."""
    t = texts(lang)
    s = _summary(comp)
    nd = METRICS["severe_per_100k_trips"].decimals
    rows = []
    for r in table[table["trips"] > 0].to_dict("records"):
        share = s.loc[(r["scenario"], share_metric(str(r["mode"])))]
        rows.append({
            t["scenario"]: str(r["scenario"]),
            t["mode"]: mode_name(str(r["mode"]), lang),
            t["pupils_pct"]: _ci(r["pupils_pct"], r["pupils_low"], r["pupils_high"], 1),
            t["risk_share_pct"]: _ci(share["mean"], share["ci_low"], share["ci_high"], 1),
            t["mode_severe"]: _ci(r["severe_100k"], r["severe_low"], r["severe_high"], nd),
        })
    return rows


def vehicle_rows(comp: Comparison, *, lang: str) -> list[dict[str, str]]:
    """Per scenario: the share of the severe-injury risk caused by two-wheelers and by motor vehicles (%)."""
    t = texts(lang)
    s = _summary(comp)
    rows = []
    for name in dict.fromkeys(r.scenario for r in comp.results):
        tw = s.loc[(name, TWOWHEELER)]
        two = _ci(tw["mean"], tw["ci_low"], tw["ci_high"], 1)
        rows.append({t["scenario"]: name,
                     f"{t['twowheelers']} · {t['caused_pct']}": two,
                     f"{t['motor_vehicles']} · {t['caused_pct']}": _ci(100 - tw["mean"], 100 - tw["ci_high"],
                                                                      100 - tw["ci_low"], 1)})
    return rows


def modes_figure(comp: Comparison, table: pd.DataFrame, *, lang: str) -> bytes:
    """Share of the severe-injury risk by arrival mode (left) and by vehicle type (right), with 95% CIs."""
    t = texts(lang)
    s = _summary(comp)
    names = list(dict.fromkeys(r.scenario for r in comp.results))
    modes = _modes_used(table)
    groups = {
        "left": [(mode_name(m, lang), share_metric(m), False) for m in modes],
        "right": [(t["twowheelers"], TWOWHEELER, False), (t["motor_vehicles"], TWOWHEELER, True)],
    }
    with figure_style():
        fig = _new(10.5, 1.8 + 0.22 * len(names) * len(modes))
        _draw(fig, s, names, groups, t)  # titled by the page (texts "fig_modes" and "mean_ci")
    return png(fig)


def _draw(fig, s: pd.DataFrame, names: list[str], groups: dict[str, list[tuple[str, str, bool]]],
          t: dict[str, str]) -> None:
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    height = 0.8 / len(names)
    for ax, rows in zip(axes, groups.values(), strict=True):
        base = np.arange(len(rows), dtype=float)[::-1]
        for i, name in enumerate(names):
            y = base + 0.4 - height * (i + 0.5)
            vals = np.array([[s.loc[(name, key), c] for c in ("mean", "ci_low", "ci_high")]
                             for _, key, _ in rows], dtype=float)
            flip = np.array([rest for _, _, rest in rows])
            vals[flip] = 100.0 - vals[flip][:, [0, 2, 1]]
            err = np.nan_to_num(np.abs(np.vstack([vals[:, 0] - vals[:, 1], vals[:, 2] - vals[:, 0]])))
            ax.barh(y, vals[:, 0], height=height * 0.9, xerr=err, capsize=2,
                    color=COLOURS[i % len(COLOURS)], label=_short(name, 24), error_kw={"elinewidth": 0.8})
        ax.set_yticks(base, [label for label, _, _ in rows], fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xlabel(t["risk_share_pct"] if ax is axes[0] else t["caused_pct"], fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=min(len(names), 4), frameon=False)
    rows_of_legend = -(-len(names) // 4)
    fig.tight_layout(rect=(0, 0.07 * rows_of_legend + 0.02, 1, 1))
