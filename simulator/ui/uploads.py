"""Files in and out of the page: size-limited uploads parsed safely, writes only in the work folder.

Uploaded scenarios are parsed in memory with the same safe YAML loader and
validation as scenario files, so the page shows the CLI's one-line error; the
map one names must be in the work folder or one the page already offers (see
:mod:`simulator.ui.sitemap`), and nothing else on the server is looked at.
Upload names are plain: no control characters, at most :data:`MAX_NAME_BYTES`.
Uploaded maps are checked before anything reads them as XML (size,
compressed and unpacked; no DTD or entity declarations) and are kept in the
work folder's ``maps/`` only if they load. Every path written is checked to
lie inside the work folder.
"""

from __future__ import annotations

import bz2
import os
import secrets
import unicodedata
from collections.abc import Collection, Iterator
from pathlib import Path

from simulator.errors import NetworkError, SaferouteError, ScenarioError
from simulator.scenario import Scenario, scenario_from_yaml
from simulator.scenario.schema import MAP_SUFFIXES

MAX_SCENARIO_BYTES = 1 << 20  # 1 MiB: a scenario file is a page of text
MAX_MAP_BYTES = 50 << 20  # 50 MiB as uploaded
MAX_MAP_UNPACKED = 500 << 20  # 500 MiB once decompressed (a .bz2 bomb stops here)
FORBIDDEN_XML = (b"<!DOCTYPE", b"<!ENTITY")  # OSM and GraphML files need neither
MAX_NAME_BYTES = 200  # UTF-8 bytes of an upload's name (file systems allow 255, and a suffix may be added)
FOLDER_ENV = "SAFEROUTE_UI_FOLDER"


class UploadError(SaferouteError):
    """An uploaded file is too large, of the wrong kind or unsafe to parse."""


def shown(name: str, *, width: int = 60) -> str:
    """A name as an error message shows it: control characters escaped, at most ``width`` characters."""
    text = "".join(ch if unicodedata.category(ch) not in ("Cc", "Cs") else repr(ch)[1:-1]
                   for ch in name[:width])
    return text + ("…" if len(name) > width else "")


def check_name(name: str) -> None:
    """Refuse an upload name that is empty, has control characters (NUL...) or is too long."""
    plain = all(unicodedata.category(ch) not in ("Cc", "Cs") for ch in name)
    if not name.strip() or not plain or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        msg = (f"'{shown(name)}' ({len(name)} characters): not allowed as a file name (allowed: up to "
               f"{MAX_NAME_BYTES} bytes in UTF-8, no control characters)")
        raise UploadError(msg)


def work_folder() -> Path:
    """The folder the page may write in: ``$SAFEROUTE_UI_FOLDER``, else ``./saferoute-work``."""
    given = os.environ.get(FOLDER_ENV)
    return Path(given).expanduser().absolute() if given else Path.cwd() / "saferoute-work"


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refused unless it resolves inside ``folder``."""
    root = folder.resolve()
    target = (root / name).resolve()
    if target == root or root not in target.parents:
        msg = f"{name}: not allowed (allowed: a file name inside {root})"
        raise UploadError(msg)
    return target


def _size_check(name: str, data: bytes, limit: int) -> None:
    if len(data) > limit:
        msg = (f"{name}: {len(data) / 2**20:.1f} MiB is too large "
               f"(allowed: up to {limit / 2**20:.0f} MiB)")
        raise UploadError(msg)


def scenario_upload(name: str, data: bytes, *, folder: Path, offered: Collection[Path] = ()) -> Scenario:
    """An uploaded scenario file, validated (raises the CLI's one-line ``ScenarioError``).

    Parameters
    ----------
    name, data
        The file's name and content.
    folder
        The work folder: a relative ``site.map`` is taken from its ``maps/``
        when the file is there, else from the folder itself.
    offered
        Maps the page offers already (those of its scenarios).

    Raises
    ------
    SaferouteError
        One line; ``site.map`` naming a file outside ``folder`` and not
        ``offered`` is refused before anything looks for it.
    """
    from simulator.ui.sitemap import check_maps

    check_name(name)
    _size_check(name, data, MAX_SCENARIO_BYTES)
    if not name.lower().endswith((".yaml", ".yml")):
        msg = f"{name}: not a scenario file (allowed: .yaml or .yml)"
        raise ScenarioError(msg)
    base = check_maps(name, data, folder=folder, offered=offered)
    return scenario_from_yaml(data, origin=name, base=base)


def _chunks(name: str, data: bytes) -> Iterator[bytes]:
    """The file's content, decompressed (``.bz2``) chunk by chunk, never past the limit."""
    if not name.lower().endswith(".bz2"):
        yield data
        return
    total = 0
    rest = data
    try:
        while rest:
            decoder = bz2.BZ2Decompressor()
            chunk = decoder.decompress(rest, max_length=1 << 20)
            while True:
                total += len(chunk)
                if total > MAX_MAP_UNPACKED:
                    msg = f"{name}: unpacks to more than {MAX_MAP_UNPACKED >> 20} MiB (allowed: less)"
                    raise UploadError(msg)
                yield chunk
                if decoder.eof or (decoder.needs_input and not chunk):
                    break
                chunk = decoder.decompress(b"", max_length=1 << 20)
            rest = decoder.unused_data if decoder.eof else b""  # bzip2 files may hold several streams
    except (OSError, EOFError, ValueError):
        msg = f"{name} is not a bzip2 file (it ends in .bz2)"
        raise UploadError(msg) from None


def check_map(name: str, data: bytes) -> None:
    """Refuse a map upload that is too large, of the wrong kind, or has DTD/entity declarations."""
    _size_check(name, data, MAX_MAP_BYTES)
    if not name.lower().endswith(MAP_SUFFIXES):
        msg = f"{name}: not a map file (allowed: {', '.join(MAP_SUFFIXES)})"
        raise UploadError(msg)
    tail = b""
    for chunk in _chunks(name, data):
        window = tail + chunk
        if any(word in window for word in FORBIDDEN_XML):
            msg = f"{name}: has a DTD or entity declaration (not allowed in an OSM or GraphML map)"
            raise UploadError(msg)
        tail = chunk[-16:]


def save_map(name: str, data: bytes, *, folder: Path) -> Path:
    """Check an uploaded map and store it as ``folder/maps/<name>`` (a new name if taken)."""
    check_name(name)
    check_map(name, data)
    safe = Path(name).name
    maps = inside(folder, "maps")
    maps.mkdir(parents=True, exist_ok=True)
    target = inside(maps, safe)
    if target.exists() and target.read_bytes() != data:
        stem = safe[: -len(_suffix(safe))]
        target = inside(maps, f"{stem}-{secrets.token_hex(3)}{_suffix(safe)}")
    target.write_bytes(data)
    return target


def _suffix(name: str) -> str:
    return next(s for s in MAP_SUFFIXES if name.lower().endswith(s))


def load_map(name: str, data: bytes, *, folder: Path) -> tuple[Path, list[str]]:
    """Store an uploaded map and list its schools; the file is removed again if it does not load.

    Returns
    -------
    (path, schools)
        The stored map and its schools (names; empty for GraphML, which names none).

    Raises
    ------
    SaferouteError
        The CLI's one-line message (``<name>: site.map: <path> ...``).
    """
    path = save_map(name, data, folder=folder)
    try:
        if path.name.lower().endswith(".graphml"):
            return path, []
        from simulator.network.schools import schools_from_file

        try:
            schools = schools_from_file(path)
        except NetworkError as exc:
            raise NetworkError(f"{name}: site.map: {exc}") from None
        return path, [s.name for s in schools]
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def write_text(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``folder/name`` (created if needed), refusing any path outside ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = inside(folder, name)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
