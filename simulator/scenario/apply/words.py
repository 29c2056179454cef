"""What intervention descriptions are written with: the language, and the names a view gives things."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_LISTED = 6
"""Crossings or streets named in one description; the rest are counted."""


def sentence(zh: str, en: str) -> Callable[[Any, Words], str]:
    """A description from a template per language: ``{field}`` of the intervention, ``{at}`` where it acts."""

    def describe(change: Any, words: Words) -> str:
        return (zh if words.zh else en).format_map({**dict(change), "at": words.place(change)})

    return describe


@dataclass(frozen=True)
class Words:
    """The language (``zh`` or ``en``) and how a view names crossings, facilities and staff.

    The defaults show ids and keys as the scenario file writes them; the report
    names crossings by their road and its facility and staff words, the UI
    its own.
    """

    lang: str = "en"
    crossing: Callable[[str], str] = str
    facility: Mapping[str, str] = field(default_factory=dict)
    staff: Mapping[str, str] = field(default_factory=dict)

    @property
    def zh(self) -> bool:
        """True for 简体中文."""
        return self.lang == "zh"

    def facility_name(self, facility: str) -> str:
        """A crossing facility in words (the key if the view has no word for it)."""
        return self.facility.get(facility, facility)

    def staff_name(self, staff: str) -> str:
        """A guard staff type in words (the key if the view has no word for it)."""
        return self.staff.get(staff, staff)

    def place(self, change: Any) -> str:
        """Where an intervention acts: its crossings, its streets or its zone ("" for school-wide)."""
        named = getattr(change, "crossings", None)
        if named:
            return self._listed([self.crossing(c) for c in named])
        edges: Sequence[str] | None = getattr(change, "edges", None)
        if edges:
            more = " …" if len(edges) > MAX_LISTED else ""
            return ("道路 " if self.zh else "streets ") + ", ".join(edges[:MAX_LISTED]) + more
        zone = getattr(change, "zone", None)
        if zone is None:
            return ""
        r = zone.radius_m
        if zone.center is None:
            return f"校门周围 {r:g} 米内" if self.zh else f"within {r:g} m of the gate"
        return f"半径 {r:g} 米的区域" if self.zh else f"a {r:g} m zone"

    def _listed(self, names: list[str]) -> str:
        sep = "、" if self.zh else ", "
        if len(names) <= MAX_LISTED:
            return sep.join(names)
        tail = f" 等共 {len(names)} 处" if self.zh else f" and {len(names) - MAX_LISTED} more"
        return sep.join(names[:MAX_LISTED]) + tail
