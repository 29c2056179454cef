"""Every parameter override reaches the run: the value the manifest records is the value used.

Every parameter of the table is overridden at once with a different valid
value; the scenarios below use every mechanism (signals, footbridges with
lifts, parking, calming with hours, guards, education, recommended routes,
drop-off) on the default district, plus a real map for the OpenStreetMap
defaults. Every read of the table is recorded while the site is built, the
setting prepared and one morning run. A read that returns the default of an
overridden parameter is a silent error (the run used another value than the
manifest says); a parameter never read is dead, unless it belongs to another
command (listed below with the command).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.experiment import settings_from_scenarios
from simulator.params import Parameter, Parameters, default_parameters
from simulator.runs import run_once
from simulator.scenario import scenario_from_mapping
from simulator.scenario.overrides import FIXED, SET_BY_FIELDS, is_share

OSM = Path(__file__).resolve().parents[2] / "shared/data/osm/shenzhen_longgang_universiade.osm.bz2"
SCHOOL = "龙岗外国语学校"  # its catchment has residential areas without mapped buildings
TABLE = default_parameters()
READ_ELSEWHERE = {
    "cost.": "saferoute recommend measures (costs of measures)",
    "hcm.": "saferoute validate (the HCM closed forms)",
    "calibration.severe_per_100k_trips": "saferoute calibrate and the figures' calibration line (a target)",
    "calibration.deaths_per_100k_trips": "saferoute calibrate (a target)",
    "calibration.red_crossing_pct": "saferoute calibrate (a held-out behaviour target)",
    "guard.default_hours": "recommend guards, the page's guard editor, a batch's guards axis, the demo",
}
NOT_YET_USED: dict[str, str] = {}
INTERVENTIONS: list[dict[str, Any]] = [
    {"type": "speed_limit", "limit_kmh": 30, "zone": {"radius_m": 300}, "hours": "07:00-08:30"},
    {"type": "humps", "zone": {"radius_m": 150}},
    {"type": "facility", "crossings": ["x24-25"], "facility": "footbridge"},
    {"type": "access", "crossings": ["x24-25"], "access": "lift"},
    {"type": "access", "crossings": ["x25-24"], "access": "ramp"},
    {"type": "facility", "crossings": ["x116-24"], "facility": "signal",
     "signal": {"cycle": 90, "walk": 20, "offset": 0}},
    {"type": "facility", "crossings": ["x24-116"], "facility": "raised"},
    {"type": "guard", "crossings": ["x24-23"], "hours": "07:00-08:30", "staff": "teacher", "count": 1},
    {"type": "parking", "zone": {"radius_m": 400}, "length_m": 40},
    {"type": "education", "share": 0.5},
    {"type": "recommended_routes", "compliance": 0.5},
    {"type": "kiss_and_ride", "length_m": 30},
    {"type": "ebike_parking", "walk_m": 20},
    {"type": "guard", "crossings": ["gate"], "hours": "07:50-08:30", "staff": "volunteer"},
    {"type": "mode_shares", "bus": 0.2},
]


def changed(key: str, value: Any, parameter: Parameter) -> Any:
    """A valid value different from ``value`` (numbers up by 10% or by one, within range and 0–1 shares)."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, list):
        return [changed(key, v, parameter) for v in value]
    if isinstance(value, dict):
        return {k: changed(key, v, parameter) for k, v in value.items()}
    new = value + 1 if isinstance(value, int) else (value * 1.1 if value else 0.01)
    if is_share(key, unit=parameter.unit) or parameter.unit == "share" or (0 < value <= 1 and key.startswith(
            ("guard.obey", "yield.china_zebra", "yield.max"))):
        new = value * 0.9 if value else 0.01  # stays a share
    if parameter.range is not None:
        low, high = parameter.range
        new = min(max(new, low), high)
        if new == value:
            new = low if value != low else high
    return new


def overrides() -> dict[str, Any]:
    found = {}
    for key, parameter in TABLE.table.items():
        if key in SET_BY_FIELDS or key in FIXED:
            continue
        new = changed(key, parameter.value, parameter)
        if new != parameter.value:
            found[key] = new
    return found


@pytest.fixture(scope="module")
def reads() -> Iterator[tuple[dict[str, Any], dict[str, list[Any]]]]:
    """The overrides, and every value each parameter key returned while preparing and running."""
    over = overrides()
    scenarios = [
        ("district.yaml", scenario_from_mapping({"name": "district", "children": 400, "parameters": over,
                                                 "interventions": INTERVENTIONS}, origin="district.yaml")),
        ("map.yaml", scenario_from_mapping({"name": "map", "children": 100, "parameters": over,
                                            "site": {"map": str(OSM), "school": SCHOOL}},
                                           origin="map.yaml")),
    ]
    seen: dict[str, list[Any]] = defaultdict(list)
    original = Parameters.__getitem__

    def recording(self: Parameters, key: str) -> Any:
        value = original(self, key)
        seen[key].append(value)
        return value

    Parameters.__getitem__ = recording  # type: ignore[method-assign]
    try:
        for origin, scenario in scenarios:
            (setting,), _ = settings_from_scenarios([(origin, scenario)])
            run_once(setting, 1)
    finally:
        Parameters.__getitem__ = original  # type: ignore[method-assign]
    yield over, seen


def test_every_key_is_overridden_with_another_value() -> None:
    over = overrides()
    assert set(TABLE.table) - set(over) - set(SET_BY_FIELDS) - set(FIXED) <= {"traffic.profile_times"}


def test_no_run_reads_the_default_of_an_overridden_parameter(
        reads: tuple[dict[str, Any], dict[str, list[Any]]]) -> None:
    over, seen = reads
    silent = {key: TABLE[key] for key in over if any(value == TABLE[key] for value in seen.get(key, []))}
    assert not silent, f"read with the default although overridden: {silent}"


def test_every_parameter_is_used(reads: tuple[dict[str, Any], dict[str, list[Any]]]) -> None:
    _, seen = reads
    elsewhere = {key for key in TABLE.table if key.startswith(tuple(READ_ELSEWHERE))}
    unused = sorted(set(TABLE.table) - set(seen) - elsewhere - set(NOT_YET_USED) - set(SET_BY_FIELDS))
    assert not unused, f"parameters no run reads (dead, or read only from the default table): {unused}"
