"""The batch folder: one folder per finished run, written atomically; resume = skip what exists.

Layout of ``OUT/``::

    batch.json              the sweep as run (networks, scenarios, seeds), software, parameters
    log.jsonl               one line per finished or failed run (append-only, for people and tests)
    runs/ab/<run id>/       a finished run: trips, events, crossings, network (.parquet) and run.json
    failed/<run id>.json    a failed run: the error and traceback (removed when it later succeeds)
    index.csv, *.parquet, *.csv, *.geojson   the tables of the sweep (see :mod:`simulator.batch.tables`)

A run's files are written into a temporary folder beside its final place
(``runs/ab/.tmp-...``), flushed to disk, and the folder is renamed into place:
``runs/ab/<id>/`` exists only when it is complete, so a batch killed at any
moment leaves only whole runs (and temporary folders, removed on the next
start). Restarting the same sweep skips every run whose folder exists. Only
the process running the batch writes here; a lock file (``.lock``) stops a
second batch on the same folder.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import platform
import shutil
import socket
import uuid
from pathlib import Path
from typing import Any

from simulator import __version__
from simulator.errors import SweepError
from simulator.outputs import check_folder_place

STORE_FORMAT = 1
MARKER = "batch.json"


def check_batch_folder(out: str | os.PathLike[str], *, given: str | None = None) -> Path:
    """``out`` as an absolute path if a batch may be written there (checked before any run).

    A new folder, an empty one or an earlier batch folder (it has ``batch.json``;
    its finished runs are kept and reused) is allowed; a file or a folder of
    other files is refused.
    """
    shown = given or str(out)
    path = Path(out).absolute()
    allowed = "allowed: a new or empty folder, or an earlier batch folder, which is resumed"
    check_folder_place(path, shown, option="out", allowed=allowed, error=SweepError)
    if path.is_dir() and any(path.iterdir()) and not (path / MARKER).is_file():
        msg = f"out: {shown} is a folder of other files, not a saferoute batch ({allowed})"
        raise SweepError(msg)
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, rename it into place."""
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)


def json_bytes(payload: Any) -> bytes:
    """Indented UTF-8 JSON (Chinese kept readable); numpy numbers become floats."""
    return json.dumps(payload, ensure_ascii=False, indent=1, default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """A batch folder opened for writing (locked); use as a context manager."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.runs = out / "runs"
        self.failed = out / "failed"
        self._lock: int | None = None

    def __enter__(self) -> Store:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Create the folders, take the lock and remove temporary leftovers of a killed batch."""
        try:
            self.runs.mkdir(parents=True, exist_ok=True)
            self.failed.mkdir(exist_ok=True)
            fd = os.open(self.out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as bad:
            msg = f"out: {self.out}: cannot write the batch ({bad.strerror or bad})"
            raise SweepError(msg) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            msg = f"out: {self.out}: another batch is running in this folder (wait for it, or stop it)"
            raise SweepError(msg) from None
        self._lock = fd
        for leftover in [*self.runs.glob("*/.tmp-*"), *self.failed.glob(".tmp-*"), *self.out.glob(".tmp-*")]:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)

    def close(self) -> None:
        """Release the lock."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    # --- runs ---------------------------------------------------------------------------------

    def run_dir(self, run_id: str) -> Path:
        """Where a finished run lives."""
        return self.runs / run_id[:2] / run_id

    def is_done(self, run_id: str) -> bool:
        """True when the run finished (its folder exists: it appears complete or not at all)."""
        return (self.run_dir(run_id) / "run.json").is_file()

    def failure(self, run_id: str) -> dict[str, Any] | None:
        """The recorded failure of a run that has not (yet) succeeded."""
        path = self.failed / f"{run_id}.json"
        if not path.is_file():
            return None
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def read_run(self, run_id: str) -> dict[str, Any]:
        """The manifest of a finished run."""
        return dict(json.loads((self.run_dir(run_id) / "run.json").read_text(encoding="utf-8")))

    def write_run(self, record: dict[str, Any], tables: dict[str, bytes]) -> None:
        """Write a finished run (its tables and ``run.json``) atomically."""
        run_id = record["run_id"]
        final = self.run_dir(run_id)
        final.parent.mkdir(exist_ok=True)
        tmp = final.parent / f".tmp-{run_id}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            for name, data in tables.items():
                if data:
                    _write_synced(tmp / f"{name}.parquet", data)
            _write_synced(tmp / "run.json", json_bytes(record | self._stamp()))
            _sync_dir(tmp)
            if final.exists():  # finished meanwhile (never expected under the lock): keep the first
                shutil.rmtree(tmp)
            else:
                os.rename(tmp, final)
                _sync_dir(final.parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        (self.failed / f"{run_id}.json").unlink(missing_ok=True)
        self.log({"run_id": run_id, "status": "done", "seconds": record.get("seconds")})

    def write_failure(self, record: dict[str, Any]) -> None:
        """Record a failed run (replacing an earlier failure of the same run)."""
        write_atomic(self.failed / f"{record['run_id']}.json", json_bytes(record | self._stamp()))
        self.log({"run_id": record["run_id"], "status": "failed", "error": record.get("error", "")})

    def log(self, event: dict[str, Any]) -> None:
        """Append one line to ``log.jsonl`` (one write: a killed batch leaves whole lines)."""
        line = json.dumps({"time": now(), "pid": os.getpid(), **event}, ensure_ascii=False) + "\n"
        with (self.out / "log.jsonl").open("a", encoding="utf-8") as f:
            f.write(line)

    @staticmethod
    def _stamp() -> dict[str, Any]:
        return {"finished": now(), "host": socket.gethostname(), "pid": os.getpid(),
                "software": {"saferoute": __version__, "python": platform.python_version()}}


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def batch_manifest(plan_description: dict[str, Any], *, jobs: int) -> dict[str, Any]:
    """What ``batch.json`` holds: the sweep as run, the software and every parameter's source."""
    from simulator.params import default_parameters

    params = default_parameters().manifest()
    return {
        "format": STORE_FORMAT,
        "kind": "saferoute batch",
        "software": {"saferoute": __version__, "python": platform.python_version()},
        "jobs": jobs,
        "sweep": plan_description,
        "parameters": params,
        "unsourced_parameters": [p["key"] for p in params if p["conf"] == "U"],
    }
