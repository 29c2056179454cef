"""Sight distance at the kerb: the child's-eye view (1米高度看城市) past kerbside parking.

A child's eyes are about 1.1-1.3 m above the ground at 6-12 years, below the
roof of a parked car (about 1.45 m; more for SUVs and vans) and of most
kerbside stalls, so a parked row is opaque both ways: the child cannot see
past it, and a driver cannot see the child behind it.

Plan-view rule (documented assumption; the parameters are ``sight.*``):
cars park along both kerbs of both approaches from ``s0`` =
``sight.parking_setback`` (cars parked right up to the crosswalk; the walker
is on its centre line) out to ``parking_m`` from the crossing. A no-parking
zone of ``no_parking_m`` moves the first car out to ``g = max(s0,
no_parking_m)``; if ``parking_m <= g`` nothing is parked. The parked row is
``w`` = ``sight.parked_depth`` deep from the kerb line. A walker who stops to
look does so at the outer edge of the parked cars (the visibility line
children are taught), eyes ``sight.eye_inset`` inside that edge: ``e = w -
eye_inset`` out from the kerb line. A walker who steps out without waiting for
a safe gap (the inattentive share of :mod:`simulator.kerb`) steps straight off
the kerb from behind the cars: ``e = sight.kerb_eye_offset``. A vehicle in a
lane whose centre is ``y`` from the walker's kerb (moving lanes start beyond
the parked row, ``y = w + (position + 0.5) x lane width``) and the walker see
each other while the vehicle is within

    S = (y - e) x g / (w - e)

of the crossing (the sight line from the walker's eye past the first parked
car's outer corner; cars further along the row are in its shadow, so the
row's length beyond the first car does not matter). Far lanes are seen from
further. Only the parked row on the walker's own kerb blocks; the view from a
refuge or from a lane line (the second stage, or lane by lane) is clear. The
result is capped at the crossing's own ``sight`` (``inf`` by default).

Each crossing also has a *design* sight distance: the stopping sight distance
of its road class (``sight.design_by_class``, CJJ 37-2012). The model does not
limit sight to it (straight streets offer more); a crossing whose sight from
the kerb to its nearest lane is shorter is a sight-distance hot spot (a driver
at the design speed cannot stop for a child stepping off the kerb there).

Check against observation (not a fit): with the defaults, cars parked up to
the gate crossings of the default district (``scenarios/parking-baseline.yaml``)
raise their expected severe injuries by only about 8%, far below the only
figure found: Roberts et al. 1995 (BMJ 310:91, Auckland case-control), high
density of kerb parking OR 8.12 (95% CI 3.32-19.90). Parked cars act here only
on what the walker sees (a careful child looks from the cars' edge and sees far;
a careless one steps out blind anyway); drivers detect a walker once it is in
their lane with or without parked cars, and no driver's anticipation of a child
seen at the kerb is modelled, so the model under-states parking (see
``docs/validation.md``). The result is sensitive to ``sight.eye_inset`` and
``sight.kerb_eye_offset`` (U): vary them.
"""

from __future__ import annotations

import math

from simulator.crossing import Crossing
from simulator.params import Parameters

LaneSight = tuple[tuple[float, ...], tuple[float, ...]]
"""Sight distance (m) to each lane, by direction then lane number (lane 0 beside its own kerb)."""


def parked_from(c: Crossing, params: Parameters) -> float | None:
    """Distance (m) from the crossing to the first parked car on its kerbs; None if nothing is parked."""
    start = max(float(params["sight.parking_setback"]), c.no_parking_m)
    return start if c.parking_m > start else None


def lane_sight(c: Crossing, near: int, params: Parameters, *, parked: bool = True,
               careless: bool = False) -> LaneSight | None:
    """Sight distance to every lane for a walker at kerb ``near``; None where nothing limits it.

    Parameters
    ----------
    c
        An at-grade crossing.
    near
        The walker's kerb as :class:`simulator.kerb.Road` counts it: the
        direction whose lanes are beside that kerb.
    params
        Parameter table (``sight.*``).
    parked
        False while the parking is cleared (a guard post with ``clear_parking``).
    careless
        For a walker who steps off the kerb without stopping at the parked
        cars' edge to look (the inattentive branch).
    """
    first = parked_from(c, params) if parked else None
    if first is None and not math.isfinite(c.sight):
        return None
    depth = float(params["sight.parked_depth"])
    eye = float(params["sight.kerb_eye_offset"] if careless else depth - params["sight.eye_inset"])
    total = max(sum(c.lanes), 1)
    width = c.length / total
    n_near = c.lanes[near]

    def one(position: int) -> float:
        if first is None or eye >= depth:
            return c.sight
        y = depth + (position + 0.5) * width
        return min(c.sight, (y - eye) * first / (depth - eye))

    near_lanes = tuple(one(k) for k in range(n_near))
    far_n = c.lanes[1 - near]
    far_lanes = tuple(one(n_near + far_n - 1 - k) for k in range(far_n))
    by_direction = {near: near_lanes, 1 - near: far_lanes}
    return (by_direction[0], by_direction[1])


def kerb_sight(c: Crossing, params: Parameters, *, cleared: bool = False, edge: bool = False) -> float:
    """Sight distance (m) to the nearest approach lane, at most the design sight (for tables).

    Seen from the kerb edge (a child's-eye view from behind any parked cars),
    or with ``edge`` from the parked cars' outer edge. ``cleared``: a guard
    has cleared the parking.
    """
    design = design_sight(c, params)
    near = 0 if c.lanes[0] else 1
    table = lane_sight(c, near, params, parked=not cleared, careless=not edge)
    if table is None or not table[near]:
        return design
    return min(table[near][0], design)


def design_sight(c: Crossing, params: Parameters) -> float:
    """The stopping sight distance of the crossed road's class (m), CJJ 37-2012."""
    table = params["sight.design_by_class"]
    return float(table.get(c.highway, min(table.values())))


def reported_sight(c: Crossing, params: Parameters, *, cleared: bool = False) -> tuple[float, bool]:
    """For tables: sight from the kerb to the nearest lane (m, at most the design sight), and
    whether it falls short of the design sight (a hot spot). Bridges and underpasses: the design."""
    design = design_sight(c, params)
    if c.grade_separated:
        return design, False
    sight = kerb_sight(c, params, cleared=cleared)
    return sight, sight < design


def short_sight(c: Crossing, params: Parameters) -> bool:
    """True where, from the kerb, parking (or the crossing's own sight) leaves less than the design sight."""
    return kerb_sight(c, params) < design_sight(c, params)
