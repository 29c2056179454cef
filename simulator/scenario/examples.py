"""The example scenario files that ship with the package (the repository's ``scenarios/``).

They are package data (``simulator/examples`` is the repository's
``scenarios/`` folder), so ``saferoute demo`` works from any folder after
``pip install``, and :func:`copy_examples` puts copies where a user can edit them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from simulator.errors import ScenarioError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
"""The folder of example scenario and sweep files inside the installed package."""


def example_files() -> list[Path]:
    """Every example file (``*.yaml``), by name."""
    return sorted(EXAMPLES.glob("*.yaml"))


def copy_examples(dest: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the example files into ``dest`` (created if missing).

    Parameters
    ----------
    dest
        The folder to copy into.
    overwrite
        Replace files of the same name; otherwise they are refused and nothing is copied.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ScenarioError
        If ``dest`` is a file, or holds files of the same names and ``overwrite`` is false.
    """
    folder = Path(dest)
    if folder.exists() and not folder.is_dir():
        msg = f"{folder} is a file (allowed: a folder to copy the example scenarios into)"
        raise ScenarioError(msg)
    files = example_files()
    clash = [f.name for f in files if (folder / f.name).exists()]
    if clash and not overwrite:
        msg = (f"{folder} already holds {', '.join(clash)}: nothing copied "
               "(allowed: another folder, or --overwrite to replace them)")
        raise ScenarioError(msg)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        shutil.copyfile(f, folder / f.name)
        written.append(folder / f.name)
    return written
