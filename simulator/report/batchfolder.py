"""A batch folder read for the reports: ``batch.json``, the run index and the sweep's tables, checked.

The city overview reads the sweep's tables (``summary``, ``schools``,
``runs``, ``crossings``: written when a batch finishes); a school's own report
reads that network's finished run folders through the run index
(``index.parquet``, written also when a batch is interrupted). Every refusal is
one :class:`~simulator.errors.ResultsError` naming the folder and what to do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.batch.store import MARKER, STORE_FORMAT
from simulator.errors import ResultsError

CROSSING_COLUMNS = (
    "network",
    "scenario",
    "seed",
    "crossing",
    "facility",
    "road",
    "highway",
    "uses",
    "conflicts",
    "p_severe_sum",
    "guarded",
)


@dataclass(frozen=True)
class BatchFolder:
    """A checked batch folder.

    Attributes
    ----------
    folder
        The batch folder.
    manifest
        ``batch.json`` as read: the sweep as run, software, parameters.
    index
        Every run of the sweep with its status and folder (``index.parquet``).
    """

    folder: Path
    manifest: Mapping[str, Any]
    index: pd.DataFrame

    @property
    def sweep(self) -> Mapping[str, Any]:
        """The sweep as run (networks, scenarios, seeds, baseline, children)."""
        return dict(self.manifest["sweep"])

    @property
    def networks(self) -> list[str]:
        """The networks' names in sweep order."""
        return [str(n["name"]) for n in self.sweep["networks"]]

    @property
    def baseline(self) -> str:
        """The sweep's baseline scenario."""
        return str(self.sweep["baseline"])

    def table(self, name: str, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """One of the sweep's tables (``NAME.parquet``), or a one-line error if it is not there."""
        path = self.folder / f"{name}.parquet"
        if not path.is_file():
            msg = (
                f"{self.folder}: the batch's tables are not written yet (missing {name}.parquet): the batch "
                "was interrupted; run the same saferoute batch command again to finish it"
            )
            raise ResultsError(msg)
        try:
            return pd.read_parquet(path, columns=list(columns) if columns else None)
        except (OSError, ValueError) as bad:
            msg = f"{self.folder}: {name}.parquet cannot be read ({' '.join(str(bad).split())})"
            raise ResultsError(msg) from None


def is_batch_folder(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` is a batch folder (it has ``batch.json``)."""
    return (Path(folder) / MARKER).is_file()


def batch_from_folder(folder: str | os.PathLike[str]) -> BatchFolder:
    """Read and check ``batch.json`` and the run index of a batch folder.

    Raises
    ------
    ResultsError
        One line: no such folder, not a batch, ``batch.json`` unreadable or from
        another format, or no run index yet.
    """
    path = Path(folder)
    if not path.is_dir():
        msg = f"{folder}: no such batch folder"
        raise ResultsError(msg)
    try:
        data = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{folder}: not a batch folder (no {MARKER})"
        raise ResultsError(msg) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as bad:
        msg = f"{folder}: {MARKER} is unreadable or truncated ({' '.join(str(bad).split())})"
        raise ResultsError(msg) from None
    if not isinstance(data, dict) or data.get("kind") != "saferoute batch":
        msg = f"{folder}: {MARKER} is not a saferoute batch manifest"
        raise ResultsError(msg)
    if data.get("format") != STORE_FORMAT:
        msg = (
            f"{folder}: batch format {data.get('format')!r}; this saferoute reads batch format "
            f"{STORE_FORMAT}: run the batch again with it"
        )
        raise ResultsError(msg)
    sweep = data.get("sweep")
    if not isinstance(sweep, dict) or not all(
        k in sweep for k in ("networks", "scenarios", "seeds", "baseline")
    ):
        msg = f"{folder}: {MARKER} lacks the sweep as run (damaged or not written by saferoute)"
        raise ResultsError(msg)
    index = path / "index.parquet"
    if not index.is_file():
        msg = (
            f"{folder}: the batch has no run index yet (index.parquet): it is still running or was killed "
            "before any run finished; run the same saferoute batch command again"
        )
        raise ResultsError(msg)
    return BatchFolder(path, data, pd.read_parquet(index))
