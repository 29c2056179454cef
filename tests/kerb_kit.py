"""Hand-made kerb inputs for the kerb tests: walkers and roads with every field spelled out once.

The model builds its walkers and roads from the parameter table
(:mod:`simulator.kerbinputs`); the hand-made cases of the kerb tests use these
fixed values instead, so that each case's arithmetic can be checked by hand.
"""

from __future__ import annotations

import math
from typing import Any

from simulator.kerb import Road, Walker
from simulator.kerbdata import Flow
from simulator.traffic import Stream, constant

KMH = 1 / 3.6
WALKER = {"gap_factor": 1.0, "time_weight": 1.0, "ref_speed": 40 * KMH, "patience": math.inf,
          "impatient_factor": 1.0, "inattentive": False, "min_lag": 1.5, "step_off": 1.0, "lane_margin": 1.5,
          "gap_ratio_min": 0.25, "gap_ratio_max": 3.0, "judgement_sd": 0.3}
ROAD = {"signal": None, "refuge": False, "stop_reaction": 1.2, "stop_decel": 3.0}


def hand_walker(**fields: Any) -> Walker:
    """A walker with the test defaults, ``fields`` (speed and startup at least) replacing them."""
    return Walker(**(WALKER | fields))


def hand_road(**fields: Any) -> Road:
    """A road with the test defaults, ``fields`` (length, lanes, near, stream, yield_rate) replacing them.

    Without a ``flow``, the expected-harm integrals see the stream's own
    average rate per lane and mean speed, per direction.
    """
    if "flow" not in fields:
        fields["flow"] = flow_of(fields["stream"], fields["lanes"])
    return Road(**(ROAD | fields))


def flow_of(stream: Stream, lanes: tuple[int, int]) -> Flow:
    """Constant rate per lane and mean speed of each direction, as measured on the stream."""
    span = float(stream.t.max() - stream.t.min()) if len(stream) > 1 else 1.0
    rate, speed = [], []
    for d in (0, 1):
        mine = stream.direction == d
        rate.append(constant(float(mine.sum()) / span / max(lanes[d], 1)))
        speed.append(constant(float(stream.speed[mine].mean()) if mine.any() else 10.0))
    return Flow(rate=(rate[0], rate[1]), mean_speed=(speed[0], speed[1]))
