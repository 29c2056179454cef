"""``saferoute schools``, ``crossings`` and ``map``: what is on a map, and a picture of it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simulator.cli.runs import site_override
from simulator.errors import ScenarioError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register schools, crossings and map."""
    schools = sub.add_parser("schools", help="list the schools on an OSM or GraphML map")
    schools.add_argument("map")
    schools.set_defaults(handler=_schools)
    crossings = sub.add_parser("crossings", help="list the crossings (ids for scenario files)")
    drawing = sub.add_parser("map", help="draw the walk network, crossings, school and homes")
    for q in (crossings, drawing):
        q.add_argument(
            "map", nargs="?", default=None, help="OSM/GraphML file (default: the synthetic district)"
        )
        q.add_argument("--school", default=None, help="school name or id on the map")
        q.add_argument("--catchment", type=float, default=None, help="catchment radius, m (default 1000)")
    crossings.add_argument("--csv", default=None, help="also write the table to this CSV file")
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
    from simulator.experiment import built_site
    from simulator.scenario import scenario_from_mapping

    origin = args.map or "synthetic district"
    scenario = scenario_from_mapping({"name": "map", "site": _site_mapping(args)}, origin=origin)
    return built_site(scenario, origin=origin)


def _schools(args: argparse.Namespace) -> int:
    from simulator.network.schools import schools_from_file

    path = Path(args.map)
    if not path.is_file():
        msg = f"{args.map}: the file does not exist"
        raise ScenarioError(msg)
    found = schools_from_file(path)
    print(f"{len(found)} school(s) on {path.name}")
    print(f"{'id':<14} {'kind':<12} {'lat':>10} {'lon':>11}  name")
    for s in found:
        print(f"{s.id:<14} {s.kind:<12} {s.lat:>10.5f} {s.lon:>11.5f}  {s.name or '(no name)'}")
    return 0


def crossing_rows(network) -> list[dict[str, Any]]:
    """One row per crossing: what a planner needs to name it in a scenario file."""
    rows = []
    for c in sorted(network.crossings.values(), key=lambda c: c.id):
        rows.append(
            {
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
            }
        )
    return rows


def _crossings(args: argparse.Namespace) -> int:
    if args.csv is not None:
        from simulator.outputs import check_out_file

        check_out_file(args.csv, option="--csv", allowed="a .csv file to write", error=ScenarioError)
    site, network = _built(args)
    rows = crossing_rows(network)
    mapped = sum(not r["inferred"] for r in rows)
    print(f"{len(rows)} crossings near {site.school.name} ({mapped} mapped, {len(rows) - mapped} inferred)")
    header = (
        f"{'id':<16} {'facility':<10} {'lanes':>5} {'m':>5} {'km/h':>4} {'veh/h':>6} {'inferred':>8}  road"
    )
    print(header)
    for r in rows:
        print(
            f"{r['id']:<16} {r['facility']:<10} {r['lanes']:>5} {r['length_m']:>5} {r['limit_kmh']:>4} "
            f"{r['volume_vph']:>6} {'yes' if r['inferred'] else 'no':>8}  {r['road']} ({r['highway']})"
        )
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
    return 0
