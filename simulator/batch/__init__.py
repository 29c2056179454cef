"""Batches: many schools x scenarios x seeds, on this machine or a Dask cluster, resumable.

A sweep file (:mod:`simulator.batch.sweep`) names networks, scenarios (files,
inline, parameter grids: :mod:`simulator.batch.grid`) and seeds. It is counted
(:mod:`simulator.batch.size`), expanded into runs with stable ids
(:mod:`simulator.batch.plan`), run by an executor (:mod:`simulator.batch.executor`:
this process, local worker processes, or Dask, :mod:`simulator.batch.cluster`),
each finished run written atomically into the batch folder
(:mod:`simulator.batch.store`), and the tidy tables, the summary across schools
and GeoJSON assembled from them (:mod:`simulator.batch.tables`,
:mod:`simulator.batch.summary`, :mod:`simulator.batch.geo`).

The names below are imported on first use, so that the command line can read
a submodule's constants (:mod:`simulator.batch.progress`,
:mod:`simulator.batch.cluster`) without loading pandas and the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.batch.api import BatchTables, load_tables, run_sweep
    from simulator.batch.grid import ALLOWED_AXES, AXES
    from simulator.batch.plan import Plan, plan_sweep
    from simulator.batch.sweep import Sweep, load_sweep

_WHERE = {"BatchTables": "api", "load_tables": "api", "run_sweep": "api", "ALLOWED_AXES": "grid",
          "AXES": "grid", "Plan": "plan", "plan_sweep": "plan", "Sweep": "sweep", "load_sweep": "sweep"}

__all__ = ["ALLOWED_AXES", "AXES", "BatchTables", "Plan", "Sweep", "load_sweep", "load_tables", "plan_sweep",
           "run_sweep"]


def __getattr__(name: str) -> Any:
    """Import ``name`` from its submodule on first use."""
    if name not in _WHERE:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
