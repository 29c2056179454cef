"""A recommendation's tables and map for the page, in Chinese or English (no Solara here).

The tables say what ``saferoute recommend`` prints: each change with its
unit, its 95% interval (:func:`simulator.intervals.bracket_text`) and, when
the interval includes zero, the within-noise mark
(:data:`simulator.intervals.WITHIN_NOISE`). The map is the site map of
:mod:`simulator.figures` with the guard posts, the recommended routes or the
best set of measures on it.
"""

from __future__ import annotations

from simulator.experiment import setting_from_scenario
from simulator.figures import draw_site_map
from simulator.figures.routes import draw_route_map
from simulator.intervals import ONE_SEED, change_text
from simulator.metric import METRICS, part_decimals
from simulator.network.site import Site
from simulator.network.walk import WalkNetwork
from simulator.ui.advice import ORIGIN, Advice
from simulator.ui.charts import png
from simulator.ui.texts import measure_names, metric_names, texts

RISK = "severe_per_100k_trips"
WAIT = "wait_per_trip_s"


def notes(advice: Advice, *, lang: str) -> list[str]:
    """How the recommendation was made, and why there are no intervals with one seed."""
    t = texts(lang)
    one = [ONE_SEED.text(lang)] if len(advice.request.seeds) < 2 else []
    return [t[f"rec_how_{advice.request.kind}"], t["noise_note"], *one]


def guard_rows(advice: Advice, *, lang: str) -> list[dict[str, str]]:
    """One row per recommended post: where, when, and the measured change (as the CLI prints it)."""
    t = texts(lang)
    nd = METRICS[RISK].decimals
    return [{
        "#": str(k),
        t["crossing"]: p.crossing,
        t["road"]: p.road or "-",
        t["hours"]: p.hours,
        t["rec_staff_hours"]: f"{p.staff_hours:.2f} h",
        t["rec_change"]: change_text(p.change, p.ci_low, p.ci_high, decimals=nd, lang=lang),
        t["rec_cumulative"]: f"{p.cumulative:+.{nd}f}",
        t["rec_per_staff_hour"]: f"{p.per_staff_hour:.{part_decimals(RISK)}f}",
    } for k, p in enumerate(advice.picks, 1)]


def routes_sentence(advice: Advice, *, lang: str) -> str:
    """Who gets a safer route, the detour bound and the share who follow."""
    r = advice.request
    share = advice.routes.changed_share if advice.routes is not None else 0.0
    return texts(lang)["rec_share"].format(100 * share, 100 * r.max_detour, 100 * r.compliance)


def route_rows(advice: Advice, *, lang: str) -> list[dict[str, str]]:
    """The paired change of every figure when the share of children follows the routes."""
    t = texts(lang)
    names = metric_names(lang)
    if advice.routes is None:
        return []
    rows = []
    for row in advice.routes.changes.itertuples():
        nd = METRICS[row.metric].decimals
        rows.append({t["metric"]: names.get(row.metric, row.metric),
                     t["rec_figure_change"]: change_text(row.diff, row.ci_low, row.ci_high, decimals=nd,
                                                         lang=lang)})
    return rows


def measure_rows(advice: Advice, *, lang: str) -> list[dict[str, str]]:
    """Single measures ranked by risk reduction per 10k CNY, each with its cost and measured changes."""
    t = texts(lang)
    kinds = measure_names(lang)
    nd, wd = METRICS[RISK].decimals, METRICS[WAIT].decimals
    if advice.singles is None:
        return []
    return [{
        t["rec_measure"]: kinds.get(r.kind, r.kind),
        t["crossing"]: r.crossing if isinstance(r.crossing, str) else t["rec_gate"],
        t["rec_cost"]: f"{r.cost:.2f}",
        t["rec_change"]: change_text(r.risk_change, r.risk_ci_low, r.risk_ci_high, decimals=nd, lang=lang),
        t["rec_wait_change"]: f"{r.wait_change_s:+.{wd}f} s",
        t["rec_per_cost"]: f"{r.risk_reduction_per_cost:.{part_decimals(RISK)}f}",
    } for r in advice.singles.itertuples()]


def set_rows(advice: Advice, *, lang: str) -> list[dict[str, str]]:
    """The simulated best sets within the budget, best first."""
    t = texts(lang)
    nd, wd = METRICS[RISK].decimals, METRICS[WAIT].decimals
    if advice.sets is None or not len(advice.sets):
        return []
    return [{
        "#": str(k),
        t["rec_set"]: str(r.measures),
        t["rec_cost"]: f"{r.cost:.2f}",
        t["rec_estimated"]: f"{r.estimated_change:+.{nd}f}",
        t["rec_change"]: change_text(r.risk_change, r.risk_ci_low, r.risk_ci_high, decimals=nd, lang=lang),
        t["rec_wait_change"]: f"{r.wait_change_s:+.{wd}f} s",
    } for k, r in enumerate(advice.sets.itertuples(), 1)]


def advice_map(advice: Advice, *, site: Site, network: WalkNetwork, lang: str) -> bytes:
    """The recommendation on the site map (PNG): guard posts, the routes, or the best set built."""
    t = texts(lang)
    kind = advice.request.kind
    title = f"{advice.school} — {t[f'rec_title_{kind}']}"
    if kind == "routes" and advice.routes is not None:
        fig = draw_route_map(network, advice.routes.routes, weights=advice.weights, hazard=advice.hazard,
                             lang=lang, title=title)
    else:
        shown = network
        if kind == "measures" and advice.interventions:
            built = setting_from_scenario(advice.scenario(), site=site, network=network, origin=ORIGIN)
            shown = built.network
        guards = {cid: c["hours"] for c in advice.interventions if c.get("type") == "guard"
                  for cid in c["crossings"]}
        fig = draw_site_map(shown, lang=lang, title=title, guards=guards)
    fig.set_size_inches(7.5, min(7.5, max(5.0, fig.get_size_inches()[1] * 7.5 / fig.get_size_inches()[0])))
    return png(fig, dpi=80)


__all__ = ["advice_map", "guard_rows", "measure_rows", "notes", "route_rows", "routes_sentence", "set_rows"]
