"""Checks on where saferoute writes, made before any work: a file to write, a folder to create.

One place for the one-line refusals of ``--out``, ``--csv`` and a sweep's
``out``: a file where a folder is wanted, a folder inside a file, a folder
that cannot be written. What a folder may already hold is for its owner to
say (results: :func:`simulator.results.check_out_folder`; batches:
:func:`simulator.batch.store.check_batch_folder`).
"""

from __future__ import annotations

import os
from pathlib import Path

from simulator.errors import SaferouteError


def check_out_file(given: str | os.PathLike[str], *, option: str, allowed: str, suffix: str | None = None,
                   error: type[SaferouteError]) -> Path:
    """``given`` as a path, if a file may be written there.

    Parameters
    ----------
    given
        The file as the user wrote it.
    option
        The option that named it (``--out``, ``--csv``), for the message.
    allowed
        What the option takes (``"a .csv file"``), for the message.
    suffix
        The ending the file must have (case-insensitive), if any.
    error
        The error class raised.
    """
    path = Path(given)
    if suffix is not None and path.suffix.lower() != suffix:
        msg = f"{option}: {given} is not allowed (allowed: {allowed})"
        raise error(msg)
    if path.is_dir():
        msg = f"{option}: {given} is a folder (allowed: {allowed})"
        raise error(msg)
    parent = path.resolve().parent
    if not parent.is_dir():
        msg = f"{option}: {given}: the folder {parent} does not exist"
        raise error(msg)
    _check_writable(parent, given, option=option, error=error)
    return path


def check_folder_place(path: Path, given: str, *, option: str, allowed: str,
                       error: type[SaferouteError]) -> None:
    """A folder may be created (or replaced) at ``path``: not a file, not inside a file, writable."""
    if path.exists() and not path.is_dir():
        msg = f"{option}: {given} is a file ({allowed})"
        raise error(msg)
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        msg = f"{option}: {given} is inside {ancestor}, which is a file ({allowed})"
        raise error(msg)
    _check_writable(ancestor, given, option=option, error=error)


def _check_writable(folder: Path, given: str | os.PathLike[str], *, option: str,
                    error: type[SaferouteError]) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        msg = f"{option}: {given}: cannot write in {folder} (permission denied)"
        raise error(msg)
