"""Property: whatever the scenario schema accepts runs to the end; whatever it refuses is one line.

Hypothesis draws scenarios on a small district: parameter overrides of every
numeric parameter (zero, tiny, huge and in-range values), children, the
morning, enforcement and zone-based interventions. Each drawn scenario is
either refused by validation with a :class:`~simulator.errors.SaferouteError`
(one line), or prepared and simulated for one seed with no other exception.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.errors import SaferouteError
from simulator.experiment import settings_from_scenarios
from simulator.params import default_parameters
from simulator.runs import run_once
from simulator.scenario import scenario_from_mapping
from simulator.scenario.overrides import SET_BY_FIELDS, is_share

TABLE = default_parameters()
NUMERIC = sorted(k for k, p in TABLE.table.items() if isinstance(p.value, int | float)
                 and not isinstance(p.value, bool) and k not in SET_BY_FIELDS)
SITE = {"synthetic": {"superblocks": [2, 2], "compounds_per_block": 2, "seed": 3}}


def _value(key: str) -> st.SearchStrategy[Any]:
    parameter = TABLE.table[key]
    if is_share(key, unit=parameter.unit):
        return st.sampled_from([0.0, 1.0]) | st.floats(0, 1)
    if parameter.range is not None:
        low, high = parameter.range
        inside = st.sampled_from([low, high]) | st.floats(low, high)
        return inside | st.sampled_from([0, -1, high * 10])  # refused: outside the range
    default = parameter.value
    edges = st.sampled_from([0, 1, 10**6])
    if isinstance(default, int):
        return edges | st.integers(0, max(4 * default, 4))
    return edges | st.sampled_from([1e-6, 1e9]) | st.floats(0, max(4 * default, 4.0))


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(NUMERIC), max_size=4, unique=True))
    zone = {"radius_m": draw(st.sampled_from([10, 150, 5000]))}
    interventions = draw(st.lists(st.sampled_from([
        {"type": "education", "share": draw(st.floats(0, 1))},
        {"type": "dropoff_ban", "radius_m": draw(st.sampled_from([10, 300, 2000]))},
        {"type": "speed_limit", "limit_kmh": draw(st.sampled_from([5, 30, 130])), "zone": zone},
        {"type": "humps", "zone": zone},
        {"type": "no_parking", "zone": zone, "within_m": draw(st.sampled_from([1, 20, 500]))},
        {"type": "parking", "zone": zone, "length_m": draw(st.sampled_from([0, 30, 500]))},
        {"type": "recommended_routes", "compliance": draw(st.floats(0, 1)),
         "max_detour": draw(st.floats(0, 1))},
        {"type": "start_time", "bell": draw(st.sampled_from(["07:00", "08:20"]))},
    ]), max_size=3))
    return {
        "name": "property",
        "site": SITE,
        "children": draw(st.integers(1, 25)),
        "enforcement": draw(st.sampled_from(["none", "normal", "strong"])),
        "bell": draw(st.sampled_from(["06:50", "07:40", "08:20", "08:30"])),
        "parameters": {k: draw(_value(k)) for k in keys},
        "interventions": interventions,
    }


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_what_the_schema_accepts_runs_and_what_it_refuses_is_one_line(data: dict[str, Any]) -> None:
    try:
        scenario = scenario_from_mapping(data, origin="property.yaml")
        prepared, _ = settings_from_scenarios([("property.yaml", scenario)])
    except SaferouteError as refused:
        assert "\n" not in str(refused) and str(refused).startswith("property.yaml")
        return
    result = run_once(prepared[0], 1)
    assert result.summary["children"] == data["children"]


@pytest.mark.parametrize("key", NUMERIC)
def test_every_speed_and_deceleration_has_a_range_above_zero(key: str) -> None:
    """A speed or deceleration of 0 divides by zero somewhere: such parameters carry a range."""
    parameter = TABLE.table[key]
    if parameter.unit in ("m/s", "km/h", "m/s2") and not key.endswith("_sd"):
        assert parameter.range is not None and parameter.range[0] > 0, key
