"""A session's uploads on their way in: the parts kept until the file is whole, within bounds.

The browser sends a file in 1 MiB parts (``upload.vue``). One session keeps
at most :data:`MAX_OPEN` unfinished uploads, holding at most
:data:`MAX_OPEN_BYTES` together (an upload reserves the size it announces
when it starts). A new upload in the same box replaces the one still coming
in, and an upload with no part for :data:`IDLE_S` seconds is dropped. A
dropped upload's memory is freed at once; its late parts are ignored (or,
for an upload that stalled, answered once with the reason).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from simulator.ui.uploads import MAX_MAP_BYTES, MAX_SCENARIO_BYTES, UploadError, check_name, shown

MAX_OPEN = 2  # unfinished uploads per session
MAX_OPEN_BYTES = MAX_MAP_BYTES + MAX_SCENARIO_BYTES  # announced sizes of a session's unfinished uploads
IDLE_S = 120.0  # an upload with no part for this long is dropped
_REMEMBERED = 64  # dropped uploads whose late parts are recognised


@dataclass
class _Upload:
    box: str
    name: str
    size: int
    seen: float
    data: bytearray = field(default_factory=bytearray)


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class Inbox:
    """One session's unfinished uploads (thread-safe).

    Parameters
    ----------
    max_open
        Unfinished uploads the session may have at once.
    max_bytes
        Bytes those uploads may announce together.
    idle_s
        Seconds without a part after which an upload is dropped.
    clock
        Seconds, for ``idle_s`` (tests pass their own).
    """

    def __init__(self, *, max_open: int = MAX_OPEN, max_bytes: int = MAX_OPEN_BYTES,
                 idle_s: float = IDLE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_open, self.max_bytes, self.idle_s, self.clock = max_open, max_bytes, idle_s, clock
        self._open: dict[str, _Upload] = {}
        self._dropped: OrderedDict[str, str] = OrderedDict()  # id -> reason still to tell ("" once told)
        self._lock = threading.Lock()

    def held(self) -> int:
        """Bytes held by unfinished uploads now (idle ones are dropped first)."""
        with self._lock:
            self._expire(self.clock())
            return sum(len(u.data) for u in self._open.values())

    def part(self, box: str, message: Mapping[str, Any], chunk: bytes, *, limit: int) -> bytes | None:
        """Take one part of an upload as the browser sent it.

        Parameters
        ----------
        box
            The upload box (one upload at a time per box: a new one replaces the last).
        message
            ``{"id", "name", "size", "offset", "last"}`` from ``upload.vue``.
        chunk
            The part's bytes.
        limit
            The largest file this box takes.

        Returns
        -------
        bytes or None
            The whole file after its last part; None while parts are still due,
            and for a late part of a dropped upload.

        Raises
        ------
        UploadError
            The upload is refused and dropped (a one-line message for the page).
        """
        ident, name = str(message.get("id", "")), str(message.get("name") or "upload")
        size, offset = _whole(message.get("size")), _whole(message.get("offset"))
        with self._lock:
            self._expire(self.clock())
            if ident in self._dropped:
                reason = self._dropped[ident]
                self._dropped[ident] = ""
                if reason:
                    raise UploadError(reason)
                return None
            upload = self._open.get(ident) or self._start(box, ident, name, size, offset, limit=limit)
            if offset != len(upload.data) or len(upload.data) + len(chunk) > upload.size:
                self._refuse(ident, f"{shown(name)}: upload failed (parts missing or beyond its size); "
                                    "load it again")
            upload.data.extend(chunk)
            upload.seen = self.clock()
            if not message.get("last"):
                return None
            del self._open[ident]
            if len(upload.data) != upload.size:
                self._forget(ident, "")
                msg = f"{shown(name)}: upload failed (it ended early); load it again"
                raise UploadError(msg)
            return bytes(upload.data)

    def _start(self, box: str, ident: str, name: str, size: int | None, offset: int | None, *,
               limit: int) -> _Upload:
        if not ident or size is None or offset != 0:
            self._refuse(ident, f"{shown(name)}: upload failed (it did not start at its first part); "
                                "load it again")
        try:
            check_name(name)
        except UploadError as exc:
            self._refuse(ident, str(exc))
        if size > limit:
            self._refuse(ident, f"{shown(name)}: {size / 2**20:.1f} MiB is too large "
                                f"(allowed: up to {limit / 2**20:.0f} MiB)")
        for other, upload in list(self._open.items()):
            if upload.box == box:  # replaced by the new file
                self._forget(other, "")
        if len(self._open) >= self.max_open:
            self._refuse(ident, f"{shown(name)}: refused, {len(self._open)} uploads are still coming in "
                                f"(allowed: {self.max_open} at a time); wait for them or load again")
        reserved = sum(u.size for u in self._open.values())
        if reserved + size > self.max_bytes:
            self._refuse(ident, f"{shown(name)}: refused, uploads still coming in hold "
                                f"{reserved / 2**20:.1f} MiB (allowed: {self.max_bytes / 2**20:.0f} MiB "
                                "at a time); wait for them or load again")
        upload = _Upload(box, name, size, self.clock())
        self._open[ident] = upload
        return upload

    def _refuse(self, ident: str, msg: str) -> NoReturn:
        self._forget(ident, "")
        raise UploadError(msg)

    def _forget(self, ident: str, reason: str) -> None:
        """Drop an upload (its memory goes now) and remember its id for its late parts."""
        self._open.pop(ident, None)
        if ident:
            self._dropped[ident] = reason
            self._dropped.move_to_end(ident)
            while len(self._dropped) > _REMEMBERED:
                self._dropped.popitem(last=False)

    def _expire(self, now: float) -> None:
        for ident, upload in list(self._open.items()):
            if now - upload.seen > self.idle_s:
                self._forget(ident, f"{shown(upload.name)}: upload stalled (no part for {self.idle_s:.0f} s) "
                                    "and was dropped; load it again")
