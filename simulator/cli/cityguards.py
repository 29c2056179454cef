"""``saferoute recommend guards --staff K --batch FOLDER`` (or ``--map MAP --schools A,B|all``): one budget.

The schools come from a batch folder's ``batch.json`` (its networks, baseline,
seeds and children) or from several schools of one map; the allocation is
:func:`simulator.recommend.city.allocate_guards` (severe injuries a year, greedy
by verified reduction per staff-hour). Writes ``allocation.csv``, each school's
screening table and a scenario file per school with posts, into
``FOLDER/recommend-city-guards/`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from contextlib import nullcontext
from pathlib import Path

from simulator.errors import ScenarioError


def add_city_options(parser: argparse.ArgumentParser) -> None:
    """``--batch`` and ``--schools`` of ``recommend guards``."""
    parser.add_argument("--batch", default=None,
                        help="a batch folder: allocate the guards across its schools (its baseline, seeds "
                             "and children; written to BATCH/recommend-city-guards/allocation.csv)")
    parser.add_argument("--schools", default=None,
                        help="with --map: allocate across these schools (NAME,NAME,... or all)")


def wants_city(args: argparse.Namespace) -> bool:
    """True when the guards go across several schools (``--batch`` or ``--schools``)."""
    return args.batch is not None or args.schools is not None


def city_guards(args: argparse.Namespace) -> int:
    """Allocate ``--staff`` guards across the schools; print the table and write the files."""
    from simulator.cli.common import check_work
    from simulator.cli.recommend import fill_defaults

    _check_options(args)
    fill_defaults(args)
    check_work(args)
    from simulator.intervals import ONE_SEED
    from simulator.recommend.allocation import FOLDER, allocation_table
    from simulator.recommend.base import base_scenario
    from simulator.recommend.city import allocate_guards
    from simulator.recommend.schools import evaluators_from_sweep, evaluators_on_map
    from simulator.recommend.workers import SeedWorkers

    skipped: dict[str, str] = {}
    if args.batch is not None:
        from simulator.report.batchfolder import batch_from_folder

        batch = batch_from_folder(args.batch)
        evaluators, skipped = evaluators_from_sweep(batch.sweep, workers=args.workers,
                                                    origin=str(Path(args.batch) / "batch.json"))
        out = Path(args.out) if args.out else Path(args.batch) / FOLDER
    else:
        names = [n.strip() for n in args.schools.split(",") if n.strip()]
        base = base_scenario(args.scenario, site=None)
        evaluators, skipped = evaluators_on_map(args.map, names, base=base, seeds=range(1, args.seeds + 1),
                                                workers=args.workers, catchment_m=args.catchment)
        out = Path(args.out or f"results/{FOLDER}")
    for name, why in skipped.items():
        print(f"left out: {why if why.startswith(name) else f'{name}: {why}'}")
    if not evaluators:
        option = "--batch" if args.batch is not None else "--schools"
        msg = f"{option}: no school can be simulated (see above)"
        raise ScenarioError(msg)
    _check_out(out)
    seeds = next(iter(evaluators.values())).seeds
    print(f"护学岗 guard allocation: {args.staff} guard(s) across {len(evaluators)} school(s), "
          f"{len(seeds)} paired seeds, window {args.hours}, {args.staff_type}")
    kept = SeedWorkers(workers=args.workers, seeds=len(seeds)) if args.workers > 1 else nullcontext()
    with kept as pool:  # one pool keeps every school's seeds
        for ev in evaluators.values():
            ev.pool = pool
        posts, tables = allocate_guards(
            evaluators, staff=args.staff, hours=args.hours, staff_type=args.staff_type,
            note=lambda line: print(f"  {line}", file=sys.stderr, flush=True))
    _print_table(posts, args.staff)
    if len(seeds) < 2:
        print(ONE_SEED.en)
    out.mkdir(parents=True, exist_ok=True)
    allocation_table(posts).to_csv(out / "allocation.csv", index=False)
    for name, table in tables.items():
        table.assign(school=name).to_csv(out / f"screening-{_slug(name)}.csv", index=False)
    written = _write_scenarios(out, posts, evaluators)
    where = f"--batch {shlex.quote(str(Path(args.batch).resolve()))}" if args.batch is not None else (
        f"--map {shlex.quote(str(Path(args.map).resolve()))} --schools {shlex.quote(args.schools)} "
        f"--seeds {args.seeds}" + (f" --catchment {args.catchment:g}" if args.catchment is not None else "")
        + (f" --scenario {shlex.quote(args.scenario)}" if args.scenario else ""))
    manifest = {
        "command": f"saferoute recommend guards --staff {args.staff} --hours {args.hours} "
                   f"--staff-type {args.staff_type} {where}",
        "staff": args.staff, "posts": len(posts), "hours": args.hours, "staff_type": args.staff_type,
        "seeds": list(seeds), "schools": list(evaluators), "left_out": skipped,
    }
    (out / "allocation.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"allocation written to {out / 'allocation.csv'}"
          + (f"; scenario files: {', '.join(written)}" if written else ""))
    return 0


def _check_options(args: argparse.Namespace) -> None:
    """Every clash of the city options with the single-school ones, in one line."""
    found = []
    if args.batch is not None:
        found += [f"{o} (the batch fixes it)" for o, v in (("--map", args.map), ("--school", args.school),
                  ("--schools", args.schools), ("--scenario", args.scenario), ("--catchment", args.catchment),
                  ("--seeds", args.seeds)) if v is not None]
    else:
        if args.map is None:
            found.append("--schools needs --map (the map the schools are on)")
        if args.school is not None:
            found.append("--school with --schools (give one of them)")
        if args.schools is not None and not args.schools.strip(" ,"):
            found.append("--schools is empty")
    if found:
        allowed = "allowed: --batch FOLDER, or --map MAP --schools NAME,...|all"
        msg = f"recommend guards: {'; '.join(found)} ({allowed})"
        raise ScenarioError(msg)


def _check_out(out: Path) -> None:
    from simulator.errors import ResultsError
    from simulator.outputs import check_folder_place

    check_folder_place(out.absolute(), str(out), option="--out", allowed="allowed: a folder for the tables",
                       error=ResultsError)


def _print_table(posts: list, staff: int) -> None:
    from simulator.intervals import WITHIN_NOISE, bracket_text
    from simulator.recommend.allocation import POST_DECIMALS

    nd = POST_DECIMALS
    print(f"{'#':>2} {_fit('school (offered by)', 28)} {_fit('crossing', 24)} {'hours':<11} {'staff-h':>7} "
          f"{'serves':>6} {'change severe/year [95% CI]':<35} {'per staff-h':>11} {'city/year':>9}  road")
    for p in posts:
        noise = "" if p.significant else f"  ({WITHIN_NOISE.en})"
        print(f"{p.order:>2} {_fit(p.school, 28)} {_fit(p.crossing, 24)} {p.hours:<11} {p.staff_hours:>7.2f} "
              f"{len(p.served):>6} {p.change:+8.{nd}f} "
              f"{bracket_text(p.ci_low, p.ci_high, decimals=nd, sign=True):<26} "
              f"{p.per_staff_hour:>11.{nd}f} {p.cumulative:>+9.{nd}f}  {p.road}{noise}")
    print("units: staff-h = hours on duty each school morning; change = expected severe injuries a year at "
          "the schools a post serves (paired, marginal); per staff-h = reduction a year per staff-hour")
    if posts:
        last = posts[-1]
        print(f"city: {len(posts)} post(s), {sum(p.staff_hours for p in posts):.2f} staff-hours a morning; "
              f"verified change {last.cumulative:+.{nd}f} "
              f"{bracket_text(last.cumulative_low, last.cumulative_high, decimals=nd, sign=True)} "
              "severe injuries a year (paired over seeds, summed over schools)")
    if len(posts) < staff:
        print(f"no further post lowered the risk: {staff - len(posts)} guard(s) not placed")


def _fit(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    out, used = "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width:
            break
        out, used = out + ch, used + w
    return out + " " * (width - used)


def _write_scenarios(out: Path, posts: list, evaluators: dict) -> list[str]:
    """A scenario file per school with posts: its base with the posts, as ``saferoute run`` reads it."""
    from simulator.recommend.allocation import school_posts
    from simulator.recommend.scenario import NAMES, describe_recommendation, scenario_from_recommendation
    from simulator.scenario import scenario_to_yaml

    written = []
    for name, ev in evaluators.items():
        mine = school_posts(posts, name)
        if not mine:
            continue
        scenario = scenario_from_recommendation(
            ev.base, name=NAMES["guards"], interventions=mine,
            description=describe_recommendation("guards", ev.base, seeds=len(ev.seeds))
            + f" 全市分配的岗位中在本校街道上的 City allocation, the posts on this school's streets: {name}")
        path = out / f"guards-{_slug(name)}.yaml"
        path.write_text(scenario_to_yaml(scenario), encoding="utf-8")
        written.append(path.name)
    return written


def _slug(name: str) -> str:
    """A file-name part from a school's name (as the school reports name theirs)."""
    return "".join(ch if ch.isalnum() else "-" for ch in name).strip("-") or "school"
