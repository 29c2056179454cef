"""The map an uploaded scenario may name: a file in the work folder, or one the page offers already.

An uploaded scenario's ``site.map`` is checked on the YAML text before the
scenario is validated (validation looks for the file): the document's YAML
events are read in one pass, without building values or expanding aliases.
A path outside the work folder gets the same one-line refusal whether or not
it exists, and nothing looks for it; ``site`` or ``site.map`` hidden behind
an alias or merge key is refused too.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import yaml

from simulator.limits import MAX_YAML_DEPTH
from simulator.ui.uploads import UploadError, shown

NULLS = ("", "~", "null", "Null", "NULL")  # a plain scalar YAML reads as no value
DEEPEST = MAX_YAML_DEPTH  # nesting levels read: the scenario loader's own bound
_PARSERS = tuple(getattr(yaml, name) for name in ("CSafeLoader", "SafeLoader") if hasattr(yaml, name))
_OTHER = "\0"  # the key of a sequence item, or a key that is not plain text


@dataclass
class _Open:
    """A mapping or sequence being read: its current key (mappings) and what comes next."""

    mapping: bool
    as_key: bool  # the collection is itself a mapping key
    key: str = _OTHER
    want_key: bool = True


class _TooDeepError(yaml.YAMLError):
    """Nested deeper than :data:`DEEPEST`."""


def _scan(text: str) -> list[str] | None:
    """The values of ``site.map`` (raw text), or None if an alias or merge key may hide one.

    libyaml's parser when installed (fast), else PyYAML's; a document libyaml
    refuses is read again with PyYAML's, which the scenario loader uses.
    """
    for parser in _PARSERS[:-1]:
        try:
            return _scan_with(text, parser)
        except _TooDeepError:
            raise
        except yaml.YAMLError:
            continue
    return _scan_with(text, _PARSERS[-1])


def _scan_with(text: str, parser: type) -> list[str] | None:
    found: list[str] = []
    stack: list[_Open] = []
    for event in yaml.parse(text, Loader=parser):
        if isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            if stack and stack[-1].mapping and not done.as_key:
                stack[-1].want_key = True
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue  # stream and document boundaries
        top = stack[-1] if stack else None
        # only the top two levels matter (site, then map): deeper nodes are just counted
        path = tuple(f.key if f.mapping else _OTHER for f in stack) if len(stack) <= 2 else (_OTHER,) * 3
        is_key = top is not None and top.mapping and top.want_key
        scalar = isinstance(event, yaml.ScalarEvent)
        if is_key:
            assert top is not None
            key = event.value if isinstance(event, yaml.ScalarEvent) else _OTHER
            if path[:-1] in ((), ("site",)) and (not scalar or key == "<<"):
                return None
            top.key, top.want_key = key, False
        else:
            if isinstance(event, yaml.AliasEvent) and path in (("site",), ("site", "map")):
                return None
            if isinstance(event, yaml.ScalarEvent) and path == ("site", "map") and not (
                    event.style is None and event.value in NULLS):
                found.append(event.value)
            if top is not None and top.mapping:
                top.want_key = True
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= DEEPEST:
                msg = f"nested more than {DEEPEST} levels deep (allowed: up to {DEEPEST})"
                raise _TooDeepError(msg)
            stack.append(_Open(mapping=isinstance(event, yaml.MappingStartEvent), as_key=is_key))
    return found


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _given(raw: str) -> Path | None:
    """The path as validation reads it (``~`` expanded); None if it cannot be one."""
    if "\0" in raw:
        return None
    try:
        return Path(raw.strip()).expanduser()
    except RuntimeError:  # ~user of no such user
        return None


def _located(given: Path, *, folder: Path) -> Path | None:
    """The folder validation takes ``given`` from (``maps/`` if the file is there), if it stays inside."""
    root = Path(os.path.normpath(folder.absolute()))
    for base in (root / "maps", root):
        full = Path(os.path.normpath(base / given))
        if not _inside(full, root):
            return None  # decided on the text alone: nothing outside the folder is looked at
        if base == root or full.is_file():
            return base if _inside(full.resolve(), root.resolve()) else None
    return None  # pragma: no cover


def _offered(given: Path, offered: Collection[Path]) -> bool:
    return given.is_absolute() and Path(os.path.normpath(given)) in {Path(p) for p in offered}


def refusal(name: str, raw: str, *, folder: Path) -> UploadError:
    """The one line for a map the page may not read (the same whether the file exists or not)."""
    maps = Path(os.path.normpath(folder.absolute())) / "maps"
    msg = (f"{name}: site.map: {shown(raw.strip(), width=200)} is not allowed here "
           f"(allowed: a map loaded in this page, in {maps})")
    return UploadError(msg)


def check_maps(name: str, data: bytes, *, folder: Path, offered: Collection[Path] = ()) -> Path:
    """Refuse an uploaded scenario whose ``site.map`` names a file the page may not read.

    Returns
    -------
    Path
        The folder a relative ``site.map`` is taken from: the work folder's
        ``maps/`` when the file is there, else the work folder.

    Raises
    ------
    UploadError
        The same line for every refused path, whether it exists or not.
    """
    try:
        values = _scan(data.decode("utf-8-sig"))
    except _TooDeepError as exc:
        msg = f"{name} is refused: {exc}"
        raise UploadError(msg) from None
    except (UnicodeDecodeError, yaml.YAMLError):
        return folder  # not text or not YAML: validation says so, and reads no map
    if values is None:
        msg = f"{name}: site.map: written with a YAML alias or merge key (allowed: the file name written out)"
        raise UploadError(msg)
    base = folder
    for raw in values:
        given = _given(raw)
        if given is not None and _offered(given, offered):
            continue
        where = None if given is None else _located(given, folder=folder)
        if where is None:
            raise refusal(name, raw, folder=folder)
        base = where
    return base
