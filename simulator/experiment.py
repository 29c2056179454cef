"""From scenario files to runnable settings: build the site, apply the interventions.

An intervention is data applied to a copy of the network's crossings and
traffic (:mod:`simulator.scenario.apply`); the model never branches on
scenario names. Sites are built once and shared by every scenario that names
the same site.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simulator.cache import fetch_site
from simulator.errors import NetworkError, ScenarioError
from simulator.network.gatestreet import GATE
from simulator.network.site import Site as StreetSite
from simulator.network.site import street_edge_id
from simulator.network.stops import PlaceError
from simulator.network.synthetic import DistrictSpec, district_site
from simulator.network.walk import WalkNetwork, walk_network_from_site
from simulator.params import Parameters, clock_seconds, default_parameters
from simulator.scenario import (
    Scenario,
    check_references,
    load_scenario,
    scenario_from_mapping,
    scenario_to_yaml,
)
from simulator.scenario.apply import Draft, apply_interventions
from simulator.setting import Setting, prepare_setting

DEFAULT_CHILDREN = 1500


def scenario_parameters(scenario: Scenario, *, base: Parameters | None = None) -> Parameters:
    """The parameter table (``base``, else the packaged one) with the scenario's overrides.

    Scenarios with the same overrides get the same table (made once and kept
    with ``base``), so they share what is kept with it: the would-be-impact
    tables and the kerb decisions of their seeds (:attr:`Parameters.derived`).
    """
    table = base or default_parameters()
    if not scenario.parameters:
        return table
    made: dict[str, Parameters] = table.derived.setdefault("with_overrides", {})
    key = json.dumps(scenario.parameters, sort_keys=True, default=str)  # as built_site keys them
    if key not in made:
        made[key] = table.with_overrides(scenario.parameters)
    return made[key]


def site_from_scenario(scenario: Scenario) -> StreetSite:
    """The street graph, school, homes and bus stops a scenario names (the synthetic district or a map).

    Built with the scenario's parameter overrides (lane width, snapping, OSM
    defaults...), with the gate and stops where ``site.gate`` and ``site.stops`` put them.
    """
    site = scenario.site
    params = scenario_parameters(scenario)
    gate = site.gate.pair() if site.gate is not None else None
    stops = {ident: place.pair() for ident, place in (site.stops or {}).items()}
    if site.synthetic is not None:
        s = site.synthetic
        return district_site(
            DistrictSpec(superblocks=s.superblocks, compounds_per_block=s.compounds_per_block, seed=s.seed),
            params=params, gate=gate, stops=stops,
        )
    assert site.map is not None
    # imported here: the map reader (Shapely, pyproj, the OSM parser) is not needed for the
    # synthetic district or for a site served by the cache
    from simulator.network.schools import site_from_file

    if site.catchment_m is None:
        return site_from_file(site.map, school=site.school, params=params, gate=gate, stops=stops)
    return site_from_file(site.map, school=site.school, catchment_m=site.catchment_m, params=params,
                          gate=gate, stops=stops)


def scenario_with_site(scenario: Scenario, site: Mapping[str, Any], *, origin: str) -> Scenario:
    """The scenario on another site (``--map``/``--school``), validated like a file's ``site``."""
    checked = scenario_from_mapping({"name": scenario.name, "site": dict(site)}, origin=origin)
    return scenario.model_copy(update={"site": checked.site})


def settings_from_files(
    paths: Sequence[str | Path],
    *,
    site: Mapping[str, Any] | None = None,
) -> tuple[list[Setting], dict[str, Any]]:
    """Load and prepare scenario files; the first is the baseline.

    ``site`` (a scenario ``site`` mapping) replaces every file's site. Returns
    the settings and, by scenario name, the scenario as run (for the manifest).
    """
    scenarios = [(str(p), load_scenario(p)) for p in paths]
    if site is not None:
        scenarios = [(o, scenario_with_site(s, site, origin="--map/--school")) for o, s in scenarios]
    return settings_from_scenarios(scenarios)


def settings_from_scenarios(
    scenarios: Sequence[tuple[str, Scenario]],
) -> tuple[list[Setting], dict[str, Any]]:
    """Prepare (origin, scenario) pairs; sites are built once and shared."""
    names = [s.name for _, s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        origins = ", ".join(o for o, _ in scenarios)
        msg = f"scenario names must differ: {', '.join(dup)} appears more than once ({origins})"
        raise ScenarioError(msg)
    sites: dict[str, tuple[StreetSite, WalkNetwork]] = {}
    settings = []
    for origin, scenario in scenarios:
        site, network = built_site(scenario, origin=origin, cache=sites)
        settings.append(setting_from_scenario(scenario, site=site, network=network, origin=origin))
    return settings, {s.name: scenario_to_yaml(s) for _, s in scenarios}


def built_site(
    scenario: Scenario,
    *,
    origin: str,
    cache: dict[str, tuple[StreetSite, WalkNetwork]] | None = None,
) -> tuple[StreetSite, WalkNetwork]:
    """The site and walk network of a scenario (from ``cache`` when already built).

    Otherwise from the on-disk cache of built sites (:mod:`simulator.cache`), or built and stored there.
    """
    cache = {} if cache is None else cache
    key = scenario.site.model_dump_json() + json.dumps(scenario.parameters, sort_keys=True, default=str)
    if key not in cache:
        params = scenario_parameters(scenario)

        def build() -> tuple[StreetSite, WalkNetwork]:
            site = site_from_scenario(scenario)
            return site, walk_network_from_site(site, params=params)

        try:
            cache[key] = fetch_site(scenario.site.model_dump(mode="json"), params=params, build=build)
        except ScenarioError as exc:
            raise ScenarioError(f"{origin}: {exc}") from None
        except PlaceError as exc:  # names its fields (site.gate, site.stops.<id>)
            raise NetworkError(f"{origin}: {exc}") from None
        except NetworkError as exc:
            field = "site.map" if scenario.site.map is not None else "site"
            raise NetworkError(f"{origin}: {field}: {exc}") from None
    return cache[key]


def at_the_gate(scenario: Scenario, network: WalkNetwork) -> Scenario:
    """The scenario with the crossing id ``gate`` read as the crossing children cross at the gate.

    That is the mapped crossing by the gate where there is one (a zebra, a
    signal), else the one the model adds there (:mod:`simulator.network.gatestreet`),
    so ``gate`` names the same place on every map.
    """
    street = network.gate_street
    if street is None or street.crossing.id == GATE:
        return scenario
    at = street.crossing.id
    changed = []
    for change in scenario.interventions:
        named: tuple[str, ...] = tuple(getattr(change, "crossings", None) or ())
        if GATE in named:
            change = change.model_copy(update={"crossings": tuple(at if c == GATE else c for c in named)})
        changed.append(change)
    return scenario.model_copy(update={"interventions": changed})


def setting_from_scenario(
    scenario: Scenario,
    *,
    site: StreetSite,
    network: WalkNetwork,
    origin: str = "<scenario>",
    params: Parameters | None = None,
) -> Setting:
    """Apply a scenario's interventions to a built network and prepare the setting.

    Each intervention type's applier (:data:`simulator.scenario.apply.KINDS`)
    changes a draft of the setting; the setting is prepared once from it.
    """
    params = scenario_parameters(scenario, base=params)
    scenario = at_the_gate(scenario, network)
    edges = {street_edge_id(u, v, k) for u, v, k in network.street.edges(keys=True)}
    check_references(scenario, crossings=set(network.crossings), edges=edges, origin=origin)
    start = clock_seconds(scenario.period.start if scenario.period else params["school.period_start"])
    draft = Draft(network, params, gate=(site.school.x, site.school.y), start=start)
    apply_interventions(scenario.interventions, draft, origin=origin)
    setting = prepare_setting(
        draft.network(),
        params=params,
        name=scenario.name,
        n_children=scenario.children or DEFAULT_CHILDREN,
        period=(scenario.period.start, scenario.period.end) if scenario.period else None,
        bell=scenario.bell,
        bell_by_age=draft.bell_by_age,
        enforcement=scenario.enforcement,
        calming=draft.calming,
        volume=draft.volume,
        guards=tuple(draft.guards),
        dropoff_ban=draft.dropoff_ban,
        education_share=draft.education_share,
        description=scenario.description or "",
        home_weights={h.id: h.weight for h in site.homes},
        modes=draft.modes,
        gate_rules=draft.gate_rules,
    )
    for finish in draft.finish:
        setting = finish(setting)
    return setting
