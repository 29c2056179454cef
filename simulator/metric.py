"""The registry of run figures: each with its unit, decimals, direction, labels and definition.

One :class:`Metric` per column of ``runs.csv`` (and row of ``summary.csv``),
in :data:`METRICS` in the order of those tables. The figures' data are written
in ``simulator/data/metrics.yaml`` (read and checked here when the module is
imported). The summary rows (:mod:`simulator.metrics`), the command line's
comparison table, the report and the web page take a figure's label, decimals
and definition from here and nowhere else, so a new figure is added in that one
file (and computed in :func:`simulator.metrics.run_summary`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

from simulator.errors import ParameterError
from simulator.params import packaged_data

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
    "per year": Bilingual("人/年", "per year"),
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
    for fixed-width plain-text tables (the command line); ``bounds`` the
    values it can take (low, high; ±inf: none), which its intervals respect.
    """

    key: str
    unit: str
    decimals: int
    direction: Direction
    name: Bilingual
    short: str
    definition: Bilingual
    bounds: tuple[float, float] = (-math.inf, math.inf)

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


ORIGIN = "simulator/data/metrics.yaml"
"""Where the figures are written (packaged with the simulator)."""
FIELDS = ("key", "unit", "decimals", "direction", "bounds", "name", "short", "definition")
"""The fields of every entry of ``metrics.yaml``, each one required."""
DIRECTIONS: Mapping[str, Direction] = MappingProxyType({d.name.lower(): d for d in Direction})
"""How ``metrics.yaml`` writes each :class:`Direction`."""


def metrics_from_entries(data: object, *, origin: str) -> Mapping[str, Metric]:
    """Validate a raw list of entries (as read from YAML) into figures by key, in its order.

    Every problem is collected and raised once, as a :class:`ParameterError` naming ``origin``.
    """
    if not isinstance(data, list) or not data:
        msg = f"{origin}: needs a list of figures, one mapping each with {', '.join(FIELDS)}"
        raise ParameterError(msg)
    problems: list[str] = []
    table: dict[str, Metric] = {}
    for number, entry in enumerate(data, 1):
        metric = _metric(entry, f"entry {number}", problems)
        if metric is None:
            continue
        if metric.key in table:
            problems.append(f"{metric.key}: a second entry with this key")
        table[metric.key] = metric
    if problems:
        msg = f"{origin}: " + "; ".join(problems)
        raise ParameterError(msg)
    return MappingProxyType(table)


def _metric(entry: object, where: str, problems: list[str]) -> Metric | None:
    """The figure of one entry, or None (and its problems added) if it is not one."""
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: needs a mapping with {', '.join(FIELDS)}")
        return None
    before = len(problems)
    key = entry.get("key")
    if isinstance(key, str) and key:
        where = key
    elif "key" in entry:
        problems.append(f"{where}.key: {key!r} is not a name")
    missing = [f for f in FIELDS if f not in entry]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
    unknown = [str(f) for f in entry if f not in FIELDS]
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
    unit, decimals, direction = entry.get("unit"), entry.get("decimals"), entry.get("direction")
    if "unit" in entry and not (isinstance(unit, str) and unit in UNITS):
        problems.append(f"{where}.unit: {unit!r} is not one of {', '.join(UNITS)}")
    if "decimals" in entry and not (type(decimals) is int and decimals >= 0):
        problems.append(f"{where}.decimals: {decimals!r} is not a whole number >= 0")
    if "direction" in entry and not (isinstance(direction, str) and direction in DIRECTIONS):
        problems.append(f"{where}.direction: {direction!r} is not one of {', '.join(DIRECTIONS)}")
    short = entry.get("short")
    if "short" in entry and not (isinstance(short, str) and short):
        problems.append(f"{where}.short: {short!r} is not a text")
    name = _bilingual(entry, "name", where, problems)
    definition = _bilingual(entry, "definition", where, problems)
    bounds = _bounds(entry, where, problems)
    if len(problems) > before or name is None or definition is None or bounds is None:
        return None
    return Metric(entry["key"], entry["unit"], entry["decimals"], DIRECTIONS[entry["direction"]], name,
                  entry["short"], definition, bounds)


def _bounds(entry: Mapping[Any, Any], where: str, problems: list[str]) -> tuple[float, float] | None:
    """The (low, high) of ``entry["bounds"]`` (null: ±inf), or None (with a problem added unless missing)."""
    if "bounds" not in entry:
        return None
    value = entry["bounds"]
    if isinstance(value, list) and len(value) == 2 and all(
            b is None or (type(b) in (int, float) and math.isfinite(b)) for b in value):
        low = -math.inf if value[0] is None else float(value[0])
        high = math.inf if value[1] is None else float(value[1])
        if low < high:
            return low, high
    problems.append(f"{where}.bounds: {value!r} is not [low, high] with low < high (numbers, null: none)")
    return None


def _bilingual(entry: Mapping[Any, Any], field: str, where: str, problems: list[str]) -> Bilingual | None:
    """The zh/en text of ``entry[field]``, or None (with a problem added unless it is missing)."""
    if field not in entry:
        return None
    value = entry[field]
    if (isinstance(value, Mapping) and set(value) == set(LANGS)
            and all(isinstance(value[lang], str) and value[lang] for lang in LANGS)):
        return Bilingual(value["zh"], value["en"])
    problems.append(f"{where}.{field}: needs exactly {' and '.join(LANGS)}, each a text")
    return None


@cache
def packaged_metrics() -> Mapping[str, Metric]:
    """The figures of the packaged ``simulator/data/metrics.yaml``."""
    return metrics_from_entries(packaged_data("metrics.yaml"), origin=ORIGIN)


METRICS: Mapping[str, Metric] = packaged_metrics()
"""Every run figure by key, in the column order of ``runs.csv``."""


def labels(lang: str) -> dict[str, str]:
    """Every figure's label with its unit in ``lang``, by key."""
    return {key: m.label(lang) for key, m in METRICS.items()}


def part_decimals(key: str) -> int:
    """Decimals of a part of figure ``key`` (a crossing's share of the school's risk): one more.

    A school's risk is spread over tens of crossings, so each crossing's part is
    much smaller than the figure and needs one more digit to be told apart.
    """
    return METRICS[key].decimals + 1


def per_100k_trips(children_per_morning: float) -> float:
    """The factor from expected casualties per morning to per 100,000 trips (a morning: a trip per child).

    A crossing's expected severe injuries per morning times this factor is its
    share of ``severe_per_100k_trips``: the crossings add up to the school's figure.
    """
    return 1e5 / children_per_morning


class ParameterLookup(Protocol):
    """A parameter table read by key: :class:`simulator.params.Parameters`, or a manifest's key -> value."""

    def __getitem__(self, key: str, /) -> Any: ...


TRIPS_PER_DAY = "calibration.trips_per_day"
SCHOOL_DAYS = "cost.school_days"
PER_YEAR_NOTE = Bilingual(
    "每年预期伤亡：一个早晨全部上学出行的预期伤亡 × 每个上学日 {trips} 次出行 × 每年 {days} 个上学日"
    "（假定放学出行与上学出行风险相同）。",
    "Casualties a year at this school: the expected casualties of one morning's trips × {trips} trips a "
    "school day × {days} school days a year (the afternoon trip is assumed to carry the morning's risk).",
)
"""How the figures per year are made (filled by :func:`per_year_note`)."""


def trips_a_year(params: ParameterLookup) -> float:
    """Trips a year per child that one simulated morning trip stands for.

    ``calibration.trips_per_day`` (to school and home again: the afternoon trip
    is assumed to carry the morning's risk) times ``cost.school_days``.
    """
    return float(params[TRIPS_PER_DAY]) * float(params[SCHOOL_DAYS])


def per_year_note(params: ParameterLookup, lang: str) -> str:
    """One sentence saying how the casualties a year are made from the morning's, in ``lang``."""
    return PER_YEAR_NOTE.text(lang).format(trips=f"{float(params[TRIPS_PER_DAY]):g}",
                                           days=f"{float(params[SCHOOL_DAYS]):g}")


CALIBRATION_TARGET = "calibration.severe_per_100k_trips"
"""The parameter the risk is calibrated to: [low, central, high] severe injuries per 100,000 trips."""
DEATHS_TARGET = "calibration.deaths_per_100k_trips"
"""The other calibration target: [low, central, high] deaths per 100,000 trips."""
CALIBRATION_NOTE = Bilingual(
    "风险按儿童行人伤亡数据校准：每10万人次步行上学出行重伤 {central}（范围 {low}–{high}，参数 {key}）、"
    "死亡 {d_central}（范围 {d_low}–{d_high}）；"
    "绝对水平的不确定性约为上下 {factor} 倍，而各情景之间的差别共用同一校准，不确定性较小。"
    "置信区间只反映随机种子之间的波动，不含这一不确定性。",
    "Risk is calibrated to child pedestrian casualty data: {central} severe injuries per 100,000 walking "
    "school trips (band {low}–{high}, parameter {key}) and {d_central} deaths (band {d_low}–{d_high}); "
    "the absolute level is uncertain by about ×{factor} either way, while differences between scenarios "
    "share the calibration and are less uncertain. Confidence intervals show only the noise between "
    "seeds, not this uncertainty.",
)
"""How the figures are calibrated and how uncertain they are (filled by :func:`calibration_note`)."""


def calibration_band(params: ParameterLookup, key: str = CALIBRATION_TARGET) -> tuple[float, float, float]:
    """A calibration target's (low, central, high) per 100,000 trips (severe injuries by default).

    Raises
    ------
    ParameterError
        If the parameter is not three positive numbers with low <= central <= high.
    """
    value = params[key]
    numbers = (isinstance(value, list | tuple) and len(value) == 3
               and all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value))
    if not numbers or not value[0] <= value[1] <= value[2]:
        msg = (f"{key}: {value!r} is not allowed "
               "(allowed: [low, central, high], 0 < low <= central <= high)")
        raise ParameterError(msg)
    low, central, high = (float(v) for v in value)
    return low, central, high


def calibration_note(params: ParameterLookup, lang: str) -> str:
    """One line (two sentences) on how the risk is calibrated and how uncertain its absolute level is.

    Parameters
    ----------
    params
        The parameter table the figures were computed with (or a results
        manifest's parameters as key -> value).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        The calibration targets and their bands (``calibration.severe_per_100k_trips``
        and ``calibration.deaths_per_100k_trips``), the factor by which the absolute
        level is uncertain either way (the larger of central/low and high/central of
        the severe band, rounded), and that confidence intervals show only the
        noise between seeds.
    """
    low, central, high = calibration_band(params)
    d_low, d_central, d_high = calibration_band(params, DEATHS_TARGET)
    factor = max(central / low, high / central)
    return CALIBRATION_NOTE.text(lang).format(
        central=f"{central:g}", low=f"{low:g}", high=f"{high:g}", key=CALIBRATION_TARGET,
        d_central=f"{d_central:g}", d_low=f"{d_low:g}", d_high=f"{d_high:g}",
        factor=f"{factor:.0f}" if factor >= 2 else f"{factor:.1f}")
