"""Solara components backed by the project's Vue templates: the map and the file upload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from simulator.ui.inbox import Inbox
from simulator.ui.uploads import UploadError, shown


@solara.component_vue("mapview.vue")
def MapCanvas(
    base: dict,
    crossings: list,
    overlay: dict,
    stats: dict,
    traj: dict | None,
    texts: dict,
    facilities: dict,
    palette: dict,
    selected: str,
    event_crossing_click: Callable[[str], None],
    event_street_click: Callable[[str], None],
    event_zone_drawn: Callable[[dict], None],
) -> None:
    """The map: streets, crossings, guard posts and zones in SVG, children as dots on a canvas.

    The animation runs in the browser from ``traj`` (see
    :func:`simulator.ui.mapdata.trajectory_props`); ``window.saferouteMap``
    exposes its frame counter and frames per second.
    """


@solara.component_vue("upload.vue")
def _UploadBox(
    label: str,
    accept: str,
    kind: str,
    max_bytes: int,
    stopped: list,
    event_part: Callable[..., None],
    event_refused: Callable[[dict], None],
) -> None:
    """A click-or-drop file box that sends the file in 1 MiB parts (refused in the browser if too big).

    It stops sending a file when a newer one is picked, or when the server
    refused it (its id is in ``stopped``).
    """


@solara.component
def Upload(
    label: str,
    *,
    accept: str,
    kind: str,
    max_bytes: int,
    inbox: Inbox,
    on_file: Callable[[str, bytes], None],
    on_error: Callable[[str], None],
) -> solara.Element:
    """A file upload limited to ``max_bytes``; ``on_file(name, data)`` once the whole file is in.

    The parts wait in the session's ``inbox`` (bounded; see :mod:`simulator.ui.inbox`),
    which keeps one upload at a time for this box (``kind``).
    """
    stopped: solara.Reactive[list[str]] = solara.use_reactive([])

    def part(data: Any, buffers: list | None = None) -> None:
        message = data if isinstance(data, dict) else {}
        chunk = bytes(buffers[0]) if buffers else b""
        try:
            whole = inbox.part(kind, message, chunk, limit=max_bytes)
        except UploadError as exc:
            stopped.set([*stopped.value[-7:], str(message.get("id", ""))])
            on_error(str(exc))
            return
        if whole is not None:
            on_file(str(message.get("name")), whole)

    def refused(data: Any) -> None:
        message = data if isinstance(data, dict) else {}
        size = message.get("size")
        mib = size / 2**20 if isinstance(size, int | float) else float("nan")
        on_error(f"{shown(str(message.get('name')))}: {mib:.1f} MiB is too large "
                 f"(allowed: up to {max_bytes / 2**20:.0f} MiB)")

    return _UploadBox(label=label, accept=accept, kind=kind, max_bytes=max_bytes, stopped=stopped.value,
                      event_part=part, event_refused=refused)
