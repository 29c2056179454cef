"""The sweep's tidy tables, assembled from the finished runs one run at a time.

One table per level, each as Parquet and CSV in the batch folder:

``trips``      one row per child per run
``events``     one row per party per crossing per run
``crossings``  one row per crossing used per run
``runs``       one row per finished run: its figures (:data:`simulator.metrics.SUMMARY_FIELDS`)
``index``      one row per run of the sweep: ``status`` done / failed / pending, the error, seconds,
               the saferoute version that ran it

Every row starts with ``network, scenario, seed, run_id``; rows are in the
sweep's canonical order (network, scenario, seed as listed in the sweep),
whatever order the runs finished in. Tables are streamed: each run's Parquet
file is read, appended to the CSV and to a Parquet row group of about
100,000 rows, and dropped, so memory does not grow with the number of runs. Each table is written to a
temporary file and renamed into place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.batch.plan import Job, Plan
from simulator.batch.store import Store
from simulator.metrics import SUMMARY_FIELDS

LEVELS = ("trips", "events", "crossings")
KEYS = ("network", "scenario", "seed", "run_id")
KEY_TYPES = (pa.string(), pa.string(), pa.int64(), pa.string())
ROW_GROUP_ROWS = 100_000
MERGE_EVERY = 64  # runs


def write_level(store: Store, jobs: Sequence[Job], level: str) -> int:
    """Stream one level's per-run Parquet files into ``level.parquet`` and ``level.csv``; rows written.

    Two passes over the runs: the column types (schemas unified one file at a
    time), then the rows, gathered into row groups of about
    :data:`ROW_GROUP_ROWS` rows (:class:`_RowGroup`): memory stays bounded
    whatever the number of runs.
    """
    files = [(job, store.run_dir(job.run_id) / f"{level}.parquet") for job in jobs]
    files = [(job, path) for job, path in files if path.is_file()]
    body = pa.schema([])
    for _, path in files:
        body = pa.unify_schemas([body, pq.read_schema(path).remove_metadata()], promote_options="permissive")
    schema = pa.schema([pa.field(k, t) for k, t in zip(KEYS, KEY_TYPES, strict=True)] + list(body))
    parquet, csv = _temp(store.out / f"{level}.parquet"), _temp(store.out / f"{level}.csv")
    rows = 0
    try:
        with pq.ParquetWriter(parquet, schema) as writer, csv.open("w", encoding="utf-8", newline="") as text:
            if not files:
                pd.DataFrame(columns=list(schema.names)).to_csv(text, index=False)
            group = _RowGroup(writer, schema)
            for number, (job, path) in enumerate(files):
                table = _conform(pq.read_table(path), schema, job)
                table.to_pandas().to_csv(text, header=number == 0, index=False)
                group.add(table)
                rows += table.num_rows
            group.flush()
        os.replace(parquet, store.out / f"{level}.parquet")
        os.replace(csv, store.out / f"{level}.csv")
    finally:
        parquet.unlink(missing_ok=True)
        csv.unlink(missing_ok=True)
    return rows


class _RowGroup:
    """Runs gathered into one Parquet row group of about :data:`ROW_GROUP_ROWS` rows.

    Small per-run tables are merged into one contiguous table every
    :data:`MERGE_EVERY` runs: neither many small tables (tiny runs) nor many row
    groups (the footer keeps metadata per row group) pile up.
    """

    def __init__(self, writer: pq.ParquetWriter, schema: pa.Schema) -> None:
        self.writer = writer
        self.merged = schema.empty_table()
        self.pending: list[pa.Table] = []

    def add(self, table: pa.Table) -> None:
        self.pending.append(table)
        if len(self.pending) >= MERGE_EVERY:
            self._merge()
            if self.merged.num_rows >= ROW_GROUP_ROWS:
                self.flush()

    def flush(self) -> None:
        self._merge()
        if self.merged.num_rows:
            self.writer.write_table(self.merged, row_group_size=self.merged.num_rows)
            self.merged = self.merged.schema.empty_table()

    def _merge(self) -> None:
        if self.pending:
            self.merged = pa.concat_tables([self.merged, *self.pending]).combine_chunks()
            self.pending = []


def _conform(table: pa.Table, schema: pa.Schema, job: Job) -> pa.Table:
    """The run's table with the key columns first and the sweep-wide column types."""
    n = table.num_rows
    keys = (job.network.label, job.variant.name, job.seed, job.run_id)
    columns = [pa.array([value] * n, type=t) for value, t in zip(keys, KEY_TYPES, strict=True)]
    for field in list(schema)[len(KEYS):]:
        if field.name in table.column_names:
            columns.append(table[field.name].cast(field.type))
        else:
            columns.append(pa.nulls(n, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def runs_table(store: Store, plan: Plan, jobs: Sequence[Job]) -> pd.DataFrame:
    """One row per finished run: keys, school, map, base scenario, grid axes, then the figures."""
    rows = []
    for job in jobs:
        record = store.read_run(job.run_id)
        grid = dict(job.variant.grid)
        row: dict[str, Any] = {
            "network": job.network.label, "scenario": job.variant.name, "seed": job.seed,
            "run_id": job.run_id, "school": record.get("meta", {}).get("school", ""),
            "map": job.network.map, "base_scenario": job.variant.base,
        }
        for axis in plan.axes:
            value = grid.get(axis)
            row[axis] = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
        row.update({key: record["summary"].get(key) for key in SUMMARY_FIELDS})
        rows.append(row)
    columns = [*KEYS, "school", "map", "base_scenario", *plan.axes, *SUMMARY_FIELDS]
    return pd.DataFrame(rows, columns=columns)


def index_table(store: Store, plan: Plan) -> pd.DataFrame:
    """Every run of the sweep with its status (done, failed, pending), error and timing."""
    rows = []
    for job in plan.jobs:
        record: dict[str, Any] | None
        if store.is_done(job.run_id):
            status, record = "done", store.read_run(job.run_id)
        else:
            record = store.failure(job.run_id)
            status = "failed" if record else "pending"
        rows.append({
            "number": job.number, "network": job.network.label, "scenario": job.variant.name,
            "seed": job.seed, "run_id": job.run_id, "status": status,
            "error": (record or {}).get("error", ""), "seconds": (record or {}).get("seconds"),
            "finished": (record or {}).get("finished", ""),
            "version": (record or {}).get("software", {}).get("saferoute", ""),
            "path": str(store.run_dir(job.run_id).relative_to(store.out)) if status == "done" else "",
        })
    return pd.DataFrame(rows, columns=["number", "network", "scenario", "seed", "run_id", "status", "error",
                                       "seconds", "finished", "version", "path"])


def write_frame(frame: pd.DataFrame, out: Path, name: str) -> None:
    """``name.parquet`` and ``name.csv``, each written to a temporary file and renamed."""
    for suffix in (".parquet", ".csv"):
        target = out / f"{name}{suffix}"
        tmp = _temp(target)
        try:
            if suffix == ".parquet":
                frame.to_parquet(tmp, index=False)
            else:
                frame.to_csv(tmp, index=False)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)


def _temp(path: Path) -> Path:
    return path.with_name(f".tmp-{path.name}-{os.getpid()}")
