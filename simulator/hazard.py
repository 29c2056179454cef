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
from simulator.kerb import Risk, Road, Walker, cross
from simulator.risk import blend, braking_nodes, injury_model
from simulator.setting import Setting, signal_of
from simulator.sight import lane_sight
from simulator.traffic import KMH, make_stream

HAZARD_SEED = 7919
TYPICAL_AGE = 8


def typical_walker(setting: Setting) -> tuple[Walker, float]:
    """A median unescorted child and its chance of an inattentive step-out at one kerb."""
    p = setting.params
    age = TYPICAL_AGE
    at6, at12 = p["child.walk_speed_age6"], p["child.walk_speed_age12"]
    speed = at6 + (at12 - at6) * (age - 6) / 6
    walker = Walker(
        speed=speed, startup=p["child.startup_time"],
        time_weight=min(max((age - 6) / (p["child.time_judgement_age"] - 6), 0.0), 1.0),
        ref_speed=p["child.distance_judgement_ref_speed"] * KMH, patience=p["child.patience_median"],
        impatient_factor=p["child.impatient_gap_factor"], min_lag=p["child.inattentive_min_lag"],
        lane_margin=p["child.lane_margin"],
    )
    share = p["child.inattentive_share_age6"] + (
        p["child.inattentive_share_age12"] - p["child.inattentive_share_age6"]) * (age - 6) / 6
    return walker, share


def crossing_hazards(setting: Setting, *, arrivals: int = 24) -> dict[str, float]:
    """Expected severe-injury probability per use, by crossing id."""
    p = setting.params
    risk = Risk(braking_nodes(p), injury_model(p), p["conflict.ttc"], p["conflict.pet"], p["conflict.drac"])
    walker, share = typical_walker(setting)
    start, end = max(setting.bell - 3000.0, 0.0), setting.bell
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
            start=start - 60.0, end=end + 3600.0,
        )
        road = Road(length=c.length, lanes=c.lanes, near=0, stream=stream,
                    yield_rate=tr.yield_rate(setting.bell, params=p), signal=signal_of(c),
                    refuge=c.facility == "refuge", stop_reaction=p["driver.reaction_mean"],
                    stop_decel=p["yield.comfortable_decel"], sight=lane_sight(c, 0, p),
                    careless_sight=lane_sight(c, 0, p, careless=True))
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
