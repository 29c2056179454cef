"""Arrival interventions: mode shares, the school bus, and the gate's 即停即走 zone and e-bike parking."""

from __future__ import annotations

from dataclasses import replace

from simulator.arrival import GATE_STOP
from simulator.scenario.apply.draft import Draft, RefusedError
from simulator.scenario.apply.kind import Kind
from simulator.scenario.apply.words import Words, sentence
from simulator.scenario.interventions import EbikeParking, KissAndRide, ModeShares, SchoolBus


def apply_mode_shares(change: ModeShares, draft: Draft) -> None:
    """The walking distance and the relative shares given replace the parameter table's."""
    weights = dict(draft.modes.weights)
    weights |= {m: v for m in ("ebike", "car", "bus") if (v := getattr(change, m)) is not None}
    if not any(v > 0 for v in weights.values()):
        msg = ("ebike, car, bus: all 0 is not allowed (allowed: relative shares with at least one above 0; "
               "to have every pupil walk, set a long walk_distance_d50_km)")
        raise RefusedError([msg])
    d50 = change.walk_distance_d50_km
    d50 = draft.modes.walk_d50 if d50 is None else 1000.0 * d50
    draft.modes = replace(draft.modes, weights=weights, walk_d50=d50)


def describe_mode_shares(change: ModeShares, words: Words) -> str:
    """到校方式：一半学生步行的距离 0.8 km；电动自行车 0.3 … / arrival modes: half walk at 0.8 km; …"""
    parts = []
    if change.walk_distance_d50_km is not None:
        parts.append(f"一半学生步行的距离 {change.walk_distance_d50_km:g} km" if words.zh
                     else f"half the pupils walk at {change.walk_distance_d50_km:g} km")
    names = {"ebike": ("电动自行车", "e-bike"), "car": ("小汽车", "car"), "bus": ("公交车", "bus")}
    for m, (zh, en) in names.items():
        value = getattr(change, m)
        if value is not None:
            parts.append(f"{zh if words.zh else en} {value:g}")
    if words.zh:
        return "到校方式：" + "，".join(parts or ["参数表默认"])
    return "arrival modes: " + ", ".join(parts or ["the parameter table's"])


MODE_SHARES = Kind(ModeShares, apply_mode_shares, describe_mode_shares)


def apply_school_bus(change: SchoolBus, draft: Draft) -> None:
    """A school bus (the last one given): its share of the driven pupils and its stop."""
    stops = getattr(draft.site, "stop_nodes", {})
    if change.stop != GATE_STOP and change.stop not in stops:
        known = ", ".join(sorted(stops)[:8]) or "none on this map"
        msg = f"stop: unknown bus stop {change.stop!r} (allowed: \"gate\" or a stop id: {known})"
        raise RefusedError([msg])
    draft.modes = replace(draft.modes, school_bus_share=change.share, school_bus_stop=change.stop)


def describe_school_bus(change: SchoolBus, words: Words) -> str:
    """校车：接送原由家长开车或骑电动自行车接送学生的 50%，停靠校门 / school bus: 50% of …"""
    share = f"{100 * change.share:g}%"
    if words.zh:
        where = "校门" if change.stop == GATE_STOP else f"公交站 {change.stop}"
        return f"校车：接送原由家长开车或骑电动自行车接送的学生的 {share}，停靠{where}"
    where = "the gate" if change.stop == GATE_STOP else f"stop {change.stop}"
    return (f"school bus (校车): carries {share} of the pupils otherwise driven or on e-bikes, "
            f"stopping at {where}")


SCHOOL_BUS = Kind(SchoolBus, apply_school_bus, describe_school_bus)


def apply_kiss_and_ride(change: KissAndRide, draft: Draft) -> None:
    """A 即停即走 zone on the school's side (the longest given wins)."""
    draft.gate_rules = replace(draft.gate_rules, zone_m=max(draft.gate_rules.zone_m, change.length_m))


KISS_AND_RIDE = Kind(KissAndRide, apply_kiss_and_ride, sentence(
    "即停即走区：校门一侧 {length_m:g} 米路缘，对侧禁止停车",
    "即停即走 (kiss-and-ride) zone: {length_m:g} m of kerb on the school's side, no stopping opposite"))


def apply_ebike_parking(change: EbikeParking, draft: Draft) -> None:
    """E-bike parking near the gate (the last one given)."""
    draft.gate_rules = replace(draft.gate_rules, ebike_parking_m=change.walk_m)


EBIKE_PARKING = Kind(EbikeParking, apply_ebike_parking, sentence(
    "电动自行车停放区：距校门 {walk_m:g} 米，家长停车后送孩子进校",
    "e-bike parking {walk_m:g} m from the gate: parents park and walk their children in"))
