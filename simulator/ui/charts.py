"""The comparison's figures and tables, in Chinese or English (matplotlib Figure, no pyplot).

Every figure is drawn and turned into PNG bytes inside
:func:`simulator.figures.figure_style`, so 汉字 are drawn with a CJK font.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.figures import draw_site_map, figure_style
from simulator.intervals import ONE_SEED, bracket_text, percent_text
from simulator.metric import METRICS, part_decimals, per_100k_trips
from simulator.ui.jobs import Comparison
from simulator.ui.texts import facility_names, metric_names, risk_notes, texts

COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")
HEADLINE = ("severe_per_100k_trips", "deaths_per_100k_trips", "severe_per_year", "deaths_per_year",
            "conflicts_per_100_trips", "wait_per_trip_s", "wait_p95_s", "late_pct",
            "unassisted_arterial_per_trip", "trip_time_mean_s")
"""The figures of the comparison table (labels and decimals from :mod:`simulator.metric`)."""


def png(fig: Figure, *, dpi: int = 90) -> bytes:
    """The figure as PNG bytes (drawn with the CJK font)."""
    out = io.BytesIO()
    with figure_style():
        fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def _new(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def risk_figure(comp: Comparison, *, lang: str) -> bytes:
    """Bars with 95% CI per scenario: severe-injury risk, conflicts and late arrivals."""
    summary = comp.summary()
    names = list(dict.fromkeys(summary["scenario"]))
    labels = metric_names(lang)
    keys = ("severe_per_100k_trips", "conflicts_per_100_trips", "late_pct")
    with figure_style():
        fig = _new(10.5, 3.6)
        axes = fig.subplots(1, len(keys))
        for ax, key in zip(axes, keys, strict=True):
            rows = summary[summary["metric"] == key].set_index("scenario").loc[names]
            mean = rows["mean"].to_numpy()
            err = np.vstack([mean - rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy() - mean])
            err = np.nan_to_num(err)
            ax.bar(range(len(names)), mean, yerr=err, capsize=4,
                   color=[COLOURS[i % len(COLOURS)] for i in range(len(names))])
            ax.set_xticks(range(len(names)), [_short(n) for n in names], fontsize=8, rotation=12)
            ax.set_title(labels[key], fontsize=9)
            ax.tick_params(axis="y", labelsize=8)
        fig.suptitle(texts(lang)["fig_risk"] + " (" + texts(lang)["mean_ci"] + ")", fontsize=10)
        fig.tight_layout()
    return png(fig)


def delay_figure(comp: Comparison, *, lang: str) -> bytes:
    """Distribution of each child's waiting per trip (all seeds), one curve per scenario."""
    t = texts(lang)
    with figure_style():
        fig = _new(10.5, 3.4)
        ax_hist, ax_cdf = fig.subplots(1, 2)
        names = list(dict.fromkeys(r.scenario for r in comp.results))
        waits = {n: np.concatenate([r.trips["wait_s"].to_numpy() for r in comp.results if r.scenario == n])
                 for n in names}
        top = max((float(np.percentile(w, 99)) for w in waits.values() if len(w)), default=1.0) or 1.0
        bins = np.linspace(0, top, 40)
        for i, (name, w) in enumerate(waits.items()):
            colour = COLOURS[i % len(COLOURS)]
            ax_hist.hist(np.clip(w, 0, top), bins=bins, histtype="step", linewidth=1.6, color=colour,
                         density=True, label=_short(name))
            x = np.sort(w)
            ax_cdf.plot(x, np.arange(1, len(x) + 1) / max(len(x), 1), color=colour, label=_short(name))
        wait = metric_names(lang)["wait_per_trip_s"]
        ax_hist.set_xlabel(wait, fontsize=9)
        ax_cdf.set_xlabel(wait, fontsize=9)
        ax_cdf.set_ylabel(t["children_share"], fontsize=9)
        ax_cdf.set_xlim(0, top)
        ax_hist.legend(fontsize=8)
        for ax in (ax_hist, ax_cdf):
            ax.tick_params(labelsize=8)
        fig.suptitle(t["fig_delay"], fontsize=10)
        fig.tight_layout()
    return png(fig)


def scenario_maps(comp: Comparison, *, lang: str) -> list[tuple[str, bytes]]:
    """One map per scenario: crossings sized by expected severe injuries (mean over seeds)."""
    out = []
    for setting in comp.settings:
        runs = [r.crossings for r in comp.results if r.scenario == setting.name and len(r.crossings)]
        crossings = pd.concat(runs) if runs else None
        guards = {g.crossing: _hours(g.start + setting.period_start, g.end + setting.period_start)
                  for g in setting.guards}
        fig = draw_site_map(setting.network, lang=lang, title=setting.name, crossings=crossings,
                            guards=guards, home_weights=setting.home_weights)
        fig.set_size_inches(6.2, 6.2)
        out.append((setting.name, png(fig, dpi=80)))
    return out


def _hours(a: float, b: float) -> str:
    return f"{int(a // 3600):02d}:{int(a % 3600 // 60):02d}-{int(b // 3600):02d}:{int(b % 3600 // 60):02d}"


def _short(name: str, width: int = 18) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def change_rows(comp: Comparison, *, lang: str, keys: Sequence[str] = HEADLINE) -> list[dict[str, str]]:
    """The comparison table, one row per figure: each scenario's mean [95% CI] and, for each
    alternative, its paired change from the baseline [95% CI] with a verdict (real or within noise).
    """
    t = texts(lang)
    labels = metric_names(lang)
    summary = comp.summary().set_index(["scenario", "metric"])
    diffs = comp.differences()
    diffs = diffs.set_index(["scenario", "metric"]) if len(diffs) else diffs
    names = list(dict.fromkeys(summary.index.get_level_values(0)))
    rows = []
    for key in keys:
        nd = METRICS[key].decimals
        row = {t["metric"]: labels[key]}
        for name in names:
            s = summary.loc[(name, key)]
            row[name] = f"{s['mean']:.{nd}f} {bracket_text(s['ci_low'], s['ci_high'], decimals=nd)}"
            if name != comp.baseline and (name, key) in diffs.index:
                r = diffs.loc[(name, key)]
                verdict = t["significant"] if r["significant"] else t["within_noise"]
                row[f"{_short(name, 14)} {t['delta']}"] = (
                    f"{r['diff']:+.{nd}f} {bracket_text(r['ci_low'], r['ci_high'], decimals=nd, sign=True)}"
                    f"{percent_text(r['pct'], r['pct_low'], r['pct_high'])} {verdict}")
        rows.append(row)
    return rows


def definitions(*, lang: str, keys: Sequence[str] = HEADLINE) -> list[str]:
    """The one-sentence definition of each figure, in the order of :func:`change_rows`."""
    return [METRICS[key].definition.text(lang) for key in keys]


def noise_statements(comp: Comparison, *, lang: str, keys: Sequence[str] = HEADLINE) -> list[str]:
    """One sentence per alternative naming the changes that are within noise (95% CI includes 0)."""
    t = texts(lang)
    labels = metric_names(lang)
    diffs = comp.differences()
    out = []
    for name in dict.fromkeys(diffs["scenario"]) if len(diffs) else ():
        mine = diffs[(diffs["scenario"] == name) & diffs["metric"].isin(keys)]
        noise = [labels[k] for k in mine.loc[~mine["significant"], "metric"]]
        real = [labels[k] for k in mine.loc[mine["significant"], "metric"]]
        text = f"{name} {t['vs']} {comp.baseline}: "
        text += (t["noise_list"].format(", ".join(noise)) if noise else t["no_noise"])
        if real:
            text += " " + t["real_list"].format(", ".join(real))
        out.append(text)
    return out


def comparison_notes(comp: Comparison, *, lang: str) -> list[str]:
    """How the casualties a year are made and how the risk is calibrated (the baseline's parameter table)."""
    one_seed = [ONE_SEED.text(lang)] if len(comp.seeds) < 2 else []
    return [*one_seed, *risk_notes(comp.settings[0].params, lang)]


def hotspot_rows(comp: Comparison, *, lang: str, top: int = 12) -> list[dict[str, str]]:
    """The riskiest crossings with each scenario's risk (per 100,000 trips, the school figure's unit),
    conflicts and wait (means over seeds)."""
    t = texts(lang)
    fac = facility_names(lang)
    frames = [r.crossings.assign(scenario=r.scenario) for r in comp.results if len(r.crossings)]
    if not frames:
        return []
    seeds = max(len(comp.seeds), 1)
    every = pd.concat(frames)
    sums = every.groupby(["scenario", "crossing"])[["p_severe_sum", "conflicts", "uses"]].sum() / seeds
    waits = every.groupby(["scenario", "crossing"])["wait_mean_s"].mean()
    base = comp.baseline
    children = [r.summary["children"] for r in comp.results if r.scenario == base]
    per_100k = per_100k_trips(sum(children) / len(children)) if children else 0.0
    nd = part_decimals("severe_per_100k_trips")  # a crossing's part of the school's figure
    ranked = (sums.loc[base].sort_values("p_severe_sum", ascending=False).index[:top]
              if base in sums.index.get_level_values(0) else [])
    info = every.drop_duplicates(["scenario", "crossing"]).set_index(["scenario", "crossing"])
    rows = []
    for cid in ranked:
        row = {t["crossing"]: cid, t["road"]: str(info.loc[(base, cid), "road"] or "-")}
        for name in dict.fromkeys(every["scenario"]):
            key = (name, cid)
            short = _short(name, 12)
            if key in sums.index:
                row[f"{short} · {t['facility']}"] = fac.get(str(info.loc[key, "facility"]), "")
                row[f"{short} · {t['risk']}"] = f"{sums.loc[key, 'p_severe_sum'] * per_100k:.{nd}f}"
                row[f"{short} · {t['conflicts']}"] = f"{sums.loc[key, 'conflicts']:.1f}"
                row[f"{short} · {t['mean_wait']}"] = f"{waits.loc[key]:.0f} s"
            else:
                row[f"{short} · {t['facility']}"] = "—"
        rows.append(row)
    return rows
