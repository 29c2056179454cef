"""Batches: many schools x scenarios x seeds, on this machine or a Dask cluster, resumable.

A sweep file (:mod:`simulator.batch.sweep`) names networks, scenarios (files,
inline, parameter grids: :mod:`simulator.batch.grid`) and seeds. It is expanded
into runs with stable ids (:mod:`simulator.batch.plan`), run by an executor
(:mod:`simulator.batch.executor`: this process, local worker processes, Dask),
each finished run written atomically into the batch folder
(:mod:`simulator.batch.store`), and the tidy tables, the summary across schools
and GeoJSON assembled from them (:mod:`simulator.batch.tables`,
:mod:`simulator.batch.summary`, :mod:`simulator.batch.geo`).
"""

from simulator.batch.api import BatchTables, load_tables, run_sweep
from simulator.batch.grid import ALLOWED_AXES, AXES
from simulator.batch.plan import Plan, plan_sweep
from simulator.batch.sweep import Sweep, load_sweep

__all__ = ["ALLOWED_AXES", "AXES", "BatchTables", "Plan", "Sweep", "load_sweep", "load_tables", "plan_sweep",
           "run_sweep"]
