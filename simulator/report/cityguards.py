"""The city overview's 护学岗 allocation: one guard budget across the batch's schools, when it was made.

Reads ``BATCH/recommend-city-guards/allocation.csv`` as ``saferoute recommend guards
--staff K --batch BATCH`` wrote it (:func:`simulator.recommend.city.allocation_table`)
and shows it as it is: per post the school, crossing, road, hours, staff-hours a
morning and the verified marginal change of the school's expected severe
injuries a year with its paired 95% CI (marked within noise when it includes
0); then the staff-hours in all and the city's verified change a year, which is
the last post's cumulative change (paired over seeds, summed over schools).
Without the file, one sentence says which command makes it.
"""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup

from simulator.errors import ResultsError
from simulator.intervals import includes_zero
from simulator.recommend.allocation import FOLDER, POST_DECIMALS, SERVED_SEP
from simulator.report.batchfolder import BatchFolder
from simulator.report.content import NOISE_MARK
from simulator.report.format import ci, num
from simulator.report.texts import crossing_name

FILE = "allocation.csv"
SRC = f"{FOLDER}/{FILE}"
COLUMNS = (
    "order",
    "school",
    "crossing",
    "road",
    "hours",
    "staff_hours_per_morning",
    "schools_served",
    "change_severe_per_year",
    "change_ci_low",
    "change_ci_high",
    "significant",
    "reduction_severe_per_year_per_staff_hour",
    "city_cumulative_severe_per_year",
    "city_cumulative_ci_low",
    "city_cumulative_ci_high",
)

HOURS = "staff_hours_per_morning"
CHANGE = ("change_severe_per_year", "change_ci_low", "change_ci_high")
CITY = ("city_cumulative_severe_per_year", "city_cumulative_ci_low", "city_cumulative_ci_high")


@dataclass(frozen=True)
class Allocation:
    """The allocation file as read, or the command that makes it."""

    posts: pd.DataFrame  # empty when the file is absent or holds no post
    present: bool
    command: str
    unknown: tuple[str, ...]  # schools of the file that are not networks of this batch
    staff: int | None  # the guards asked for (``allocation.json``), when known


def allocation_of(batch: BatchFolder) -> Allocation:
    """The batch's guard allocation, if ``recommend guards --batch`` wrote one.

    Raises
    ------
    ResultsError
        The file exists but cannot be read or lacks columns (one line naming it).
    """
    path = batch.folder / FOLDER / FILE
    command = f"saferoute recommend guards --staff K --batch {shlex.quote(str(batch.folder.resolve()))}"
    if not path.is_file():
        return Allocation(pd.DataFrame(columns=list(COLUMNS)), False, command, (), None)
    staff = None
    try:  # how it was made (written beside the table; an older or hand-made table has none)
        made = json.loads((path.parent / "allocation.json").read_text(encoding="utf-8"))
        command, staff = str(made["command"]), int(made["staff"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as bad:
        msg = f"{path}: cannot be read ({' '.join(str(bad).split())}); make it again: {command}"
        raise ResultsError(msg) from None
    lacking = [c for c in COLUMNS if c not in table.columns]
    if lacking:
        msg = f"{path}: lacks {', '.join(lacking)} (not written by this saferoute); make it again: {command}"
        raise ResultsError(msg)
    table = table.sort_values("order", kind="stable", ignore_index=True)
    unknown = tuple(sorted(set(map(str, table["school"])) - set(batch.networks)))
    return Allocation(table, True, command, unknown, staff)


def _cell(value: float, low: float, high: float, *, noise: bool, cols: tuple[str, str, str],
          **keys: Any) -> Markup:
    """ "value† [low, high]" with each number tagged by its allocation.csv column."""
    return ci(value, low, high, POST_DECIMALS, sign=True, mark=NOISE_MARK if noise else "", cols=cols,
              src=SRC, **keys)


def allocation_context(batch: BatchFolder, lang: str, *, today: float | None = None) -> dict[str, Any]:
    """The section's rows and totals in ``lang`` (``present`` False: only the command is shown).

    ``today`` is the schools' expected severe injuries a year today (the city
    total), to show the allocation's change as a share of it.
    """
    found = allocation_of(batch)
    rows = []
    for r in found.posts.itertuples():
        noise = not _true(r.significant)
        keys: dict[str, Any] = {"order": int(r.order), "school": str(r.school)}
        rows.append(
            {
                "order": int(r.order),
                "school": str(r.school),
                "served": [n for n in str(r.schools_served).split(SERVED_SEP) if n and n != str(r.school)],
                "crossing": str(r.crossing),
                "road": crossing_name(str(r.crossing), str(r.road), lang),
                "hours": str(r.hours),
                "staff_hours": num(r.staff_hours_per_morning, 2, src=SRC, col=HOURS, **keys),
                "change": _cell(r.change_severe_per_year, r.change_ci_low, r.change_ci_high, noise=noise,
                                cols=CHANGE, **keys),
                "noise": noise,
                "per_staff_hour": num(r.reduction_severe_per_year_per_staff_hour, POST_DECIMALS, src=SRC,
                                      col="reduction_severe_per_year_per_staff_hour", **keys),
                "cumulative": _cell(r.city_cumulative_severe_per_year, r.city_cumulative_ci_low,
                                    r.city_cumulative_ci_high, cols=CITY, **keys,
                                    noise=includes_zero(r.city_cumulative_ci_low, r.city_cumulative_ci_high)),
            }
        )
    total: dict[str, Any] = {}
    if rows:
        last = found.posts.iloc[-1]
        city = [float(last[c]) for c in CITY]
        noise = includes_zero(city[1], city[2])
        total = {
            "posts": len(rows),
            "schools": len({n for v in found.posts["schools_served"] for n in str(v).split(SERVED_SEP)}),
            "staff_hours": num(float(found.posts[HOURS].sum()), 2, derived="allocation_staff_hours"),
            "change": _cell(*city, noise=noise, cols=CITY, order=int(last["order"]), total="city"),
            "noise": noise,
            "pct": num(100 * city[0] / today, 0, sign=True, derived="allocation_pct")
            if today and math.isfinite(today) and today > 0
            else None,
        }
    if total and found.staff is not None:
        total["unplaced"] = max(found.staff - len(rows), 0)
    return {"present": found.present, "rows": rows, "total": total, "command": found.command,
            "unknown": list(found.unknown), "decimals": POST_DECIMALS}


def _true(value: object) -> bool:
    return str(value).strip().lower() in ("true", "1", "1.0")
