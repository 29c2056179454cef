"""Barrier-free crossings (过街无障碍): stairs, ramps and lifts, and who can use which.

A footbridge or underpass always has stairs; its ``access`` says whether it
also has a step-free way: ``stairs`` (stairs only), ``ramp`` or ``lift``.
Children in a wheelchair, on crutches, or walking with an adult who pushes a
younger sibling in a stroller cannot use stairs: for them a stairs-only
crossing is a wall, and they detour or cross at grade beneath it (a *forced*
at-grade crossing, counted per trip).

How each way costs (all parameters in ``simulator/data/parameters.yaml``):

* **stairs**: walk the crossing's length (deck and the stairs' run) and climb
  up and down at ``grade.stair_vertical_speed`` (as before this module);
* **ramp**: no climbing time, but the ramp's run on both sides is walked:
  ``2 x climb x grade.ramp_run_per_m`` metres more (1:12, GB 50763-2012);
* **lift**: walk the crossing's length, and on each side wait for the lift
  (``grade.lift_wait``, a mean) and ride it at ``grade.lift_speed``.

Children who can use stairs take whichever way is quicker for an
average 6-year-old (stairs, unless the parameters make the other way quicker),
so adding a ramp or a lift never makes anyone's crossing slower.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from simulator.crossing import Crossing, formal_id
from simulator.params import Parameters

PROFILES: tuple[str, ...] = ("walk", "no_stairs", "stroller")
"""Mobility profiles of a child: walks (stairs are fine), cannot use stairs, escorted with a stroller."""


@dataclass(frozen=True)
class Means:
    """One way across a grade-separated crossing.

    Attributes
    ----------
    kind
        ``stairs``, ``ramp`` or ``lift``.
    length
        Distance walked, m (a ramp's run included).
    extra_s
        Time on top of walking ``length``, s: climbing stairs, or waiting for
        and riding the lifts.
    """

    kind: str
    length: float
    extra_s: float

    def time(self, speed: float) -> float:
        """Seconds to cross at walking speed ``speed`` (m/s)."""
        return self.length / speed + self.extra_s

    def cost_m(self, ref_speed: float) -> float:
        """Equivalent metres for route choice: length plus the extra time walked at ``ref_speed``."""
        return self.length + self.extra_s * ref_speed


def stairs(c: Crossing, params: Parameters) -> Means:
    """The stairs of a grade-separated crossing."""
    return Means("stairs", c.length, 2 * c.climb / params["grade.stair_vertical_speed"])


def step_free_means(c: Crossing, params: Parameters) -> Means | None:
    """The ramp or lift of a grade-separated crossing, if it has one."""
    if c.access == "ramp":
        return Means("ramp", c.length + 2 * c.climb * params["grade.ramp_run_per_m"], 0.0)
    if c.access == "lift":
        ride = c.climb / params["grade.lift_speed"]
        return Means("lift", c.length, 2 * (params["grade.lift_wait"] + ride))
    return None


def means(c: Crossing, params: Parameters, *, step_free: bool) -> Means | None:
    """How a walker crosses a grade-separated crossing; None if it cannot (stairs only, no stairs).

    Parameters
    ----------
    c
        A footbridge or underpass.
    params
        Parameter table.
    step_free
        True for a party that cannot use stairs.
    """
    other = step_free_means(c, params)
    if step_free:
        return other
    up = stairs(c, params)
    if other is None:
        return up
    ref = params["child.walk_speed_age6"]
    return other if other.cost_m(ref) < up.cost_m(ref) else up


def route_extra_s(route_crossings: Iterable[str], crossings: Mapping[str, Crossing], params: Parameters,
                  *, step_free: bool) -> float:
    """Seconds a route's footbridges and underpasses add beyond walking their length."""
    total = 0.0
    for cid in route_crossings:
        c = crossings[cid]
        if c.grade_separated:
            way = means(c, params, step_free=step_free) or stairs(c, params)
            total += way.extra_s
    return total


def twin_of(crossing_id: str) -> str | None:
    """The grade-separated crossing an informal at-grade crossing lies beneath (None if not informal)."""
    return formal_id(crossing_id)


def forced_at_grade(route_crossings: Iterable[str], crossings: Mapping[str, Crossing]) -> int:
    """At-grade crossings beneath a stairs-only footbridge or underpass along a route.

    For a party that cannot use stairs each one is *forced*: the bridge was
    not an option.
    """
    count = 0
    for cid in route_crossings:
        twin = twin_of(cid)
        above = crossings.get(twin) if twin is not None else None
        if above is not None and above.grade_separated and above.access == "stairs":
            count += 1
    return count


def passable(route_crossings: Iterable[str], crossings: Mapping[str, Crossing]) -> bool:
    """True if a party that cannot use stairs can walk a route (no stairs-only crossing on it)."""
    return all(crossings[cid].step_free for cid in route_crossings)


def profiles(
    u_mobility: np.ndarray, u_stroller: np.ndarray, escorted: np.ndarray, *, params: Parameters
) -> np.ndarray:
    """Each child's mobility profile from its uniforms (common random numbers) and the shares.

    ``no_stairs`` when ``u_mobility < child.no_stairs_share``; otherwise
    ``stroller`` when the child is escorted and ``u_stroller <
    child.stroller_share`` (the escorting adult pushes a younger sibling);
    otherwise ``walk``. A share of 0 gives nobody that profile.
    """
    out = np.full(u_mobility.shape, "walk", dtype=object)
    stroller = escorted & (u_stroller < params["child.stroller_share"])
    out[stroller] = "stroller"
    out[u_mobility < params["child.no_stairs_share"]] = "no_stairs"
    return out
