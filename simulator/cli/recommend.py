"""``saferoute recommend guards|routes|measures``: where to post guards, which routes, which measures."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.cityguards import add_city_options, city_guards, wants_city
from simulator.cli.common import add_work_options, check_work, number, whole
from simulator.cli.runs import site_override
from simulator.metric import METRICS, part_decimals

DEFAULT_SEEDS = 10
"""Seeds per candidate when ``--seeds`` is not given (as ``add_work_options`` says)."""
RISK = "severe_per_100k_trips"
"""The figure every recommendation's risk change is in."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``recommend`` and its three questions."""
    rec = sub.add_parser("recommend", help="recommend guard posts, safe routes or measures to fund")
    what = rec.add_subparsers(dest="question", required=True)
    guards = what.add_parser("guards", help="where and when to post K 护学岗 guards")
    guards.add_argument("--staff", type=whole, required=True, help="number of guards (one per post)")
    guards.add_argument("--hours", default=None,
                        help="window the posts may cover, HH:MM-HH:MM (default: guard.default_hours)")
    guards.add_argument("--staff-type", default="auxiliary_police", help="police, auxiliary_police, ...")
    add_city_options(guards)  # --batch, --schools: one budget across several schools
    guards.set_defaults(handler=_guards)
    routes = what.add_parser("routes", help="safe routes to publish (上学路线图)")
    routes.add_argument("--max-detour", type=number, default=0.2, help="extra distance allowed (0.2 = +20%%)")
    routes.add_argument("--compliance", type=number, default=0.6, help="share of children who follow them")
    routes.add_argument("--lang", choices=("zh", "en"), default="zh", help="route map language")
    routes.set_defaults(handler=_routes)
    measures = what.add_parser("measures", help="rank measures by risk reduction per cost; best set")
    measures.add_argument("--budget", type=number, required=True, help="budget, 10k CNY (万元)")
    measures.set_defaults(handler=_measures)
    for q in (guards, routes, measures):
        q.add_argument("--scenario", default=None, help="base scenario file (default: the site as it is)")
        q.add_argument("--map", default=None, help="OSM or GraphML file instead of the scenario's site")
        q.add_argument("--school", default=None, help="school name or id on --map")
        q.add_argument("--catchment", type=float, default=None, help="catchment radius, m")
        add_work_options(q, seeds_help="replications per candidate")
        q.set_defaults(seeds=None)  # 10 unless given; --batch takes the batch's seeds and refuses --seeds
        q.add_argument("--out", default=None, help="folder for the tables (default results/recommend-*)")


def _evaluator(args: argparse.Namespace):
    from simulator.recommend.base import Evaluator, base_scenario

    fill_defaults(args)
    check_work(args)
    from simulator.guesses import guesses_of

    base = base_scenario(args.scenario, site=site_override(args))
    ev = Evaluator(base, seeds=tuple(range(1, args.seeds + 1)), workers=args.workers,
                   origin=args.scenario or "recommend", keep_workers=True)
    print(guesses_of(ev.setting(ev.variant(ev.base.name, [])).network).line("en"))
    return ev


def fill_defaults(args: argparse.Namespace) -> None:
    """``--seeds`` (and ``--hours``) as given, or their defaults."""
    if args.seeds is None:
        args.seeds = DEFAULT_SEEDS
    if getattr(args, "hours", "") is None:
        from simulator.params import default_parameters

        args.hours = default_parameters()["guard.default_hours"]


def _out(args: argparse.Namespace, name: str) -> Path:
    from simulator.errors import ResultsError
    from simulator.outputs import check_folder_place

    given = args.out or f"results/recommend-{name}"
    out = Path(given)
    check_folder_place(out.absolute(), given, option="--out", allowed="allowed: a folder for the tables",
                       error=ResultsError)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _guards(args: argparse.Namespace) -> int:
    if wants_city(args):
        return city_guards(args)
    from dataclasses import asdict

    import pandas as pd

    from simulator.intervals import WITHIN_NOISE, bracket_text
    from simulator.recommend.guards import recommend_guards

    with _evaluator(args) as ev:
        picks, table = recommend_guards(ev, staff=args.staff, hours=args.hours, staff_type=args.staff_type)
    nd = METRICS[RISK].decimals
    print(
        f"护学岗 guard posts for {ev.site.school.name}: {len(picks)} of {args.staff} "
        f"(greedy, each step verified with {len(ev.seeds)} paired seeds)"
    )
    wide = max([14, *(len(p.crossing) for p in picks)])  # real maps' crossing ids run long
    print(
        f"{'#':>2} {'crossing':<{wide}} {'hours':<12} {'change severe/100k [95% CI]':<28} "
        f"{'cumulative':>10} {'per staff-h':>11}  road"
    )
    for k, p in enumerate(picks, 1):
        print(
            f"{k:>2} {p.crossing:<{wide}} {p.hours:<12} {p.change:+8.{nd}f} "
            f"{bracket_text(p.ci_low, p.ci_high, decimals=nd, sign=True):<19}"
            f" {p.cumulative:>+10.{nd}f} {p.per_staff_hour:>11.{part_decimals(RISK)}f}  {p.road}"
            + ("" if p.significant else f"  ({WITHIN_NOISE.en})")
        )
    if len(picks) < args.staff:
        print(f"no further post lowered the risk measurably: {args.staff - len(picks)} guard(s) not placed")
    out = _out(args, "guards")
    pd.DataFrame([asdict(p) for p in picks]).to_csv(out / "guards.csv", index=False)
    table.to_csv(out / "screening.csv", index=False)
    from simulator.recommend.scenario import interventions_from_guards

    posts = interventions_from_guards(picks, staff_type=args.staff_type)
    _write_scenario(out / "guards.yaml", ev, "guards", posts)
    print(f"tables written to {out}")
    return 0


def _routes(args: argparse.Namespace) -> int:
    from simulator.figures import save_site_map
    from simulator.figures.routes import draw_route_map
    from simulator.hazard import crossing_hazards
    from simulator.intervals import WITHIN_NOISE, bracket_text
    from simulator.recommend.routes import recommend_routes

    with _evaluator(args) as ev:
        advice = recommend_routes(ev, max_detour=args.max_detour, compliance=args.compliance)
    print(
        f"上学路线图 for {ev.site.school.name}: {100 * advice.changed_share:.1f}% of children get a safer "
        f"route (at most +{100 * args.max_detour:.0f}% walking); {100 * args.compliance:.0f}% follow it:"
    )
    for row in advice.changes.itertuples():
        label, nd = METRICS[row.metric].short, METRICS[row.metric].decimals
        interval = bracket_text(row.ci_low, row.ci_high, decimals=nd, sign=True)
        noise = "" if row.significant else f"  ({WITHIN_NOISE.en})"
        print(f"  {label:<26} {row.diff:+9.{nd}f} {interval}{noise}")
    out = _out(args, "routes")
    advice.table.to_csv(out / "routes.csv", index=False)
    advice.changes.to_csv(out / "changes.csv", index=False)
    from simulator.recommend.scenario import interventions_from_routes

    _write_scenario(out / "routes.yaml", ev, "routes",
                    interventions_from_routes(compliance=args.compliance, max_detour=args.max_detour))
    setting = ev.setting(ev.variant(ev.base.name, []))
    fig = draw_route_map(
        setting.network,
        advice.routes,
        weights=setting.home_weights,
        hazard=crossing_hazards(setting),
        lang=args.lang,
        title=f"{ev.site.school.name} — " + ("推荐上学路线图" if args.lang == "zh" else "recommended routes"),
    )
    save_site_map(fig, out / "route-map.png")  # inside the CJK figure style, as every map
    print(f"tables and route map written to {out}")
    return 0


def _measures(args: argparse.Namespace) -> int:
    from simulator.intervals import WITHIN_NOISE, bracket_text, includes_zero
    from simulator.recommend.measures import recommend_measures

    with _evaluator(args) as ev:
        singles, sets = recommend_measures(ev, budget=args.budget)
    nd, wd = METRICS[RISK].decimals, METRICS["wait_per_trip_s"].decimals
    print(
        f"measures for {ev.site.school.name}, ranked by risk reduction per 10k CNY "
        f"(severe injuries per 100k trips; paired, {len(ev.seeds)} seeds):"
    )
    for r in singles.itertuples():
        note = "" if r.significant else f"  ({WITHIN_NOISE.en})"
        print(
            f"  {r.measure:<34} cost {r.cost:>7.2f}  change {r.risk_change:+7.{nd}f} "
            f"{bracket_text(r.risk_ci_low, r.risk_ci_high, decimals=nd, sign=True)}  "
            f"wait {r.wait_change_s:+6.{wd}f} s{note}"
        )
    if len(sets):
        best = sets.iloc[0]
        noise = includes_zero(best["risk_ci_low"], best["risk_ci_high"])
        print(
            f"best set within {args.budget:g}: {best['measures']} (cost {best['cost']:.2f}, change "
            f"{best['risk_change']:+.{nd}f} "
            f"{bracket_text(best['risk_ci_low'], best['risk_ci_high'], decimals=nd, sign=True)})"
            + (f"  ({WITHIN_NOISE.en})" if noise else "")
        )
    else:
        print(f"no affordable set lowered the risk within {args.budget:g}")
    out = _out(args, "measures")
    singles.to_csv(out / "measures.csv", index=False)
    sets.to_csv(out / "combinations.csv", index=False)
    if len(sets):
        from simulator.recommend.scenario import interventions_from_measures, menu_of

        chosen = interventions_from_measures(str(sets.iloc[0]["measures"]), menu=menu_of(ev, singles))
        _write_scenario(out / "measures.yaml", ev, "measures", chosen)
    print(f"tables written to {out}")
    return 0


def _write_scenario(path: Path, ev, kind: str, interventions: list[dict]) -> None:
    """The base scenario with the recommendation's interventions, as a file ``saferoute run`` reads."""
    from simulator.recommend.scenario import NAMES, describe_recommendation, scenario_from_recommendation
    from simulator.scenario import scenario_to_yaml

    scenario = scenario_from_recommendation(
        ev.base, name=NAMES[kind], interventions=interventions,
        description=describe_recommendation(kind, ev.base, seeds=len(ev.seeds)))
    path.write_text(scenario_to_yaml(scenario), encoding="utf-8")
