"""What a process keeps of its seeds (simulator/kept.py) and who shares it: evaluators' workers, overrides."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.experiment import scenario_parameters
from simulator.kept import BySeed
from simulator.recommend import Evaluator
from simulator.recommend.city import _run_together
from simulator.recommend.workers import SeedWorkers
from simulator.runs import run_once
from simulator.scenario import scenario_from_mapping

SMALL = {"name": "small", "site": {"synthetic": {"superblocks": [2, 2], "compounds_per_block": 3}},
         "children": 200, "enforcement": "none"}


def test_the_seeds_run_least_recently_go_first() -> None:
    kept: BySeed[str] = BySeed(budget=100)
    for seed in (1, 2, 3):
        kept.put(seed, "a", f"a{seed}", seeds=2, most=100)
    assert kept.seeds() == [2, 3]
    assert kept.get(1, "a") is None and kept.get(3, "a") == "a3"
    kept.put(2, "b", "b2", seeds=2, most=100)  # seed 2 run again: now the most recent
    kept.put(4, "a", "a4", seeds=2, most=100)
    assert kept.seeds() == [2, 4]
    assert kept.get(2, "b") == "b2"
    kept.put(5, "a", "a5", seeds=1, most=100)  # one seed: the latest only
    assert kept.seeds() == [5]


def test_past_the_budget_older_seeds_go_and_the_latest_keeps_its_most() -> None:
    kept: BySeed[int] = BySeed(budget=10)
    for k in range(5):
        kept.put(1, k, k, seeds=3, size=2, most=12)
    assert kept.size(1) == 10  # within the budget, all of it
    kept.put(2, 0, 0, seeds=3, size=2, most=12)  # 12 > 10: seed 1 goes, not the one being run
    assert kept.seeds() == [2] and kept.size(2) == 2
    for k in range(1, 10):
        kept.put(2, k, k, seeds=3, size=2, most=12)
    assert kept.size(2) == 12  # the latest seed keeps up to ``most``, past the budget, and no more
    assert kept.get(2, 5) == 5 and kept.get(2, 6) is None
    with pytest.raises(TypeError):
        kept.get(2, [1])  # type: ignore[arg-type]  # a key that cannot be hashed says so


def test_an_evaluators_kept_workers_give_each_variants_own_results() -> None:
    """Two kept workers, variants run in two calls over the same seeds: every table is a fresh run's."""
    base = scenario_from_mapping(SMALL)
    with Evaluator(base, seeds=(3, 4, 5), workers=2, keep_workers=True) as ev:
        first = ev.variant(base.name, [])
        guarded = ev.variant("guarded", [{"type": "guard", "crossings": ["x14-15"], "hours": "07:00-08:30",
                                                "staff": "teacher"}])
        educated = ev.variant("educated", [{"type": "education", "share": 1.0}])
        ev.run([first])
        workers = ev._workers
        assert workers is not None
        started = set(workers._pool._processes)
        ev.run([guarded, educated])  # the workers kept seeds 3 to 5: most decisions are the first run's
        assert ev._workers is workers and set(workers._pool._processes) == started
    assert ev._workers is None  # closed with the block
    for variant in (first, guarded, educated):
        setting = ev.setting(variant)
        for kept in ev.results[variant.name]:
            fresh = run_once(setting, kept.seed)
            assert kept.scenario == variant.name and kept.summary == fresh.summary
            for name in ("trips", "events", "crossings"):
                pd.testing.assert_frame_equal(getattr(kept, name), getattr(fresh, name), check_exact=True)


def test_scenarios_with_the_same_overrides_share_one_parameter_table() -> None:
    """Their runs then share the decisions kept with it; other overrides make another table."""
    one = scenario_from_mapping({**SMALL, "parameters": {"rolling.share": 0.2, "traffic.speed_cv": 0.1}})
    same = scenario_from_mapping({**SMALL, "name": "b",
                                  "parameters": {"traffic.speed_cv": 0.1, "rolling.share": 0.2}})
    other = scenario_from_mapping({**SMALL, "parameters": {"rolling.share": 0.3, "traffic.speed_cv": 0.1}})
    table = scenario_parameters(one)
    assert scenario_parameters(same) is table and scenario_parameters(other) is not table
    assert table["rolling.share"] == 0.2 and scenario_parameters(other)["rolling.share"] == 0.3
    assert scenario_parameters(scenario_from_mapping(SMALL)) is not table  # no overrides: the packaged table


def test_schools_sharing_kept_workers_get_their_own_results() -> None:
    """A city's evaluators on one pool (each worker builds each school's site): every run is a fresh run's."""
    other = {**SMALL, "name": "other",
             "site": {"synthetic": {"superblocks": [2, 2], "compounds_per_block": 2}}}
    educated = [{"type": "education", "share": 1.0}]
    with SeedWorkers(workers=2, seeds=2) as pool:
        evaluators = [Evaluator(scenario_from_mapping(m), seeds=(7, 8), workers=2, pool=pool)
                      for m in (SMALL, other)]
        _run_together([(ev, ev.variant(ev.base.name, [])) for ev in evaluators])
        _run_together([(ev, ev.variant("educated", educated)) for ev in evaluators])
    for ev in evaluators:
        assert ev._workers is None  # the shared pool, not one of its own
        for name, extra in ((ev.base.name, []), ("educated", educated)):
            setting = ev.setting(ev.variant(name, extra))
            for kept in ev.results[name]:
                fresh = run_once(setting, kept.seed)
                assert kept.summary == fresh.summary
                pd.testing.assert_frame_equal(kept.events, fresh.events, check_exact=True)
