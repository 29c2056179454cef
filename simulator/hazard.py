"""Risk per use of each crossing, by simulating typical children at its kerb.

Used where a risk figure is needed for crossings that a run may not have used
(recommended routes): each crossing's own traffic stream is drawn from a
fixed seed, and a typical unescorted child (median judgement, patience and
walking speed of an 8-year-old, with the average chance of stepping out
inattentively) arrives at evenly spread moments of the peak, at the near kerb
(with its sight distance, where parking limits it). The mean expected
severe-injury probability per crossing is the crossing's hazard.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simulator.crossing import GRADE_SEPARATED
from simulator.kerb import Risk, Walker, cross
from simulator.kerbinputs import child_walker, inattentive_share, road_at
from simulator.risk import blend
from simulator.setting import Setting
from simulator.traffic import make_stream

HAZARD_SEED = 7919
STREAM_LEAD_S = 60.0
"""Vehicles drawn from this long before the first child reaches a kerb (already on their way)."""
STREAM_TAIL_S = 3600.0
"""And this long after the bell, so a late child still meets traffic."""


def typical_walker(setting: Setting) -> tuple[Walker, float]:
    """A median unescorted child and its chance of an inattentive step-out at one kerb."""
    p = setting.params
    age = p["hazard.typical_age"]
    at6, at12 = p["child.walk_speed_age6"], p["child.walk_speed_age12"]
    speed = at6 + (at12 - at6) * (age - 6) / 6
    walker = child_walker(p, age=age, speed=speed, gap_factor=1.0, patience=p["child.patience_median"],
                          educated=False)
    return walker, inattentive_share(p, age=age, educated=False)


def crossing_hazards(setting: Setting, *, arrivals: int = 24) -> dict[str, float]:
    """Expected severe-injury probability per use, by crossing id."""
    p = setting.params
    risk = Risk.from_params(p)
    walker, share = typical_walker(setting)
    start, end = max(setting.bell - p["hazard.window"] * 60, 0.0), setting.bell
    times = np.linspace(start, end, arrivals, endpoint=False)
    out: dict[str, float] = {}
    for cid, tr in setting.traffic.items():
        c = tr.crossing
        if c.grade_separated or c.facility in GRADE_SEPARATED:
            out[cid] = 0.0
            continue
        stream = make_stream(
            seed=HAZARD_SEED, crossing_id=cid, lanes=c.lanes, rate=tr.rate, mean_speed=tr.mean_speed,
            speed_cv=p["traffic.speed_cv"], max_rate=p["traffic.max_rate_per_lane"] / 3600.0,
            start=start - STREAM_LEAD_S, end=end + STREAM_TAIL_S, twowheelers=tr.twowheelers,
        )
        road = road_at(tr, 0, stream=stream, yield_rate=tr.yield_rate(setting.bell, params=p), params=p)
        total = 0.0
        for t in times:
            out_ = cross(road, walker, float(t), risk)
            enc = out_.encounter
            if share > 0 and road.signal is None:
                careless = cross(road, replace(walker, inattentive=True), float(t), risk)
                enc = blend(enc, careless.encounter, share)
            total += enc.p_severe
        out[cid] = total / arrivals
    return out
