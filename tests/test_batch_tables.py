"""Assembling the tables: canonical order, column types unified across runs, few row groups."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from batch_kit import NETWORKS, SCENARIOS

from simulator.batch import plan_sweep
from simulator.batch.store import Store
from simulator.batch.tables import write_level

RUNS = 300


def test_tables_are_streamed_in_canonical_order_with_unified_types(tmp_path: Path) -> None:
    baseline = str(SCENARIOS / "baseline.yaml")
    plan = plan_sweep({"seeds": RUNS, "networks": NETWORKS[:1], "scenarios": [baseline]})
    with Store(tmp_path) as store:
        for number, job in enumerate(reversed(plan.jobs)):  # finished in reverse order
            folder = store.run_dir(job.run_id)
            folder.mkdir(parents=True)
            # a whole-number column in some runs is fractional in others (pandas picks int64 or float64)
            value = job.seed if number % 2 else job.seed + 0.5
            pd.DataFrame({"child": [0, 1], "conflicts": [value, value], "road": [None, "学府路"]}).to_parquet(
                folder / "trips.parquet", index=False)
        assert write_level(store, plan.jobs, "trips") == 2 * RUNS
    table = pd.read_parquet(tmp_path / "trips.parquet")
    assert list(table.columns) == ["network", "scenario", "seed", "run_id", "child", "conflicts", "road"]
    assert list(table["seed"]) == [seed for seed in range(1, RUNS + 1) for _ in range(2)]
    assert table["conflicts"].dtype == "float64" and table["conflicts"].iloc[0] in (1.0, 1.5)
    assert pq.ParquetFile(tmp_path / "trips.parquet").num_row_groups == 1  # not one per run
    csv = pd.read_csv(tmp_path / "trips.csv")
    assert len(csv) == 2 * RUNS and list(csv["seed"]) == list(table["seed"])
