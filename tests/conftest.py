"""Shared fixtures: the scenario files as settings, small settings and cached runs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from simulator.experiment import setting_from_scenario, settings_from_files, site_from_scenario
from simulator.kerb import Risk
from simulator.network.walk import walk_network_from_site
from simulator.params import default_parameters
from simulator.runs import RunResult, run_once
from simulator.scenario import load_scenario, scenario_from_mapping
from simulator.setting import Setting

# no example database in the repository; the engine's kerb loops take a few ms per example
hypothesis_settings.register_profile("saferoute", database=None, deadline=None, derandomize=True)
hypothesis_settings.load_profile("saferoute")

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
_CACHE_SETTING = pytest.StashKey[str | None]()


def pytest_configure(config: pytest.Config) -> None:
    """Turn the on-disk site cache off for the session, before any test module is imported.

    No test writes into the user's cache, the CLI and batch tests' child processes
    inherit the setting, and a test that replaces a site builder is not served a
    cached site. ``tests/test_cache.py`` points the cache at its own tmp folders.
    """
    config.stash[_CACHE_SETTING] = os.environ.get("SAFEROUTE_CACHE")
    os.environ["SAFEROUTE_CACHE"] = "off"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Put back the ``SAFEROUTE_CACHE`` the session started with."""
    before = config.stash.get(_CACHE_SETTING, None)
    if before is None:
        os.environ.pop("SAFEROUTE_CACHE", None)
    else:
        os.environ["SAFEROUTE_CACHE"] = before
SMALL_CHILDREN = 300


def scenario_path(name: str) -> Path:
    """A scenario file of the repository by file name (``baseline`` or ``baseline.yaml``)."""
    path = SCENARIOS / (name if name.endswith(".yaml") else f"{name}.yaml")
    assert path.is_file(), path
    return path


def default_risk() -> Risk:
    """The kerb model's risk settings from the packaged parameters."""
    p = default_parameters()
    return Risk.from_params(p)


@pytest.fixture(scope="session")
def risk() -> Risk:
    """Braking nodes, injury curves and conflict thresholds from the packaged parameters."""
    return default_risk()


@pytest.fixture(scope="session")
def baseline_setting() -> Setting:
    """``scenarios/baseline.yaml`` as written (1500 children)."""
    settings, _ = settings_from_files([scenario_path("baseline")])
    return settings[0]


@pytest.fixture(scope="session")
def small_setting() -> Callable[..., Setting]:
    """Factory: a scenario file as a setting with fewer children and optional field changes.

    ``small_setting("guard-posts", children=200, bell="07:40")`` reads the file,
    replaces those top-level fields, validates the result with
    :func:`scenario_from_mapping` and prepares it on a site built once per session.
    Settings are cached by their arguments.
    """
    sites: dict[str, Any] = {}
    cache: dict[tuple, Setting] = {}

    def make(name: str, *, children: int = SMALL_CHILDREN, **fields: Any) -> Setting:
        key = (name, children, tuple(sorted((k, repr(v)) for k, v in fields.items())))
        if key not in cache:
            path = scenario_path(name)
            data = load_scenario(path).model_dump(mode="json", exclude_none=True)
            data = data | {"children": children} | fields
            scenario = scenario_from_mapping(data, origin=str(path))
            site_key = scenario.site.model_dump_json()
            if site_key not in sites:
                site = site_from_scenario(scenario)
                sites[site_key] = (site, walk_network_from_site(site))
            site, network = sites[site_key]
            cache[key] = setting_from_scenario(scenario, site=site, network=network,
                                               origin=str(path))
        return cache[key]

    return make


@pytest.fixture(scope="session")
def run_cached() -> Callable[[Setting, int], RunResult]:
    """``run_once`` with the results kept for the session (tests only read them)."""
    cache: dict[tuple[int, int], tuple[Setting, RunResult]] = {}

    def run(setting: Setting, seed: int) -> RunResult:
        key = (id(setting), seed)
        if key not in cache:
            # the setting is kept with its result, so its id is never reused in the session
            cache[key] = (setting, run_once(setting, seed))
        return cache[key][1]

    return run
