"""A sweep of 2 networks x 3 scenarios x 3 seeds gives identical tables on every executor.

One worker (this process), two local worker processes, and a Dask
``LocalCluster`` started by the test: same seeds, same tables, same order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from batch_kit import RUNS, assert_same_tables, reference, sweep

from simulator.batch import load_tables, run_sweep
from simulator.metrics import SUMMARY_FIELDS


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("batch")


def test_one_worker_tables_are_tidy_and_canonical(root: Path) -> None:
    ref = reference(root)
    assert (ref.index["status"] == "done").all() and len(ref.index) == RUNS
    assert len(ref.runs) == RUNS and ref.runs["run_id"].is_unique
    # canonical order: network, then scenario, then seed, as listed in the sweep
    assert list(ref.runs["network"]) == ["A"] * 9 + ["B"] * 9
    names = ["现状 Baseline", "Measures [speed_limit_kmh=30, guards=1]", "Education"]
    assert list(ref.runs["scenario"][:9]) == [name for name in names for _ in range(3)]
    assert list(ref.runs["seed"]) == [1, 2, 3] * 6
    assert set(SUMMARY_FIELDS) <= set(ref.runs.columns) and "guards" in ref.runs.columns
    for table in (ref.trips, ref.events, ref.crossings):
        assert list(table.columns[:4]) == ["network", "scenario", "seed", "run_id"]
        assert set(table["run_id"]) == set(ref.runs["run_id"])
    assert len(ref.trips) == RUNS * 150
    # the summary: every network x scenario x figure; alternatives paired with the baseline
    assert len(ref.summary) == 2 * 3 * len(SUMMARY_FIELDS)
    alt = ref.summary[ref.summary["scenario"] != "现状 Baseline"]
    assert alt["diff"].notna().all() and (alt["paired_seeds"] == 3).all()
    assert list(ref.schools["rank"]) == [1, 2]
    assert ref.schools["baseline_severe_per_100k_trips"].is_monotonic_decreasing
    for name in ("trips", "events", "crossings", "runs", "summary", "schools", "index"):
        assert (ref.out / f"{name}.csv").is_file() and (ref.out / f"{name}.parquet").is_file()


def test_two_local_workers_give_identical_tables(root: Path) -> None:
    tables = run_sweep(sweep(root / "two"), workers=2)
    assert_same_tables(reference(root), tables)


def test_dask_local_cluster_gives_identical_tables(root: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        tables = run_sweep(sweep(root / "dask"), scheduler=cluster.scheduler_address)
    assert_same_tables(reference(root), tables)


def test_finished_batch_is_not_rerun(root: Path) -> None:
    ref = reference(root)
    log = (ref.out / "log.jsonl").read_text(encoding="utf-8")
    again = run_sweep(sweep(ref.out), workers=2)
    assert (ref.out / "log.jsonl").read_text(encoding="utf-8").count('"status": "done"') == log.count(
        '"status": "done"') == RUNS
    assert_same_tables(ref, again)
    assert_same_tables(ref, load_tables(ref.out))
