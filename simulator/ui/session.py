"""One browser session's scenario work: the catalogue, preparing an edit, the map's data (no Solara).

Every edit goes through :func:`prepare` before the page accepts it: the
mapping is validated like a file and its setting built, so a bad edit or a
bad upload is refused with the CLI's one-line message and the page keeps the
last good state. Sites are cached per session (``cache``), never across
sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.demo import DEMO_FILES
from simulator.errors import SaferouteError
from simulator.experiment import built_site, setting_from_scenario
from simulator.figures.map import FACILITY_STYLE
from simulator.network.site import Site as StreetSite
from simulator.network.walk import WalkNetwork
from simulator.scenario import Scenario, load_scenario
from simulator.scenario.examples import EXAMPLES
from simulator.setting import Setting
from simulator.ui import mapdata, state
from simulator.ui.texts import facility_names, staff_names, texts

SCENARIO_FOLDER = EXAMPLES
SiteCache = dict[str, tuple[StreetSite, WalkNetwork]]


def catalogue(folder: Path = SCENARIO_FOLDER) -> dict[str, Scenario]:
    """The scenario files in ``scenarios/`` (the demo's order first), by file name.

    Files that are not scenarios (e.g. batch files kept beside them) are left out.
    """
    names = [n for n in DEMO_FILES if (folder / n).is_file()]
    names += sorted(p.name for p in folder.glob("*.yaml") if p.name not in names)
    found = {}
    for name in names:
        try:
            found[name] = load_scenario(folder / name)
        except SaferouteError:
            continue
    return found


@dataclass(frozen=True, eq=False)
class Prepared:
    """An edited scenario made concrete: validated, its site built and its setting prepared.

    Compared by identity: every accepted edit makes a new one.
    """

    data: dict[str, Any]
    origin: str
    scenario: Scenario
    site: StreetSite
    network: WalkNetwork
    setting: Setting
    frame: mapdata.Frame

    def original_facility(self, crossing: str) -> str:
        """The crossing's facility on the site before any intervention."""
        c = self.network.crossings.get(crossing)
        return c.facility if c is not None else "unmarked"

    def editable(self, crossing: str) -> bool:
        """True for crossings a scenario may name (not the informal way across under a bridge)."""
        c = self.network.crossings.get(crossing)
        return c is not None and not c.informal


def prepare(data: Mapping[str, Any], *, origin: str, cache: SiteCache) -> Prepared:
    """Validate and prepare an edited scenario mapping.

    Raises
    ------
    SaferouteError
        The one-line message the CLI would print for the same scenario.
    """
    scenario = state.validated(data, origin=origin)
    site, network = built_site(scenario, origin=origin, cache=cache)
    setting = setting_from_scenario(scenario, site=site, network=network, origin=origin)
    return Prepared(dict(data), origin, scenario, site, network, setting, mapdata.Frame.of(network))


def palette() -> dict[str, str]:
    """Facility colours (those of the site map figure) and the informal way across."""
    return {f: style[0] for f, style in FACILITY_STYLE.items()} | {"informal": "#d62728"}


def map_layers(p: Prepared, *, lang: str) -> dict[str, Any]:
    """The map component's scenario-dependent data: crossings and overlays."""
    return {
        "crossings": mapdata.crossing_list(p.setting, frame=p.frame),
        "overlay": mapdata.overlays(p.data, frame=p.frame, staff_names=staff_names(lang),
                                    zone_text=texts(lang)["zone"]),
    }


def facility_labels(lang: str) -> dict[str, str]:
    """Facility names for the map's legend and tooltips."""
    return facility_names(lang)


def site_key(p: Prepared) -> str:
    """Identifies the site (so the static map is rebuilt only when the site changes)."""
    return p.scenario.site.model_dump_json()


def on_map(data: Mapping[str, Any], *, map_path: Path, school: str | None, name: str) -> dict[str, Any]:
    """A fresh baseline of ``data``'s kind on another map (no interventions: ids differ per map)."""
    site: dict[str, Any] = {"map": str(map_path)}
    if school:
        site["school"] = school
    return {"name": name, "description": f"{map_path.name}" + (f" · {school}" if school else ""),
            "site": site, "enforcement": data.get("enforcement", "normal"), "interventions": []}
