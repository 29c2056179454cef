"""One guard budget across schools: verified posts, per-staff-hour order, K, one school as before, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from batch_kit import NETWORKS, OSM, SCENARIOS

from simulator.batch import run_sweep
from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.intervals import includes_zero, mean_ci
from simulator.recommend import Evaluator, recommend_guards
from simulator.recommend.allocation import PER_YEAR, allocation_table, school_posts
from simulator.recommend.city import allocate_guards
from simulator.recommend.guards import candidate_post, guard_window, screening_gains
from simulator.recommend.schools import evaluators_from_sweep, evaluators_on_map
from simulator.scenario import load_scenario, scenario_from_mapping

SEEDS = (1, 2, 3)


def district(seed: int) -> Evaluator:
    site = {"synthetic": {"seed": seed, "superblocks": [2, 2], "compounds_per_block": 2}}
    return Evaluator(scenario_from_mapping({"name": "base", "children": 150, "site": site}), seeds=SEEDS)


@pytest.fixture(scope="module")
def allocation() -> tuple[dict[str, Evaluator], list]:
    evaluators = {"A": district(1), "B": district(2), "C": district(3)}
    posts, _ = allocate_guards(evaluators, staff=3, hours="07:10-08:30")
    return evaluators, posts


def paired(ev: Evaluator, after: list, before: list, tag: str) -> list[float]:
    """Per seed: severe injuries a year with ``after`` minus with ``before`` (fresh runs)."""
    a, b = ev.variant(f"{tag} after", after), ev.variant(f"{tag} before", before)
    ev.run([a, b])
    was = {r.seed: r.summary[PER_YEAR] for r in ev.results[b.name]}
    return [r.summary[PER_YEAR] - was[r.seed] for r in ev.results[a.name]]


def test_each_post_is_the_paired_change_recomputed_from_runs(allocation) -> None:
    evaluators, posts = allocation
    assert len(posts) == 3
    city = [0.0] * len(SEEDS)
    for k, p in enumerate(posts):
        assert p.served == (p.school,)  # synthetic districts share no street
        ev = evaluators[p.school]
        before = school_posts(posts[:k], p.school)
        diffs = paired(ev, [*before, *school_posts([p], p.school)], before, f"check {k}")
        m, low, high = mean_ci(diffs)
        assert (p.change, p.ci_low, p.ci_high) == pytest.approx((m, low, high), rel=1e-9, abs=1e-12)
        assert p.change < 0 and p.significant == (not includes_zero(low, high))
        assert p.per_staff_hour == pytest.approx(-m / p.staff_hours)
    for name, ev in evaluators.items():
        diffs = paired(ev, school_posts(posts, name), [], f"city {name}")
        city = [c + d for c, d in zip(city, diffs, strict=True)]
    last = posts[-1]
    found = (last.cumulative, last.cumulative_low, last.cumulative_high)
    assert found == pytest.approx(mean_ci(city), rel=1e-9)


def test_each_pick_has_the_largest_verified_reduction_per_staff_hour(allocation) -> None:
    evaluators, posts = allocation
    # the first pick: the best of every school's first verified offer (its top screened crossing)
    firsts = {}
    for name, ev in evaluators.items():
        base = ev.variant("base", [])
        ev.run([base])
        window, p0 = guard_window(ev, "07:10-08:30", staff_type="auxiliary_police")
        cand = candidate_post(next(screening_gains(ev, base.name, window, p0).itertuples()),
                              staff_type="auxiliary_police")
        change = mean_ci(paired(ev, [cand.post], [], f"first {name}"))[0]
        firsts[name] = -change / cand.staff_hours
    assert posts[0].per_staff_hour == pytest.approx(max(firsts.values()))
    assert posts[0].school == max(firsts, key=lambda n: firsts[n])
    # later: a school's offer stands while posts go elsewhere, so no later post of another school beat it
    for k, p in enumerate(posts):
        for q in posts[k + 1 :]:
            later_same = [r for r in posts[k + 1 :] if r.school == q.school]
            if q.school != p.school and q is later_same[0]:
                assert q.per_staff_hour <= p.per_staff_hour + 1e-12
    table = allocation_table(posts)
    assert list(table["order"]) == [1, 2, 3] and table["staff_hours_per_morning"].gt(0).all()


def test_the_budget_is_respected_and_too_many_guards_refused(allocation) -> None:
    evaluators, _ = allocation
    posts, _ = allocate_guards(evaluators, staff=1)
    assert len(posts) == 1
    crossings = sum(
        1 for ev in evaluators.values() for c in ev.network.crossings.values()
        if not c.grade_separated and not c.informal
    )
    with pytest.raises(ScenarioError, match="--staff"):
        allocate_guards(evaluators, staff=crossings + 1)


def test_one_school_gets_the_single_school_recommenders_posts() -> None:
    picks, _ = recommend_guards(district(4), staff=2)
    ev = district(4)
    posts, _ = allocate_guards({"D": ev}, staff=2)
    assert [(p.crossing, p.hours) for p in posts] == [(p.crossing, p.hours) for p in picks]
    base = ev.results["base"]
    scale = base[0].summary[PER_YEAR] / base[0].summary["severe_per_100k_trips"]  # children x trips a year
    for post, pick in zip(posts, picks, strict=True):
        assert post.change == pytest.approx(pick.change * scale, rel=1e-9)
        assert post.cumulative == pytest.approx(pick.cumulative * scale, rel=1e-9)


def test_a_post_at_a_shared_crossing_serves_every_school_of_the_map() -> None:
    base = scenario_from_mapping({"name": "base", "children": 100})
    evaluators, _ = evaluators_on_map(OSM / "beijing_haidian_xueyuan_cau.osm.bz2",
                                      ["中国农业大学附属实验小学", "w365816824"], base=base, seeds=(1, 2))
    posts, _ = allocate_guards(evaluators, staff=1)
    (p,) = posts
    shared = [n for n, ev in evaluators.items() if p.crossing in ev.network.crossings]
    assert set(p.served) == set(shared) and p.served[0] == p.school
    total = [0.0, 0.0]
    for name in p.served:
        diffs = paired(evaluators[name], school_posts(posts, name), [], "shared")
        total = [t + d for t, d in zip(total, diffs, strict=True)]
    assert p.change == pytest.approx(mean_ci(total)[0], rel=1e-9)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cityguards") / "batch"
    run_sweep({"out": str(out), "seeds": 2, "children": 120, "networks": NETWORKS,
               "scenarios": [str(SCENARIOS / "baseline.yaml")]})
    return out


def test_the_cli_allocates_across_a_batchs_schools(batch: Path, capsys) -> None:
    assert main(["recommend", "guards", "--staff", "2", "--batch", str(batch), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "across 2 school(s), 2 paired seeds" in printed and "severe injuries a year" in printed
    table = pd.read_csv(batch / "recommend-city-guards" / "allocation.csv")
    assert len(table) <= 2 and set(table["school"]) <= {"A", "B"}
    sweep = json.loads((batch / "batch.json").read_text(encoding="utf-8"))["sweep"]
    evaluators, skipped = evaluators_from_sweep(sweep)
    assert not skipped and all(ev.seeds == (1, 2) and ev.base.children == 120 for ev in evaluators.values())
    for name in set(table["school"]):
        scenario = load_scenario(next((batch / "recommend-city-guards").glob(f"guards-{name}.yaml")))
        guards = [i for i in scenario.interventions if i.type == "guard"]
        mine = table[table["schools_served"].str.split("; ").map(lambda served, n=name: n in served)]
        assert sorted(c for g in guards for c in g.crossings) == sorted(mine["crossing"])
    assert math.isclose(table["city_cumulative_severe_per_year"].iloc[-1],
                        table["change_severe_per_year"].sum(), rel_tol=1e-9)


@pytest.mark.parametrize(("args", "expected"), [
    (["--batch", "B", "--map", "m.osm"], "--map (the batch fixes it)"),
    (["--batch", "B", "--seeds", "3"], "--seeds (the batch fixes it)"),
    (["--schools", "all"], "--schools needs --map"),
])
def test_clashing_options_are_one_line(args: list[str], expected: str, capsys, tmp_path: Path) -> None:
    assert main(["recommend", "guards", "--staff", "2", *args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err
