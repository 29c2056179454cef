"""Crossing objects: where a walk route crosses a carriageway, and what it is like there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Facility = Literal[
    "unmarked", "zebra", "raised", "signal", "refuge", "footbridge", "underpass"
]
FACILITIES: tuple[str, ...] = (
    "unmarked", "zebra", "raised", "signal", "refuge", "footbridge", "underpass"
)
GRADE_SEPARATED: frozenset[str] = frozenset({"footbridge", "underpass"})
ARTERIAL_CLASSES: frozenset[str] = frozenset(
    {"trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link"}
)


@dataclass(frozen=True)
class Signal:
    """Fixed-time pedestrian signal.

    Attributes are seconds: the cycle length, the effective walk time g
    (Walk + 4 s clearance as in HCM 2010 Eq. 18-55) and the offset of the start
    of the walk phase from the start of the simulated period.
    """

    cycle: float
    green: float
    offset: float = 0.0


@dataclass(frozen=True)
class Crossing:
    """One place where walkers cross one carriageway.

    Parameters
    ----------
    id
        Stable id, ``x{node}-{other}``: at street node ``node``, across the leg
        towards ``other`` (``k{key}`` appended for parallel edges).
    node
        Street-graph node where the crossing is.
    edge
        The crossed street edge ``(u, v, key)`` (either direction).
    x, y
        Midpoint of the crossing, projected metres.
    facility
        One of :data:`FACILITIES`.
    highway
        Road class of the crossed road (OSM ``highway`` value).
    name
        Street name of the crossed road ("" if unnamed).
    length
        Carriageway width to cross, m.
    lanes
        Lanes per direction ``(towards node, away from node)``; 0 for a one-way.
    speed_limit
        Posted limit of the crossed road, km/h.
    volume
        Peak-hour vehicle volume per direction (veh/h), same order as ``lanes``.
    signal
        Signal timing when ``facility == "signal"``.
    climb
        Height climbed and descended for grade-separated crossings, m.
    inferred
        True where the map had no crossing here and one was inferred by rule.
    informal
        True for the at-grade way across under a footbridge (not a crossing
        facility; children who avoid the bridge use it).
    """

    id: str
    node: int
    edge: tuple[int, int, int]
    x: float
    y: float
    facility: str
    highway: str
    name: str
    length: float
    lanes: tuple[int, int]
    speed_limit: float
    volume: tuple[float, float]
    signal: Signal | None = None
    climb: float = 0.0
    inferred: bool = False
    informal: bool = False

    @property
    def grade_separated(self) -> bool:
        """True for footbridges and underpasses."""
        return self.facility in GRADE_SEPARATED

    @property
    def arterial(self) -> bool:
        """True when the crossed road is an arterial (trunk, primary, secondary)."""
        return self.highway in ARTERIAL_CLASSES
