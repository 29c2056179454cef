"""``saferoute schools``, ``crossings`` and ``map``: what is on a map, and a picture of it."""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.cli.runs import site_override
from simulator.errors import ScenarioError

SORTS = ("id", "risk", "uses", "lanes", "speed", "volume", "class")
SORT_WORDS = {"id": "id (numerically)", "risk": "expected severe injuries (baseline)",
              "uses": "children per morning (baseline)", "lanes": "lanes", "speed": "speed limit",
              "volume": "traffic volume", "class": "road class"}
ID_TOKENS = re.compile(r"(?<!\d)-?\d+|\d+|[^\d-]+|-")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register schools, crossings and map."""
    schools = sub.add_parser("schools", help="list the schools on an OSM or GraphML map")
    schools.add_argument("map")
    schools.set_defaults(handler=_schools)
    crossings = sub.add_parser("crossings", help="list the crossings (ids for scenario files)")
    drawing = sub.add_parser("map", help="draw the walk network, crossings, school, homes and bus stops")
    for q in (crossings, drawing):
        q.add_argument(
            "map", nargs="?", default=None, help="OSM/GraphML file (default: the synthetic district)"
        )
        q.add_argument("--school", default=None, help="school name or id on the map")
        q.add_argument("--catchment", type=float, default=None, help="catchment radius, m (default 1000)")
    crossings.add_argument("--csv", default=None, help="also write the table to this CSV file")
    crossings.add_argument(
        "--sort", choices=SORTS, default=None,
        help="row order: id (numerical, the default without --results), risk (expected severe injuries, "
             "the default with --results), uses (children per morning), lanes, speed, volume, class "
             "(road class, motorway first); risk and uses need --results",
    )
    crossings.add_argument(
        "--results", default=None, metavar="FOLDER",
        help="a results folder made on this map (run/compare/demo): adds each crossing's uses and "
             "expected severe injuries per 100,000 trips in its baseline",
    )
    crossings.set_defaults(handler=_crossings)
    drawing.add_argument("--out", default="map.png", help="image file: .png, .svg or .pdf (default map.png)")
    drawing.add_argument("--lang", choices=("zh", "en"), default="zh", help="label language (default zh)")
    drawing.set_defaults(handler=_map)


def _site_mapping(args: argparse.Namespace) -> dict[str, Any]:
    if args.map is None:
        if args.school is not None:
            msg = "--school: only allowed with a map (the synthetic district has one school)"
            raise ScenarioError(msg)
        return {"synthetic": {}}
    site = site_override(args)
    assert site is not None
    return site


def _built(args: argparse.Namespace):
    """The site and walk network of ``--map``/``--school`` (the district without), saying what was guessed."""
    from simulator.experiment import built_site
    from simulator.guesses import guesses_of
    from simulator.scenario import scenario_from_mapping

    origin = args.map or "synthetic district"
    scenario = scenario_from_mapping({"name": "map", "site": _site_mapping(args)}, origin=origin)
    site, network = built_site(scenario, origin=origin)
    print(guesses_of(network).line("en"), file=sys.stderr)
    return site, network


def _schools(args: argparse.Namespace) -> int:
    from simulator.network.schools import schools_from_file

    path = Path(args.map)
    if not path.is_file():
        msg = f"{args.map}: the file does not exist"
        raise ScenarioError(msg)
    found = schools_from_file(path)
    cut = sum(not s.complete for s in found)
    print(f"{len(found)} school(s) on {path.name}"
          + (f"; {cut} with an incomplete outline (轮廓不完整), placed by the nodes the file has"
             if cut else ""))
    print(f"{'id':<14} {'kind':<12} {'lat':>10} {'lon':>11}  name")
    for s in found:
        remarks = "; ".join(s.remarks())
        print(f"{s.id:<14} {s.kind:<12} {s.lat:>10.5f} {s.lon:>11.5f}  {s.name or '(no name)'}"
              + (f"  [{remarks}]" if remarks else ""))
    return 0


def parse_crossing_id(cid: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key of a crossing id by its numbers: ``x-10-268640759`` < ``x9-12`` < ``x10-3``.

    A ``-`` after a letter is a minus sign (``x-10``: node -10); after a digit, a separator.
    """
    return tuple((0, int(tok)) if tok.lstrip("-").isdigit() else (1, tok) for tok in ID_TOKENS.findall(cid))


def crossing_rows(network, *, sort: str = "id",
                  use: Mapping[str, tuple[float, float]] | None = None) -> list[dict[str, Any]]:
    """One row per crossing: what a planner needs to name it in a scenario file.

    Parameters
    ----------
    network
        The walk network.
    sort
        One of :data:`SORTS`: ``id`` by the numbers in the id; ``risk`` and
        ``uses`` (need ``use``), ``lanes``, ``speed``, ``volume`` largest first,
        ``class`` motorway first; ties by id.
    use
        Crossing id -> (children per morning, expected severe injuries per
        100,000 trips) from a results folder; adds the columns ``uses`` and
        ``severe_per_100k`` (0 for crossings nobody used).
    """
    from simulator.network.osmtags import rank_road

    if sort in ("risk", "uses") and use is None:
        msg = f"--sort {sort}: needs --results FOLDER (results of run, compare or demo on this map)"
        raise ScenarioError(msg)
    rows = []
    for c in network.crossings.values():
        row = {
            "id": c.id,
            "facility": c.facility,
            "road": c.name or "-",
            "highway": c.highway,
            "lanes": f"{c.lanes[0]}+{c.lanes[1]}",
            "length_m": round(c.length, 1),
            "limit_kmh": round(c.speed_limit),
            "volume_vph": round(sum(c.volume)),
            "x": round(c.x, 1),
            "y": round(c.y, 1),
            "inferred": c.inferred,
            "informal": c.informal,
            "access": c.access if c.grade_separated else "",
            "access_guessed": bool(c.grade_separated
                                   and network.street.nodes.get(c.node, {}).get("access_defaulted")),
        }
        if use is not None:
            uses, severe = use.get(c.id, (0.0, 0.0))
            row |= {"uses": round(uses, 1), "severe_per_100k": severe}
        rows.append(row)
    first: dict[str, Any] = {
        "id": lambda r: 0,
        "risk": lambda r: (-r["severe_per_100k"], -r["uses"]),
        "uses": lambda r: (-r["uses"], -r["severe_per_100k"]),
        "lanes": lambda r: -sum(int(n) for n in r["lanes"].split("+")),
        "speed": lambda r: -r["limit_kmh"],
        "volume": lambda r: -r["volume_vph"],
        "class": lambda r: rank_road(r["highway"]),
    }
    return sorted(rows, key=lambda r: (first[sort](r), parse_crossing_id(r["id"])))


def _read_crossing_use(folder: str, network) -> dict[str, tuple[float, float]]:
    """Crossing id -> (uses per morning, expected severe injuries per 100,000 trips) in the baseline."""
    from simulator.report.content import risk_scale
    from simulator.report.results import load_results
    from simulator.report.tables import crossing_stats

    results = load_results(folder)
    stats = crossing_stats(results, results.baseline)
    foreign = [c for c in stats.index if c not in network.crossings]
    if foreign:
        msg = (f"--results: {folder} was made on another site: {len(foreign)} of its crossings (e.g. "
               f"{foreign[0]}) are not on this one; give the map, --school and --catchment it was run with")
        raise ScenarioError(msg)
    scale = risk_scale(results)
    return {str(c): (float(r["uses"]), float(r["severe"]) * scale) for c, r in stats.iterrows()}


def _crossings(args: argparse.Namespace) -> int:
    if args.csv is not None:
        from simulator.outputs import check_out_file

        check_out_file(args.csv, option="--csv", allowed="a .csv file to write", error=ScenarioError)
    sort = args.sort or ("risk" if args.results else "id")
    if sort in ("risk", "uses") and not args.results:
        msg = (f"--sort {sort}: needs --results FOLDER (results of run, compare or demo on this map); "
               "without results: id, lanes, speed, volume or class")
        raise ScenarioError(msg)
    site, network = _built(args)
    use = _read_crossing_use(args.results, network) if args.results else None
    rows = crossing_rows(network, sort=sort, use=use)
    mapped = sum(not r["inferred"] for r in rows)
    print(f"{len(rows)} crossings near {site.school.name} ({mapped} mapped, {len(rows) - mapped} inferred), "
          f"sorted by {SORT_WORDS[sort]}")
    extra = f" {'uses':>6} {'severe':>8}" if use is not None else ""
    w = max([16, *(len(r["id"]) for r in rows)])
    print(f"{'id':<{w}} {'facility':<10} {'access':<8} {'lanes':>5} {'m':>5} {'km/h':>4} {'veh/h':>6} "
          f"{'inferred':>8}{extra}  road")
    for r in rows:
        figures = f" {r['uses']:>6.1f} {r['severe_per_100k']:>8.2g}" if use is not None else ""
        inferred = "yes" if r["inferred"] else "no"
        access = (r["access"] + ("?" if r["access_guessed"] else "")) or "-"
        print(
            f"{r['id']:<{w}} {r['facility']:<10} {access:<8} {r['lanes']:>5} {r['length_m']:>5} "
            f"{r['limit_kmh']:>4} {r['volume_vph']:>6} {inferred:>8}{figures}  {r['road']} ({r['highway']})"
        )
    if use is not None:
        print("uses: children per morning; severe: expected severe injuries per 100,000 trips "
              f"(baseline of {args.results})", file=sys.stderr)
    if args.csv:
        import pandas as pd

        try:
            pd.DataFrame(rows).to_csv(args.csv, index=False)
        except OSError as bad:
            msg = f"--csv: {args.csv}: cannot write it ({bad.strerror or bad})"
            raise ScenarioError(msg) from None
        print(f"written to {args.csv}", file=sys.stderr)
    return 0


def _map(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        msg = f"--out: {args.out!r} is not allowed (allowed: a .png, .svg or .pdf file)"
        raise ScenarioError(msg)
    site, network = _built(args)
    from simulator.figures import draw_site_map, save_site_map

    name = site.school.name
    title = f"{name} — 步行网络与过街设施" if args.lang == "zh" else f"{name} — walk network and crossings"
    fig = draw_site_map(
        network, lang=args.lang, title=title, home_weights={h.id: h.weight for h in site.homes}
    )
    print(f"map written to {save_site_map(fig, out)}")
    print(stop_line(network))
    return 0


def stop_line(network) -> str:
    """One line naming the bus stops on the walk network (``none`` without), nearest first."""
    g = network.graph
    school = g.nodes[network.school_node]

    def away(node) -> float:
        return math.dist((g.nodes[node]["x"], g.nodes[node]["y"]), (school["x"], school["y"]))

    stops = sorted(network.stop_nodes.items(), key=lambda item: (away(item[1]), item[0]))
    listed = ", ".join(f"{network.stop_names.get(sid) or sid} ({sid}, {away(node):.0f} m)"
                       for sid, node in stops)
    return f"{len(stops)} bus stop(s) near the gate" + (f": {listed}" if stops else "")
