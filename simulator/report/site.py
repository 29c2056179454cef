"""The site behind a results folder, rebuilt for the report's maps.

Results folders hold no geometry, so the baseline scenario of the manifest is
built again (deterministically: the same site description gives the same
streets, crossings and homes) and its routes are recomputed. Each walk edge
is then weighted by how many children used it, from ``trips.csv`` (which
home, which route: compliant or shortcut). A rebuilt site that does not match
the manifest (another map file, other homes) is refused rather than drawn.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from simulator.errors import ResultsError, SaferouteError
from simulator.experiment import at_the_gate, built_site, setting_from_scenario
from simulator.gate import AT_GATE, BAN_EDGE
from simulator.network.site import Site as StreetSite
from simulator.network.walk import WalkNetwork
from simulator.params import Parameters, default_parameters, parameters_from_mapping
from simulator.report.results import Results
from simulator.routing import Route
from simulator.scenario import RecommendedRoutes, Scenario, scenario_from_mapping
from simulator.setting import Setting

Edge = tuple[Hashable, Hashable]


@dataclass(frozen=True)
class SiteView:
    """The rebuilt site of a results folder, with its routes weighted by use.

    Attributes
    ----------
    school
        The school's name.
    site, network
        The street site and walk network of the baseline.
    setting
        The baseline's prepared setting (routes, guards).
    scenarios
        Every scenario of the results, validated, by name.
    edge_use
        Walk edge (node pair, sorted) -> children per morning who walk it in the
        baseline (mean over seeds).
    published
        For each scenario with recommended routes (上学路线图): walk edge ->
        children per morning whose home's recommended route runs along it.
    scenario_use
        For the same scenarios: walk edge -> children per morning who walk it.
    """

    school: str
    site: StreetSite
    network: WalkNetwork
    setting: Setting
    scenarios: Mapping[str, Scenario]
    edge_use: Mapping[Edge, float]
    published: Mapping[str, Mapping[Edge, float]]
    scenario_use: Mapping[str, Mapping[Edge, float]]


def rebuild_site(results: Results, *, map_file: str | os.PathLike[str] | None = None,
                 built: tuple[StreetSite, WalkNetwork] | None = None) -> SiteView:
    """Build the baseline's site again (unless ``built`` already is) and weight its walk edges by use.

    Parameters
    ----------
    results
        A checked results folder.
    map_file
        Where the map file is now, if it has moved since the results were made.

    Raises
    ------
    ResultsError
        If the map file is not where the manifest says (and ``map_file`` is not
        given), a scenario in the manifest is invalid, or the rebuilt site does
        not match the one the results were made on.
    """
    where = str(results.folder)
    scenarios = {
        name: _scenario(results, name, text, map_file=map_file)
        for name, text in results.manifest["scenarios"].items()
    }
    base = scenarios[results.baseline]
    params = _parameters(results)
    try:
        origin = f"{where}/manifest.json: scenarios[{results.baseline}]"
        site, network = built or built_site(base, origin=origin)
        settings = {
            name: setting_from_scenario(s, site=site, network=network, params=params,
                                        origin=f"{where}/manifest.json: scenarios[{name}]")
            for name, s in scenarios.items()
            if name == results.baseline or s.interventions_of(RecommendedRoutes)
        }
    except SaferouteError as bad:
        msg = f"{where}: the site of the results cannot be rebuilt: {bad}"
        raise ResultsError(msg) from None
    _check_same_site(results, network)
    published = {name: _published(results, name, s) for name, s in settings.items()
                 if scenarios[name].interventions_of(RecommendedRoutes)}
    return SiteView(
        school=site.school.name,
        site=site,
        network=network,
        setting=settings[results.baseline],
        # "gate" read as the crossing the children cross at the gate, as the runs read it
        scenarios=MappingProxyType({name: at_the_gate(s, network) for name, s in scenarios.items()}),
        edge_use=MappingProxyType(_edge_use(results, results.baseline, settings[results.baseline])),
        published=MappingProxyType(published),
        scenario_use=MappingProxyType({name: _edge_use(results, name, settings[name]) for name in published}),
    )


def _scenario(results: Results, name: str, text: str, *, map_file: str | os.PathLike[str] | None) -> Scenario:
    where = str(results.folder)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        msg = f"{where}: manifest.json: scenario {name!r} is not a YAML mapping (damaged)"
        raise ResultsError(msg)
    site: dict[str, Any] = dict(data.get("site") or {})
    if "map" in site:
        site["map"] = str(_map_path(results, str(site["map"]), map_file))
        data = {**data, "site": site}
    try:
        return scenario_from_mapping(data, origin=f"{where}/manifest.json: scenarios[{name}]",
                                     base=results.folder)
    except SaferouteError as bad:
        msg = f"{where}: the scenario {name!r} in manifest.json is not valid here: {bad}"
        raise ResultsError(msg) from None


def _map_path(results: Results, recorded: str, given: str | os.PathLike[str] | None) -> Path:
    """The map file: ``given``, or the recorded path (a relative one from the results' folder)."""
    if given is not None:
        path = Path(given)
        if not path.is_file():
            msg = f"--map: {given} does not exist"
            raise ResultsError(msg)
        return path.resolve()
    path = Path(recorded)
    candidates = [path] if path.is_absolute() else [results.folder / path, Path.cwd() / path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    msg = (f"{results.folder}: the map the results were made on is not at {recorded} "
           "(give its new place with --map FILE)")
    raise ResultsError(msg)


def _parameters(results: Results) -> Parameters:
    """The parameter table the results were made with (values as in the manifest)."""
    rows = results.manifest["parameters"]
    try:
        table = {row["key"]: {k: row[k] for k in ("value", "unit", "conf", "source")} for row in rows}
        loaded = parameters_from_mapping(table, origin="manifest.json: parameters")
    except (KeyError, TypeError, SaferouteError) as bad:
        msg = f"{results.folder}: manifest.json: parameters are damaged ({bad})"
        raise ResultsError(msg) from None
    defaults = default_parameters()
    # keys this version added since the results were made keep their defaults
    extra = {k: v for k, v in defaults.table.items() if k not in loaded.table}
    return Parameters(MappingProxyType({**extra, **loaded.table}))


def _check_same_site(results: Results, network: WalkNetwork) -> None:
    recorded = results.manifest["site"]
    now = {"crossings": len(network.crossings), "homes": len(network.home_nodes)}
    differ = [f"{key} {recorded.get(key)} then, {value} now" for key, value in now.items()
              if recorded.get(key) != value]
    if differ:
        msg = (f"{results.folder}: the rebuilt site differs from the one the results were made on "
               f"({'; '.join(differ)}): the map file or the software changed")
        raise ResultsError(msg)


def _route(results: Results, setting: Setting, start: str, kind: str) -> Route:
    """The route of one kind (compliant, shortcut, recommended) from a home or a bus stop, rebuilt."""
    choice = setting.routes.get(start) or setting.stop_routes.get(start)
    route = {"compliant": choice.compliant, "shortcut": choice.shortcut,
             "recommended": choice.recommended}.get(kind) if choice else None
    if route is None:
        msg = (f"{results.folder}: trips.csv has a {kind!r} route from {start!r} that the rebuilt site "
               f"of {setting.name} does not have: the map file or the software changed")
        raise ResultsError(msg)
    return route


def _edge_use(results: Results, scenario: str, setting: Setting) -> dict[Edge, float]:
    """Children per morning on each walk edge in ``scenario`` (mean over seeds).

    A pupil walks from where its walk starts (``start``: its home or the bus
    stop it alights at); one let out at the gate (route ``gate``) walks no edge.
    """
    trips = results.trips[results.trips["scenario"] == scenario]
    start = "start" if "start" in trips else "home"
    use: Counter[Edge] = Counter()
    n = len(results.seeds)
    for (origin, kind), count in trips.groupby([start, "route"]).size().items():
        if kind in (AT_GATE, BAN_EDGE):  # let out by a parent: that walk is not drawn
            continue
        for a, b in pairwise(_route(results, setting, str(origin), str(kind)).nodes):
            use[_edge(a, b)] += count / n
    return dict(use)


def _published(results: Results, scenario: str, setting: Setting) -> dict[Edge, float]:
    """Children per morning whose home's recommended route runs along each walk edge."""
    trips = results.trips[results.trips["scenario"] == scenario]
    use: Counter[Edge] = Counter()
    n = len(results.seeds)
    for home, count in trips.groupby("home").size().items():
        for a, b in pairwise(_route(results, setting, str(home), "recommended").nodes):
            use[_edge(a, b)] += count / n
    return dict(use)


def _edge(a: Hashable, b: Hashable) -> Edge:
    return (a, b) if str(a) <= str(b) else (b, a)
