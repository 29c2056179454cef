"""Solara components backed by the project's Vue templates: the map and the file upload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from simulator.ui.uploads import UploadError


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
    event_part: Callable[..., None],
    event_refused: Callable[[dict], None],
) -> None:
    """A click-or-drop file box that sends the file in 1 MiB parts (refused in the browser if too big)."""


@solara.component
def Upload(
    label: str,
    *,
    accept: str,
    kind: str,
    max_bytes: int,
    on_file: Callable[[str, bytes], None],
    on_error: Callable[[str], None],
) -> solara.Element:
    """A file upload limited to ``max_bytes``; ``on_file(name, data)`` once the whole file is in."""
    parts: Any = solara.use_ref({})

    def part(data: dict[str, Any], buffers: list | None = None) -> None:
        store: dict[str, bytearray] = parts.current
        ident = str(data.get("id"))
        name = str(data.get("name") or "upload")
        chunk = bytes(buffers[0]) if buffers else b""
        got = store.setdefault(ident, bytearray())
        if int(data.get("offset", -1)) != len(got) or len(got) + len(chunk) > max_bytes:
            store.pop(ident, None)
            on_error(str(UploadError(f"{name}: upload failed or too large "
                                     f"(allowed: up to {max_bytes / 2**20:.0f} MiB)")))
            return
        got.extend(chunk)
        if data.get("last"):
            store.pop(ident, None)
            on_file(name, bytes(got))

    def refused(data: dict[str, Any]) -> None:
        size = float(data.get("size") or 0)
        on_error(f"{data.get('name')}: {size / 2**20:.1f} MiB is too large "
                 f"(allowed: up to {max_bytes / 2**20:.0f} MiB)")

    return _UploadBox(label=label, accept=accept, kind=kind, max_bytes=max_bytes,
                      event_part=part, event_refused=refused)
