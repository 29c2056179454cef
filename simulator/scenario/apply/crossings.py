"""Interventions that rebuild crossings: facility, step-free access, kerbside parking, lanes."""

from __future__ import annotations

from dataclasses import replace

from simulator.crossing import GRADE_SEPARATED, Crossing, Signal, informal_id
from simulator.network.gatestreet import GATE_IDS
from simulator.network.walk import add_informal_crossing
from simulator.params import Parameters
from simulator.scenario.apply.draft import Draft, RefusedError
from simulator.scenario.apply.kind import Kind
from simulator.scenario.apply.words import Words, sentence
from simulator.scenario.interventions import AccessChange, FacilityChange, LaneReduction, NoParking, Parking

ACCESS_WORDS = {
    "zh": {"stairs": "仅设楼梯", "ramp": "加设坡道", "lift": "加装电梯"},
    "en": {"stairs": "stairs only", "ramp": "ramp added", "lift": "lift added"},
}


# --- facility ------------------------------------------------------------------------


def apply_facility(change: FacilityChange, draft: Draft) -> None:
    """Rebuild the crossings; a new bridge or underpass keeps the at-grade way beneath it.

    The gate street's crossings (:mod:`simulator.gate`) take at-grade facilities
    only: children let out by a parent cross there, on no walked route, so a
    bridge would change nothing.
    """
    at_gate = [i for i, cid in enumerate(change.crossings) if cid in GATE_IDS]
    if at_gate and change.facility in GRADE_SEPARATED:
        allowed = "unmarked, zebra, raised, signal, refuge"
        raise RefusedError([f"crossings[{i}]: {change.crossings[i]!r} is the gate street's crossing, where a "
                            f"{change.facility} is not allowed (allowed: {allowed})" for i in at_gate])
    for cid in change.crossings:
        old = draft.crossings[cid]
        draft.crossings[cid] = rebuilt(old, change, draft.params)
        if change.facility in GRADE_SEPARATED and old.facility not in GRADE_SEPARATED and not old.informal:
            informal = replace(old, id=informal_id(cid), facility="unmarked", informal=True, signal=None)
            if informal.id not in draft.crossings:
                draft.graph = add_informal_crossing(draft.own_graph(), cid, informal.id)
                draft.crossings[informal.id] = informal


def rebuilt(c: Crossing, change: FacilityChange, params: Parameters) -> Crossing:
    """The crossing rebuilt as ``change.facility`` (a signal's walk made effective: + clearance)."""
    facility = change.facility
    signal = None
    if facility == "signal":
        t = change.signal
        signal = (
            Signal(t.cycle, min(t.walk + params["signal.walk_extension"], t.cycle), t.offset)
            if t
            else (c.signal or Signal(params["signal.cycle"], params["signal.walk"], 0.0))
        )
    climb = {
        "footbridge": params["grade.footbridge_climb"],
        "underpass": params["grade.underpass_climb"],
    }.get(facility, 0.0)
    access = change.access or "stairs"
    return replace(c, facility=facility, signal=signal, climb=climb, inferred=False, access=access)


def describe_facility(change: FacilityChange, words: Words) -> str:
    """改建为天桥（加装电梯）：... / footbridge (lift added): ..."""
    zh = words.zh
    what = words.facility_name(change.facility)
    if change.signal is not None:
        s = change.signal
        what += (f"（周期 {s.cycle:g} 秒，行人绿灯 {s.walk:g} 秒）" if zh
                 else f" (cycle {s.cycle:g} s, walk {s.walk:g} s)")
    if change.access not in (None, "stairs"):
        access = ACCESS_WORDS[words.lang][change.access]
        what += f"（{access}）" if zh else f" ({access})"
    return f"改建为{what}：{words.place(change)}" if zh else f"{what}: {words.place(change)}"


FACILITY = Kind(FacilityChange, apply_facility, describe_facility)


# --- access ----------------------------------------------------------------------------


def apply_access(change: AccessChange, draft: Draft) -> None:
    """Give footbridges and underpasses their ``access`` (after any facility change built them)."""
    found: list[str] = []
    for position, cid in enumerate(change.crossings):
        c = draft.crossings[cid]
        if c.grade_separated:
            draft.change(cid, access=change.access)
            continue
        kind = "an informal at-grade" if c.informal else f"a {c.facility}"
        found.append(f"crossings[{position}]: {cid!r} is {kind} crossing "
                     "(allowed: footbridges and underpasses; build one first with type: facility)")
    if found:
        raise RefusedError(found)


def describe_access(change: AccessChange, words: Words) -> str:
    """天桥/地下通道加装电梯：... / footbridge or underpass, lift added: ..."""
    access = ACCESS_WORDS[words.lang][change.access]
    if words.zh:
        return f"天桥/地下通道{access}：{words.place(change)}"
    return f"footbridge or underpass, {access}: {words.place(change)}"


ACCESS = Kind(AccessChange, apply_access, describe_access)


# --- parking ---------------------------------------------------------------------------


def apply_parking(change: Parking, draft: Draft) -> None:
    """Cars parked at the kerbs out to ``length_m`` (the longest given wins)."""
    _at_kerbs(change, draft, "parking_m", change.length_m)


PARKING = Kind(Parking, apply_parking, sentence(
    "路边停车（含摊位）至过街处 {length_m:g} 米：{at}",
    "kerbside parking (or stalls) up to {length_m:g} m from the crossing: {at}"))


def apply_no_parking(change: NoParking, draft: Draft) -> None:
    """Nothing parked within ``within_m`` (the widest given wins)."""
    _at_kerbs(change, draft, "no_parking_m", change.within_m)


NO_PARKING = Kind(NoParking, apply_no_parking, sentence(
    "过街处 {within_m:g} 米内禁止停车：{at}", "no parking within {within_m:g} m of the crossing: {at}"))


def _at_kerbs(change: Parking | NoParking, draft: Draft, field: str, metres: float) -> None:
    """Set a kerb distance of the crossings (and the ways beneath new bridges), the largest kept."""
    for cid in draft.acts_on(change, kerbs=True):
        draft.change(cid, **{field: max(getattr(draft.crossings[cid], field), metres)})


# --- lanes -----------------------------------------------------------------------------


def apply_lanes(change: LaneReduction, draft: Draft) -> None:
    """At most ``lanes_per_direction`` lanes each way; the crossing gets shorter."""
    n = change.lanes_per_direction
    for cid in draft.acts_on(change):
        c = draft.crossings[cid]
        lanes = (min(c.lanes[0], n), min(c.lanes[1], n))
        draft.change(cid, lanes=lanes, length=sum(lanes) * draft.params["traffic.lane_width"])


LANE_REDUCTION = Kind(LaneReduction, apply_lanes, sentence(
    "缩减为每方向 {lanes_per_direction} 条车道：{at}", "{lanes_per_direction} lane(s) per direction: {at}"))
