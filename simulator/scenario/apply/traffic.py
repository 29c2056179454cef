"""Interventions on the traffic at crossings: counted volumes, speed limits, humps."""

from __future__ import annotations

from dataclasses import replace

from simulator.scenario.apply.draft import Draft
from simulator.scenario.apply.kind import Kind
from simulator.scenario.apply.words import Words, sentence
from simulator.scenario.interventions import Humps, SpeedLimit, VolumeOverride
from simulator.setting import Calming


def apply_volume(change: VolumeOverride, draft: Draft) -> None:
    """Peak-hour volume per direction (a later override wins)."""
    vph = change.vph
    v = vph if isinstance(vph, tuple) else (float(vph), float(vph))
    for cid in draft.acts_on(change):
        draft.volume[cid] = (float(v[0]), float(v[1]))


def describe_volume(change: VolumeOverride, words: Words) -> str:
    """高峰流量 600/450 辆/时：... / peak volume 600/450 veh/h: ..."""
    vph = change.vph if isinstance(change.vph, tuple) else (change.vph, change.vph)
    return (f"高峰流量 {vph[0]:g}/{vph[1]:g} 辆/时：{words.place(change)}" if words.zh
            else f"peak volume {vph[0]:g}/{vph[1]:g} veh/h: {words.place(change)}")


VOLUME = Kind(VolumeOverride, apply_volume, describe_volume)


def apply_speed_limit(change: SpeedLimit, draft: Draft) -> None:
    """A lower posted limit, during ``hours`` (model seconds) or all morning."""
    window = None
    if change.hours is not None:
        a, b = change.hours.seconds()
        window = (a - draft.start, b - draft.start)
    for cid in draft.acts_on(change):
        draft.calming[cid] = replace(draft.calming.get(cid, Calming()), limit=change.limit_kmh, window=window)


def describe_speed_limit(change: SpeedLimit, words: Words) -> str:
    """限速 30 km/h 07:00-08:30：... / speed limit 30 km/h 07:00-08:30: ..."""
    hours = f" {change.hours}" if change.hours else ""
    return (f"限速 {change.limit_kmh:g} km/h{hours}：{words.place(change)}" if words.zh
            else f"speed limit {change.limit_kmh:g} km/h{hours}: {words.place(change)}")


SPEED_LIMIT = Kind(SpeedLimit, apply_speed_limit, describe_speed_limit)


def apply_humps(change: Humps, draft: Draft) -> None:
    """Speed humps or tables on the crossings' roads."""
    for cid in draft.acts_on(change):
        draft.calming[cid] = replace(draft.calming.get(cid, Calming()), humps=True)


HUMPS = Kind(Humps, apply_humps, sentence("减速带/减速台：{at}", "speed humps or tables: {at}"))
