"""Crossing objects: where a walk route crosses a carriageway, and what it is like there."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Facility = Literal[
    "unmarked", "zebra", "raised", "signal", "refuge", "footbridge", "underpass"
]
FACILITIES: tuple[str, ...] = (
    "unmarked", "zebra", "raised", "signal", "refuge", "footbridge", "underpass"
)
GRADE_SEPARATED: frozenset[str] = frozenset({"footbridge", "underpass"})
Access = Literal["stairs", "ramp", "lift"]
ACCESS: tuple[str, ...] = ("stairs", "ramp", "lift")
"""How walkers get up to a footbridge or down to an underpass: stairs only, or stairs plus a
ramp or a lift (the step-free ways, 无障碍)."""
ARTERIAL_CLASSES: frozenset[str] = frozenset(
    {"trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link"}
)


INFORMAL_SUFFIX = "~grade"
"""Ends the id of the informal at-grade crossing beneath a footbridge or underpass."""


def crossing_id(node: object, other: object, *, key: int = 0, loop_end: bool = False) -> str:
    """``x{node}-{other}``: at street node ``node``, across the leg towards ``other``.

    ``k{key}`` is appended for a parallel edge (``key`` > 0), ``r`` for the far
    end of a loop (an edge from a node back to itself).
    """
    return f"x{node}-{other}" + (f"k{key}" if key else "") + ("r" if loop_end else "")


def informal_id(formal: str) -> str:
    """The id of the informal at-grade crossing beneath the grade-separated crossing ``formal``."""
    return formal + INFORMAL_SUFFIX


def formal_id(crossing: str) -> str | None:
    """The grade-separated crossing an informal at-grade crossing lies beneath (None if not informal)."""
    return crossing.removesuffix(INFORMAL_SUFFIX) if crossing.endswith(INFORMAL_SUFFIX) else None


@dataclass(frozen=True)
class Signal:
    """Fixed-time pedestrian signal.

    Attributes are seconds: the cycle length, the effective walk time g
    (Walk + ``signal.walk_extension``, HCM 2010 Eq. 18-55) and the offset of the start
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
    access
        Grade-separated crossings only: ``stairs`` (stairs only: impassable
        for children who cannot use stairs), ``ramp`` or ``lift`` (stairs plus
        a step-free way); see :mod:`simulator.access`.
    sight
        Sight distance (m) between a walker at the kerb and drivers on each
        approach with nothing parked at the kerbside; ``inf`` where the street
        limits nothing (the default: every existing figure is unchanged).
    parking_m
        Kerbside parking (or stalls: anything opaque and taller than a child)
        along both kerbs of both approaches, out to this distance (m) from the
        crossing; 0 for none. See :mod:`simulator.sight`.
    no_parking_m
        A no-parking zone: nothing is parked within this distance (m) of the
        crossing, whatever ``parking_m`` says.
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
    access: str = "stairs"
    sight: float = math.inf
    parking_m: float = 0.0
    no_parking_m: float = 0.0

    @property
    def grade_separated(self) -> bool:
        """True for footbridges and underpasses."""
        return self.facility in GRADE_SEPARATED

    @property
    def step_free(self) -> bool:
        """True where a walker who cannot use stairs can cross (every at-grade crossing)."""
        return not self.grade_separated or self.access != "stairs"

    @property
    def arterial(self) -> bool:
        """True when the crossed road is an arterial (trunk, primary, secondary)."""
        return self.highway in ARTERIAL_CLASSES
