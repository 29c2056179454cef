"""From scenario files to runnable settings: build the site, apply the interventions.

An intervention is data applied to a copy of the network's crossings and
traffic; the model never branches on scenario names. Sites are built once and
shared by every scenario that names the same site.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from simulator.crossing import GRADE_SEPARATED, Crossing, Signal, informal_id
from simulator.errors import NetworkError, ScenarioError
from simulator.hazard import crossing_hazards
from simulator.network.schools import site_from_file
from simulator.network.site import Site as StreetSite
from simulator.network.site import street_edge_id
from simulator.network.synthetic import DistrictSpec, district_site
from simulator.network.walk import WalkNetwork, add_informal_crossing, walk_network_from_site
from simulator.params import Parameters, clock_seconds, default_parameters
from simulator.routing import recommended_routes
from simulator.scenario import (
    AccessChange,
    DropoffBan,
    Education,
    FacilityChange,
    GuardPost,
    Humps,
    LaneReduction,
    NoParking,
    Parking,
    RecommendedRoutes,
    Scenario,
    SpeedLimit,
    StartTime,
    VolumeOverride,
    Zone,
    check_references,
    load_scenario,
    scenario_from_mapping,
    scenario_to_yaml,
)
from simulator.setting import Calming, Setting, prepare_setting
from simulator.setting import GuardPost as Post

DEFAULT_CHILDREN = 1500


def scenario_parameters(scenario: Scenario) -> Parameters:
    """The parameter table with the scenario's overrides."""
    table = default_parameters()
    return table.with_overrides(scenario.parameters) if scenario.parameters else table


def site_from_scenario(scenario: Scenario) -> StreetSite:
    """The street graph, school and homes a scenario names (the synthetic district or a map).

    Built with the scenario's parameter overrides (lane width, snapping, OSM defaults...).
    """
    site = scenario.site
    params = scenario_parameters(scenario)
    if site.synthetic is not None:
        s = site.synthetic
        return district_site(
            DistrictSpec(superblocks=s.superblocks, compounds_per_block=s.compounds_per_block, seed=s.seed),
            params=params,
        )
    assert site.map is not None
    if site.catchment_m is None:
        return site_from_file(site.map, school=site.school, params=params)
    return site_from_file(site.map, school=site.school, catchment_m=site.catchment_m, params=params)


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
    """The site and walk network of a scenario (from ``cache`` when already built)."""
    cache = {} if cache is None else cache
    key = scenario.site.model_dump_json() + json.dumps(scenario.parameters, sort_keys=True, default=str)
    if key not in cache:
        try:
            site = site_from_scenario(scenario)
            cache[key] = (site, walk_network_from_site(site, params=scenario_parameters(scenario)))
        except ScenarioError as exc:
            raise ScenarioError(f"{origin}: {exc}") from None
        except NetworkError as exc:
            field = "site.map" if scenario.site.map is not None else "site"
            raise NetworkError(f"{origin}: {field}: {exc}") from None
    return cache[key]


def setting_from_scenario(
    scenario: Scenario,
    *,
    site: StreetSite,
    network: WalkNetwork,
    origin: str = "<scenario>",
    params: Parameters | None = None,
) -> Setting:
    """Apply a scenario's interventions to a built network and prepare the setting."""
    params = (
        (params or default_parameters()).with_overrides(scenario.parameters)
        if scenario.parameters
        else (params or default_parameters())
    )
    by_edge: dict[str, list[str]] = {}
    for cid, c in network.crossings.items():
        by_edge.setdefault(street_edge_id(*c.edge), []).append(cid)
    edges = {street_edge_id(u, v, k) for u, v, k in network.street.edges(keys=True)}
    check_references(scenario, crossings=set(network.crossings), edges=edges, origin=origin)
    school = (site.school.x, site.school.y)

    def where(change: Any) -> list[str]:
        """Crossing ids an intervention applies to."""
        if getattr(change, "crossings", None):
            return list(change.crossings)
        if getattr(change, "edges", None):
            return [cid for e in change.edges for cid in by_edge.get(e, [])]
        zone: Zone = change.zone
        cx, cy = zone.center or school
        return [
            cid for cid, c in network.crossings.items() if math.hypot(c.x - cx, c.y - cy) <= zone.radius_m
        ]

    crossings = dict(network.crossings)
    graph = network.graph
    for change in scenario.interventions_of(FacilityChange):
        for cid in change.crossings:
            old = crossings[cid]
            crossings[cid] = _with_facility(old, change, params)
            if (
                change.facility in GRADE_SEPARATED
                and old.facility not in GRADE_SEPARATED
                and not old.informal
            ):
                informal = replace(old, id=informal_id(cid), facility="unmarked", informal=True, signal=None)
                if informal.id not in crossings:
                    graph = add_informal_crossing(
                        graph if graph is not network.graph else graph.copy(), cid, informal.id
                    )
                    crossings[informal.id] = informal
    _apply_access(scenario, crossings, origin=origin)
    _apply_parking(scenario, crossings, school=school)
    for lanes_change in scenario.interventions_of(LaneReduction):
        for cid in where(lanes_change):
            c = crossings[cid]
            n = lanes_change.lanes_per_direction
            lanes = (min(c.lanes[0], n), min(c.lanes[1], n))
            crossings[cid] = replace(c, lanes=lanes, length=sum(lanes) * params["traffic.lane_width"])
    volume: dict[str, tuple[float, float]] = {}
    for volume_change in scenario.interventions_of(VolumeOverride):
        vph = volume_change.vph
        v = vph if isinstance(vph, tuple) else (float(vph), float(vph))
        for cid in where(volume_change):
            volume[cid] = (float(v[0]), float(v[1]))
    t0 = clock_seconds(scenario.period.start if scenario.period else params["school.period_start"])
    calming: dict[str, Calming] = {}
    for limit in scenario.interventions_of(SpeedLimit):
        window = None
        if limit.hours is not None:
            a, b = limit.hours.seconds()
            window = (a - t0, b - t0)
        for cid in where(limit):
            calming[cid] = replace(calming.get(cid, Calming()), limit=limit.limit_kmh, window=window)
    for humps in scenario.interventions_of(Humps):
        for cid in where(humps):
            calming[cid] = replace(calming.get(cid, Calming()), humps=True)
    guards: list[Post] = []
    for post in scenario.interventions_of(GuardPost):
        a, b = post.hours.seconds()
        guards.extend(Post(cid, a - t0, b - t0, post.staff, post.count, post.clear_parking)
                      for cid in post.crossings)
    bans = [c.radius_m for c in scenario.interventions_of(DropoffBan)]
    education = [c.share for c in scenario.interventions_of(Education)]
    bell_by_age = {
        age: c.bell for c in scenario.interventions_of(StartTime) for age in (c.ages or range(6, 13))
    }
    net = replace(network, graph=graph, crossings=crossings)
    setting = prepare_setting(
        net,
        params=params,
        name=scenario.name,
        n_children=scenario.children or DEFAULT_CHILDREN,
        period=(scenario.period.start, scenario.period.end) if scenario.period else None,
        bell=scenario.bell,
        bell_by_age=bell_by_age,
        enforcement=scenario.enforcement,
        calming=calming,
        volume=volume,
        guards=tuple(guards),
        dropoff_ban=max(bans, default=0.0),
        education_share=max(education, default=0.0),
        description=scenario.description or "",
        home_weights={h.id: h.weight for h in site.homes},
    )
    for published in scenario.interventions_of(RecommendedRoutes):
        hazard = crossing_hazards(setting)
        routes = recommended_routes(net, dict(setting.routes), hazard, params=params,
                                    max_detour=published.max_detour)
        setting = replace(setting, routes=routes, follow_share=published.compliance)
    return setting


def _with_facility(c: Crossing, change: FacilityChange, params: Parameters) -> Crossing:
    """The crossing rebuilt as ``change.facility``."""
    facility = change.facility
    signal = None
    if facility == "signal":
        t = change.signal
        signal = (
            Signal(t.cycle, min(t.walk + 4.0, t.cycle), t.offset)
            if t
            else (c.signal or Signal(params["signal.cycle"], params["signal.walk"], 0.0))
        )
    climb = {
        "footbridge": params["grade.footbridge_climb"],
        "underpass": params["grade.underpass_climb"],
    }.get(facility, 0.0)
    access = change.access or "stairs"
    return replace(c, facility=facility, signal=signal, climb=climb, inferred=False, access=access)


def _apply_access(scenario: Scenario, crossings: dict[str, Crossing], *, origin: str) -> None:
    """Give footbridges and underpasses their ``access`` (after any facility change built them).

    Raises
    ------
    ScenarioError
        Naming every crossing that is not a footbridge or underpass.
    """
    found: list[str] = []
    for index, change in enumerate(scenario.interventions):
        if not isinstance(change, AccessChange):
            continue
        for position, cid in enumerate(change.crossings):
            c = crossings[cid]
            if c.grade_separated:
                crossings[cid] = replace(c, access=change.access)
                continue
            kind = "an informal at-grade" if c.informal else f"a {c.facility}"
            found.append(f"interventions[{index}].crossings[{position}]: {cid!r} is {kind} crossing "
                         "(allowed: footbridges and underpasses; build one first with type: facility)")
    if found:
        raise ScenarioError(f"{origin}: " + "; ".join(found))


def _apply_parking(scenario: Scenario, crossings: dict[str, Crossing], *,
                   school: tuple[float, float]) -> None:
    """Kerbside parking (the longest given) and no-parking zones (the widest) at crossings.

    A crossing named in ``crossings`` brings its at-grade way beneath a bridge
    (``~grade``) along: the same kerbs. A zone takes every crossing in it,
    those the scenario's own facility changes added included.
    """

    def kerbs(change: Parking | NoParking) -> list[str]:
        if change.crossings:
            return [*change.crossings,
                    *(informal_id(cid) for cid in change.crossings if informal_id(cid) in crossings)]
        assert change.zone is not None
        cx, cy = change.zone.center or school
        return [cid for cid, c in crossings.items()
                if math.hypot(c.x - cx, c.y - cy) <= change.zone.radius_m]

    for parked in scenario.interventions_of(Parking):
        for cid in kerbs(parked):
            c = crossings[cid]
            crossings[cid] = replace(c, parking_m=max(c.parking_m, parked.length_m))
    for ban in scenario.interventions_of(NoParking):
        for cid in kerbs(ban):
            c = crossings[cid]
            crossings[cid] = replace(c, no_parking_m=max(c.no_parking_m, ban.within_m))
