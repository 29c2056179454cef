"""An on-disk cache of built sites: street graph, school, homes and walk network.

Reading an OpenStreetMap extract and building its walk network takes about a
second; loading the pickled result takes about ten milliseconds. Entries are
content-addressed: the key is a SHA-256 over everything a build depends on —
the map file's bytes, the scenario's ``site`` mapping, the resolved parameter
table, the source of the modules that build sites, the versions of saferoute,
Python and the libraries that shape the result (networkx, NumPy, Shapely,
pyproj; OSMnx for maps) and :data:`FORMAT`. A change to any of them is a miss,
so an entry is never stale; old entries are pruned by size.

Where: ``$SAFEROUTE_CACHE`` if set and not empty, else
``$XDG_CACHE_HOME/saferoute``, else ``~/.cache/saferoute``; entries live in
its ``sites/`` folder. ``SAFEROUTE_CACHE=off`` turns the cache off. The
environment is read at each call.

Safe between processes: an entry is written to a temporary file in the same
folder and renamed into place (:func:`os.replace`), so a reader sees a whole
entry or none; each entry carries its key and a checksum of its payload, and
one that does not verify or does not unpickle is a miss, rebuilt and
overwritten. The cache never fails a run: a folder that cannot be created,
read or written is skipped without a word (a debug line on the
``simulator.cache`` logger). Entries are pickles: keep the folder writable by
you only.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import json
import logging
import os
import pickle
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import simulator
from simulator.params import Parameters

FORMAT = 3
"""Version of the entry layout and of what an entry holds; raise it when either changes.

2: sites hold bus stops (an entry of version 1 has none); 3: walk networks hold the gate street."""
LIMIT_BYTES = 1 << 30
"""Entries beyond this many bytes in all are pruned, least recently used first (1 GiB)."""
STALE_TEMP_SECONDS = 3600.0
"""A temporary file this old was left by a killed writer and is removed when pruning."""
OFF = "off"
"""The value of ``SAFEROUTE_CACHE`` that turns the cache off."""
SOURCES = ("__init__.py", "cache.py", "crossing.py", "errors.py", "experiment.py", "params.py", "network")
"""Files and folders of the package whose source shapes a built site (hashed into every key)."""

_MAGIC = b"saferoute site cache\n"
_SUFFIX = ".pickle"
_log = logging.getLogger(__name__)


def locate_folder(*, environ: Mapping[str, str] | None = None) -> Path | None:
    """The folder of site entries, or None when the cache is off.

    Parameters
    ----------
    environ
        The environment to read; :data:`os.environ` if None.

    Returns
    -------
    Path or None
        ``sites/`` inside ``$SAFEROUTE_CACHE`` (not empty), else inside
        ``$XDG_CACHE_HOME/saferoute`` (an absolute path), else inside
        ``~/.cache/saferoute``; None if ``SAFEROUTE_CACHE`` is ``off`` or
        there is no home folder. The folder may not exist yet.
    """
    env = os.environ if environ is None else environ
    chosen = env.get("SAFEROUTE_CACHE", "")
    if chosen.strip().lower() == OFF:
        return None
    if chosen:
        return Path(chosen).expanduser() / "sites"
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "saferoute" / "sites"
    try:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    except RuntimeError:  # no HOME and no password entry
        return None
    return home / ".cache" / "saferoute" / "sites"


def digest_sources() -> str | None:
    """SHA-256 of the package files in :data:`SOURCES`, or None if one cannot be read.

    The version number stays the same across the commits of a checkout; the
    source does not.
    """
    root = Path(simulator.__file__).resolve().parent
    digest = hashlib.sha256()
    try:
        for name in SOURCES:
            path = root / name
            files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
            for file in files:
                digest.update(file.relative_to(root).as_posix().encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def describe_software(*, osm: bool) -> dict[str, str] | None:
    """The versions and source digest a built site depends on, or None if the source is unreadable.

    Parameters
    ----------
    osm
        Whether the site is read from a map (OSMnx's version counts then).
    """
    sources = digest_sources()
    if sources is None:
        return None
    # versions from the installed metadata: importing pyproj only to read its version costs 60 ms
    from importlib.metadata import PackageNotFoundError, version

    software = {"format": str(FORMAT), "saferoute": simulator.__version__, "sources": sources,
                "python": sys.implementation.cache_tag or sys.version}
    for package in ("networkx", "numpy", "shapely", "pyproj") + (("osmnx",) if osm else ()):
        try:
            software[package] = version(package)
        except PackageNotFoundError:
            software[package] = "none"
    return software


def key_site(site: Mapping[str, Any], *, params: Parameters, map_digest: str | None,
             software: Mapping[str, str]) -> str:
    """The cache key of a site: SHA-256 (hex) of the canonical JSON of what its build reads.

    Parameters
    ----------
    site
        The scenario's ``site`` mapping (JSON-ready: ``map`` as a string).
    params
        The parameter table the site is built with (packaged values and overrides).
    map_digest
        SHA-256 of the map file's bytes (None for the synthetic district).
    software
        :func:`describe_software`.
    """
    content = {
        "site": dict(site),
        "map_sha256": map_digest,
        "parameters": {key: p.value for key, p in params.table.items()},
        "software": dict(software),
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def hash_file(path: str | Path) -> tuple[str, tuple[int, int, int]] | None:
    """SHA-256 (hex) of a regular file's bytes and its (inode, size, mtime) stamp, or None."""
    try:
        if not _is_regular(os.stat(path).st_mode):
            return None  # a folder or a pipe: the build says what is wrong
        with open(path, "rb") as f:
            before = os.fstat(f.fileno())
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None
    return digest, (before.st_ino, before.st_size, before.st_mtime_ns)


def stamp_file(path: str | Path) -> tuple[int, int, int] | None:
    """A file's (inode, size, mtime) stamp, or None if it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def fetch_site[T](site: Mapping[str, Any], *, params: Parameters, build: Callable[[], T],
                  folder: Path | None = None, limit_bytes: int = LIMIT_BYTES) -> T:
    """The cached result of ``build()`` for a site, else build it and store it.

    Parameters
    ----------
    site
        The scenario's ``site`` mapping, JSON-ready (a ``map`` is read and hashed).
    params
        The parameter table ``build`` uses.
    build
        Builds the site (its exceptions propagate; nothing is stored then).
    folder
        Entry folder; :func:`locate_folder` if None.
    limit_bytes
        Entries beyond this size in all are pruned after a store.

    Returns
    -------
    object
        What ``build`` returns, or an equal object unpickled from the cache.
    """
    folder = locate_folder() if folder is None else folder
    if folder is None:
        return build()
    map_path = site.get("map")
    hashed = hash_file(map_path) if map_path is not None else None
    software = describe_software(osm=map_path is not None)
    if software is None or (map_path is not None and hashed is None):
        return build()  # nothing to key on: the build reports a missing map itself
    key = key_site(site, params=params, map_digest=hashed[0] if hashed else None, software=software)
    path = folder / f"{key}{_SUFFIX}"
    found = read_entry(path, key=key)
    if found is not None:
        return found[0]
    value = build()
    if map_path is not None and hashed is not None and stamp_file(map_path) != hashed[1]:
        return value  # the map changed while it was read: the key may not describe it
    if write_entry(path, value, key=key):
        prune_folder(folder, limit_bytes=limit_bytes, keep=path)
    return value


def read_entry(path: Path, *, key: str) -> tuple[Any] | None:
    """``(value,)`` from an entry file, or None if it is missing, unreadable or does not verify.

    An entry is a pickle, so one owned by another user or writable by others is never loaded. A
    verified entry's time stamp is renewed, so pruning removes the least recently used first.
    """
    try:
        with open(path, "rb") as file:
            st = os.fstat(file.fileno())
            if st.st_uid != os.getuid() or st.st_mode & 0o022:
                _log.debug("cache entry %s is not yours alone (owner or mode): not loaded", path)
                return None
            data = file.read()
    except OSError:
        return None
    head = _MAGIC + key.encode() + b"\n"
    checksum_end = len(head) + 65
    if not data.startswith(head) or len(data) < checksum_end:
        _log.debug("cache entry %s has another key or format: rebuilt", path)
        return None
    payload = memoryview(data)[checksum_end:]
    if data[len(head):checksum_end] != hashlib.sha256(payload).hexdigest().encode() + b"\n":
        _log.debug("cache entry %s is corrupt: rebuilt", path)
        return None
    try:
        value = pickle.loads(payload)
    except Exception as bad:  # a verified pickle of classes that no longer load
        _log.debug("cache entry %s does not load (%s): rebuilt", path, bad)
        return None
    with contextlib.suppress(OSError):  # a read-only cache still serves its entries
        os.utime(path)
    return (value,)


def write_entry(path: Path, value: Any, *, key: str) -> bool:
    """Store ``value`` at ``path`` atomically (a temporary file renamed into place); False on failure."""
    try:
        payload = _pickle(value)
    except Exception as bad:
        _log.debug("site not cached: it does not pickle (%s)", bad)
        return False
    checksum = hashlib.sha256(payload).hexdigest().encode()
    temp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:16]}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + key.encode() + b"\n" + checksum + b"\n")
            f.write(payload)
        os.replace(temp, path)
    except OSError as bad:
        _log.debug("site not cached in %s: %s", path.parent, bad)
        if temp is not None:
            _remove(Path(temp))
        return False
    return True


def prune_folder(folder: Path, *, limit_bytes: int = LIMIT_BYTES, keep: Path | None = None) -> None:
    """Remove the least recently used entries until all fit in ``limit_bytes``.

    ``keep`` (the entry just written) stays even if it alone is larger; other
    writers' temporary files are left alone unless older than
    :data:`STALE_TEMP_SECONDS`.
    """
    entries: list[tuple[int, str, int]] = []
    stale_before = time.time() - STALE_TEMP_SECONDS
    try:
        with os.scandir(folder) as scan:
            for item in scan:
                try:
                    st = item.stat(follow_symlinks=False)
                except OSError:
                    continue
                if item.name.endswith(".tmp") and item.name.startswith("."):
                    if st.st_mtime < stale_before:
                        _remove(Path(item.path))
                elif item.name.endswith(_SUFFIX) and _is_regular(st.st_mode):
                    entries.append((st.st_mtime_ns, item.name, st.st_size))
    except OSError:
        return
    total = sum(size for _, _, size in entries)
    for _, name, size in sorted(entries):
        if total <= limit_bytes:
            break
        if keep is not None and name == keep.name:
            continue
        _remove(folder / name)
        total -= size


def _pickle(value: Any) -> bytes:
    """Pickle ``value``; read-only mappings (``MappingProxyType``) are stored as such."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[MappingProxyType] = _reduce_proxy
    pickler.dump(value)
    return out.getvalue()


def _reduce_proxy(proxy: MappingProxyType) -> tuple[Callable[[dict], MappingProxyType], tuple[dict]]:
    return _mapping_proxy, (dict(proxy),)


def _mapping_proxy(mapping: dict) -> MappingProxyType:
    """A read-only view of ``mapping`` (how unpickling rebuilds a ``MappingProxyType``)."""
    return MappingProxyType(mapping)


def _is_regular(mode: int) -> bool:
    return stat.S_ISREG(mode)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):  # gone already (another process pruned it) or not ours
        path.unlink()
