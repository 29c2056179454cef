"""A city's 护学岗 allocation as data: each post, its measured effect, and the table and files made of it.

The allocation itself is :func:`simulator.recommend.city.allocate_guards`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulator.metric import METRICS
from simulator.recommend.scenario import one_guard

PER_YEAR = "severe_per_year"
"""The figure the allocation is in: expected severe injuries a year at a school (adds up across schools)."""
FOLDER = "recommend-city-guards"
"""Where in a batch folder the allocation is written (the batch's city overview reads it there)."""
SERVED_SEP = "; "
"""Between the names of the schools a post serves, in ``allocation.csv``."""
POST_DECIMALS = METRICS[PER_YEAR].decimals + 2
"""Decimals of a post's change a year: a post moves a school's figure by thousandths (two more digits)."""


@dataclass(frozen=True)
class CityPost:
    """One post of the city's allocation and what it was measured to do (changes a year; negative = safer)."""

    order: int
    school: str  # the school whose screening offered the post
    crossing: str
    road: str
    hours: str
    staff_type: str
    staff_hours: float  # hours on duty each school morning
    gain_screened: float  # severe per 100k trips at the crossing in the window, offering school's base runs
    served: tuple[str, ...]  # every school whose streets hold the crossing (the offering school first)
    change: float  # marginal paired change of severe injuries a year, summed over the schools served
    ci_low: float
    ci_high: float
    significant: bool  # the marginal change's interval excludes 0 (else: within noise)
    per_staff_hour: float  # reduction of severe injuries a year per staff-hour of a morning
    cumulative: float  # the city's change a year, all posts so far
    cumulative_low: float
    cumulative_high: float


def allocation_table(posts: Sequence[CityPost]) -> pd.DataFrame:
    """The allocation as written to ``allocation.csv`` (units in the column names)."""
    columns = {
        "order": "order",
        "school": "school",
        "crossing": "crossing",
        "road": "road",
        "hours": "hours",
        "staff_type": "staff_type",
        "staff_hours": "staff_hours_per_morning",
        "gain_screened": "screened_severe_per_100k_trips",
        "served": "schools_served",
        "change": "change_severe_per_year",
        "ci_low": "change_ci_low",
        "ci_high": "change_ci_high",
        "significant": "significant",
        "per_staff_hour": "reduction_severe_per_year_per_staff_hour",
        "cumulative": "city_cumulative_severe_per_year",
        "cumulative_low": "city_cumulative_ci_low",
        "cumulative_high": "city_cumulative_ci_high",
    }
    rows = [{columns[k]: getattr(p, k) for k in columns} | {"schools_served": SERVED_SEP.join(p.served)}
            for p in posts]
    return pd.DataFrame(rows, columns=list(columns.values()))


def school_posts(posts: Sequence[CityPost], school: str) -> list[dict[str, Any]]:
    """The guard interventions on one school's streets (the posts serving it), as in a scenario file."""
    mine = [p for p in posts if school in p.served]
    return [one_guard(p.crossing, hours=p.hours, staff_type=p.staff_type) for p in mine]
