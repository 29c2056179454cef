"""The children of a school: who they are, where they live, when they leave, how they arrive.

Drawn from a generator seeded by the run seed alone, so every scenario run
with the same seed has the same children, homes, groups and departure slack
(common random numbers). Scenario effects (education, later bells, mobility
shares) act on these draws; they never draw again. New draws are appended
after the existing ones, so adding one leaves every earlier draw unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.params import Parameters

POPULATION_STREAM = 1


@dataclass(frozen=True)
class Children:
    """Per-child arrays (index = child number)."""

    home: np.ndarray          # index into the home list
    age: np.ndarray           # years, school.ages (6..12)
    speed: np.ndarray         # m/s
    escorted: np.ndarray      # bool, an adult walks with the child
    group: np.ndarray         # group number; siblings/friends share one
    slack: np.ndarray         # planned arrival before the bell, s
    gap_factor: np.ndarray    # personal critical-gap multiplier
    adult_gap_factor: np.ndarray
    patience: np.ndarray      # s
    u_educated: np.ndarray    # uniform: educated when below the scenario's share
    u_route: np.ndarray       # uniform: footbridge avoidance
    u_follow: np.ndarray      # uniform: follows the recommended route when below the scenario's share
    # drawn last, so that every draw above is what it was before mobility profiles existed
    u_mobility: np.ndarray    # uniform: cannot use stairs when below child.no_stairs_share
    u_stroller: np.ndarray    # uniform: an escorted child's escort pushes a stroller when below the share
    # drawn after those, for the arrival modes (simulator.arrival, simulator.gate)
    u_mode: np.ndarray        # uniform: cuts walk | bus | e-bike | car
    u_shift: np.ndarray       # uniform: a driven child rides the school bus when below its share
    z_dwell: np.ndarray       # standard normal: how long the parent's vehicle stands at the gate
    u_rule: np.ndarray        # uniform: the parent turns round to a 即停即走 zone, or uses e-bike parking
    u_race: np.ndarray        # uniforms, shape (n, 3): the race among bus, e-bike and car (simulator.arrival)

    def __len__(self) -> int:
        return int(self.home.size)


def _lerp_by_age(age: np.ndarray, at6: float, at12: float) -> np.ndarray:
    return at6 + (at12 - at6) * (np.clip(age, 6, 12) - 6) / 6.0


def draw_children(n: int, home_weights: np.ndarray, *, params: Parameters, seed: int) -> Children:
    """Draw ``n`` walking children over homes with the given relative weights."""
    rng = np.random.default_rng([seed, POPULATION_STREAM])
    w = np.asarray(home_weights, float)
    w = w / w.sum()
    home = rng.choice(w.size, size=n, p=w)
    youngest, oldest = params["school.ages"]
    age = rng.choice(np.arange(youngest, oldest + 1), size=n)
    mean_speed = _lerp_by_age(age, params["child.walk_speed_age6"], params["child.walk_speed_age12"])
    speed = np.maximum(mean_speed + params["child.walk_speed_sd"] * rng.standard_normal(n),
                       params["child.walk_speed_min"])
    p_escort = _lerp_by_age(age, params["child.escort_share_age6"], params["child.escort_share_age12"])
    escorted = rng.uniform(size=n) < p_escort
    mean, sd = params["child.arrival_slack_mean"] * 60, params["child.arrival_slack_sd"] * 60
    k = (mean / sd) ** 2
    slack = np.maximum(rng.gamma(k, mean / k, n), 60.0)
    gap_factor = rng.lognormal(0.0, params["child.gap_sd"], n)
    adult_gap_factor = rng.lognormal(0.0, params["adult.gap_sd"], n)
    patience = rng.lognormal(np.log(params["child.patience_median"]), params["child.patience_sigma"], n)
    u_educated = rng.uniform(size=n)
    u_route = rng.uniform(size=n)
    group = _groups(home, rng, share=params["child.sibling_group_share"],
                    size_max=int(params["child.group_size_max"]))
    u_follow = rng.uniform(size=n)
    u_mobility = rng.uniform(size=n)
    u_stroller = rng.uniform(size=n)
    u_mode, u_shift = rng.uniform(size=n), rng.uniform(size=n)
    z_dwell, u_rule = rng.standard_normal(n), rng.uniform(size=n)
    u_race = rng.uniform(size=(n, 3))
    # a group leaves together, when its most hurried member would
    for g in np.unique(group[np.bincount(group)[group] > 1]):
        members = group == g
        slack[members] = slack[members].max()
        escorted[members] = escorted[members].any()
    return Children(home, age, speed, escorted, group, slack, gap_factor, adult_gap_factor,
                    patience, u_educated, u_route, u_follow, u_mobility, u_stroller, u_mode, u_shift, z_dwell,
                    u_rule, u_race)


def _groups(home: np.ndarray, rng: np.random.Generator, *, share: float, size_max: int) -> np.ndarray:
    """Group numbers: a share of children walk with others from the same home."""
    n = home.size
    group = np.arange(n)
    joins = rng.uniform(size=n) < share
    order = np.lexsort((np.arange(n), home))
    current, size = -1, 0
    for i in order:
        if joins[i] and current >= 0 and home[current] == home[i] and size < size_max:
            group[i] = group[current]
            size += 1
        else:
            current, size = i, 1
    _, dense = np.unique(group, return_inverse=True)
    return dense
