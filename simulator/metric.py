"""The registry of run figures: each with its unit, decimals, direction, labels and definition.

One :class:`Metric` per column of ``runs.csv`` (and row of ``summary.csv``),
in :data:`METRICS` in the order of those tables. The summary rows
(:mod:`simulator.metrics`), the command line's comparison table, the report
and the web page take a figure's label, decimals and definition from here and
nowhere else, so a new figure is added in this one place (and computed in
:func:`simulator.metrics.run_summary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import NamedTuple

LANGS = ("zh", "en")


class Bilingual(NamedTuple):
    """A text in 简体中文 and English."""

    zh: str
    en: str

    def text(self, lang: str) -> str:
        """The text in ``lang`` (``"zh"`` or ``"en"``)."""
        if lang not in LANGS:
            msg = f"unknown language {lang!r}: one of {', '.join(LANGS)}"
            raise ValueError(msg)
        return self.zh if lang == "zh" else self.en


class Direction(Enum):
    """Which way a figure gets better."""

    LOWER = "lower is better"
    HIGHER = "higher is better"
    NEITHER = "neither: it describes the children, not their safety"

    def improved(self, change: float) -> bool:
        """Whether a change of this sign is an improvement (never for :attr:`NEITHER`)."""
        if self is Direction.LOWER:
            return change < 0
        if self is Direction.HIGHER:
            return change > 0
        return False


UNITS: Mapping[str, Bilingual] = MappingProxyType({
    "children": Bilingual("人", ""),
    "per 100,000 trips": Bilingual("每10万人次", "per 100,000 trips"),
    "per 100 trips": Bilingual("每100人次", "per 100 trips"),
    "per trip": Bilingual("次/人次", "per trip"),
    "s": Bilingual("秒", "s"),
    "m": Bilingual("米", "m"),
    "%": Bilingual("%", "%"),
})
"""How each unit is written after a label ("" = not written)."""
POINTS = Bilingual("百分点", "percentage points")
"""The unit of a change of a percentage."""


@dataclass(frozen=True)
class Metric:
    """One per-run figure.

    ``unit`` is a key of :data:`UNITS`; ``name`` is the label without its unit
    (:meth:`label` adds it); ``short`` is an ASCII abbreviation with the unit
    for fixed-width plain-text tables (the command line).
    """

    key: str
    unit: str
    decimals: int
    direction: Direction
    name: Bilingual
    short: str
    definition: Bilingual

    def label(self, lang: str) -> str:
        """The figure's label with its unit, in ``lang``."""
        return _with_unit(self.name.text(lang), UNITS[self.unit].text(lang), lang)

    def change_label(self, lang: str) -> str:
        """The label of a change of the figure (a percentage changes in percentage points)."""
        name = self.name.text(lang)
        unit = (POINTS if self.unit == "%" else UNITS[self.unit]).text(lang)
        return _with_unit(f"{name}变化" if lang == "zh" else f"change in {name}", unit, lang)


def _with_unit(name: str, unit: str, lang: str) -> str:
    if not unit:
        return name
    return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"


LOWER, NEITHER = Direction.LOWER, Direction.NEITHER
_ALL = (
    Metric("children", "children", 0, NEITHER, Bilingual("模拟儿童数", "children simulated"), "children",
           Bilingual("一个早高峰模拟的儿童人数，每人一次上学出行。",
                     "The number of children simulated on one morning, one trip to school each.")),
    Metric("severe_per_100k_trips", "per 100,000 trips", 2, LOWER,
           Bilingual("预期重伤", "expected severe injuries"), "severe/100k trips",
           Bilingual("每次过街的重伤（AIS 4+）概率由同行儿童平分，对全部过街求和，再折算为每10万人次出行。",
                     "Each crossing's probability of a severe (AIS 4+) injury, shared among the children "
                     "crossing together, summed over every crossing and scaled to 100,000 trips.")),
    Metric("deaths_per_100k_trips", "per 100,000 trips", 2, LOWER,
           Bilingual("预期死亡", "expected deaths"), "deaths/100k trips",
           Bilingual("每次过街的死亡概率由同行儿童平分，对全部过街求和，再折算为每10万人次出行。",
                     "Each crossing's probability of death, shared among the children crossing together, "
                     "summed over every crossing and scaled to 100,000 trips.")),
    Metric("conflicts_per_100_trips", "per 100 trips", 2, LOWER,
           Bilingual("交通冲突", "traffic conflicts"), "conflicts/100 trips",
           Bilingual("交通冲突（TTC < 1.5秒、DRAC > 3.4米/秒²或PET < 1秒）的预期次数，折算为每100人次出行。",
                     "Expected traffic conflicts (TTC < 1.5 s, DRAC > 3.4 m/s² or PET < 1 s), scaled to "
                     "100 trips.")),
    Metric("unassisted_arterial_per_trip", "per trip", 3, LOWER,
           Bilingual("无信号灯、无护学岗的干道平面过街",
                     "at-grade arterial crossings without signal or guard"),
           "unassisted arterial/trip",
           Bilingual("每次出行平均穿越干道的次数，不计绿灯通行、护学岗护送和走天桥或地下通道的过街。",
                     "The mean number of arterial crossings per trip made neither on green, nor with a "
                     "guard, nor by footbridge or underpass.")),
    Metric("in_road_per_trip_s", "s", 1, LOWER,
           Bilingual("每人次在机动车道内的时间", "time in the carriageway per trip"), "in road/trip s",
           Bilingual("每次出行在机动车道内的平均时间，对该次出行的全部过街求和。",
                     "The mean time per trip spent in the carriageway, summed over the trip's crossings.")),
    Metric("wait_per_trip_s", "s", 1, LOWER,
           Bilingual("每人次路边等待时间", "time waiting at kerbs per trip"), "wait/trip s",
           Bilingual("每次出行在路边等待过街的平均时间，对该次出行的全部过街求和。",
                     "The mean time per trip spent waiting at kerbs, summed over the trip's crossings.")),
    Metric("wait_p95_s", "s", 1, LOWER,
           Bilingual("单次过街等待的第95百分位", "95th percentile of the wait at one crossing"), "p95 wait s",
           Bilingual("一个早晨所有儿童每次过街等待时间的第95百分位数。",
                     "The 95th percentile of the wait at one crossing, over every child's crossings of "
                     "the morning.")),
    Metric("trip_time_mean_s", "s", 1, LOWER,
           Bilingual("平均上学时间", "mean trip time, door to gate"), "trip time s",
           Bilingual("从离家到到达校门的平均时间，含等待、绕行和上下天桥。",
                     "The mean time from leaving home to reaching the school gate, waiting, detours and "
                     "stairs included.")),
    Metric("detour_mean_m", "m", 1, LOWER,
           Bilingual("平均绕行距离", "mean walk beyond the shortest route"), "detour m",
           Bilingual("所走路线比从家到学校的最短路线平均多走的距离。",
                     "The mean length of the route walked beyond the shortest route from home to school.")),
    Metric("late_pct", "%", 2, LOWER, Bilingual("迟到儿童比例", "children arriving late"), "late %",
           Bilingual("上课铃响后才到校（或未到校）的儿童所占比例。",
                     "The share of children who reach school after their bell, or not at all.")),
    Metric("unsafe_crossings_pct", "%", 2, LOWER, Bilingual("不安全过街比例", "unsafe crossings"),
           "unsafe crossings %",
           Bilingual("不注意来车、失去耐心、无安全岛分两段或闯红灯的过街所占比例。",
                     "The share of crossings made inattentive, impatient, in two stages without a refuge "
                     "or on red.")),
    Metric("no_stairs_trips_pct", "%", 2, NEITHER,
           Bilingual("需无障碍通行的出行比例", "trips that must avoid stairs"), "no-stairs trips %",
           Bilingual("必须避开楼梯的出行（儿童不能走楼梯，或同行者推婴儿车）所占比例。",
                     "The share of trips that must avoid stairs: a child who cannot use stairs, or a "
                     "stroller in the party.")),
    Metric("no_stairs_extra_m", "m", 1, LOWER,
           Bilingual("无障碍出行多走的距离", "extra walk of trips avoiding stairs"), "no-stairs extra m",
           Bilingual("必须避开楼梯的出行比可走楼梯时的路线平均多走的距离；没有这类出行时为0。",
                     "The mean extra walk of the trips that must avoid stairs beyond their route with "
                     "stairs; 0 when there are none.")),
    Metric("forced_at_grade_per_no_stairs_trip", "per trip", 3, LOWER,
           Bilingual("无障碍出行在天桥/地下通道下平面过街",
                     "at-grade crossings under a bridge, trips avoiding stairs"),
           "forced at grade/no-stairs",
           Bilingual("必须避开楼梯的出行平均在只有楼梯的天桥或地下通道下平面过街的次数；没有这类出行时为0。",
                     "The mean number of crossings at grade beneath a stairs-only footbridge or underpass "
                     "per trip that must avoid stairs; 0 when there are none.")),
    Metric("severe_per_100k_no_stairs_trips", "per 100,000 trips", 2, LOWER,
           Bilingual("无障碍出行的预期重伤", "expected severe injuries on trips avoiding stairs"),
           "severe/100k no-stairs",
           Bilingual("必须避开楼梯的出行的预期重伤（AIS 4+）人数，折算为每10万人次；没有这类出行时为0。",
                     "Expected severe (AIS 4+) injuries on the trips that must avoid stairs, scaled to "
                     "100,000 such trips; 0 when there are none.")),
    Metric("short_sight_crossings_pct", "%", 2, LOWER,
           Bilingual("停车遮挡视距不足的过街比例", "crossings with sight cut short by parked cars"),
           "short-sight crossings %",
           Bilingual("路边停车使视距短于道路停车视距的过街所占比例。",
                     "The share of crossings made where parked cars cut the sight below the road's "
                     "stopping distance.")),
)
METRICS: Mapping[str, Metric] = MappingProxyType({m.key: m for m in _ALL})
"""Every run figure by key, in the column order of ``runs.csv``."""


def labels(lang: str) -> dict[str, str]:
    """Every figure's label with its unit in ``lang``, by key."""
    return {key: m.label(lang) for key, m in METRICS.items()}
