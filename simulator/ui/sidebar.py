"""The map page's left column: scenario and school, file uploads, saving the scenario as YAML."""

from __future__ import annotations

from pathlib import Path

import solara

from simulator.errors import SaferouteError
from simulator.scenario import scenario_to_yaml
from simulator.ui import state, uploads
from simulator.ui.arrivaleditor import ArrivalLevers
from simulator.ui.context import Session
from simulator.ui.editor import ChangesPanel, RulesPanel
from simulator.ui.levereditor import SchoolLevers
from simulator.ui.session import on_map
from simulator.ui.widgets import Upload


@solara.component
def ScenarioPanel(session: Session, maps: solara.Reactive[dict]) -> solara.Element:
    """Choose the scenario (files and uploads) and, on a loaded map, the school; load files."""
    t = session.t
    p = session.prepared.value
    scenarios = session.scenarios.value
    current = p.origin if p.origin in scenarios else None

    def choose(name: str | None) -> None:
        if name in scenarios and session.commit(state.mapping_of(scenarios[name]), origin=name):
            session.selected.set(None)

    def offered_maps() -> set[Path]:
        return {s.site.map for s in session.scenarios.value.values() if s.site.map is not None}

    def scenario_file(name: str, data: bytes) -> None:
        try:
            scenario = uploads.scenario_upload(name, data, folder=session.folder, offered=offered_maps())
        except SaferouteError as exc:
            session.fail(exc)
            return
        if session.commit(state.mapping_of(scenario), origin=name):
            session.scenarios.set({**scenarios, name: scenario})
            session.selected.set(None)
            session.tell(f"{t['loaded']}: {name}")

    def map_file(name: str, data: bytes) -> None:
        try:
            path, schools = uploads.load_map(name, data, folder=session.folder)
        except (SaferouteError, OSError) as exc:
            session.fail(exc)
            return
        # a primary school first (a map may list kindergartens and middle schools too)
        school = next((s for s in schools if "小学" in s or "primary" in s.lower()),
                      schools[0] if schools else None)
        stem = path.name.split(".")[0]
        fresh = on_map(session.data, map_path=path, school=school, name=f"{t['baseline']} · {stem}")
        if session.commit(fresh, origin=name):
            maps.set({"path": str(path), "name": name, "schools": schools})
            session.selected.set(None)
            session.tell(f"{t['loaded']}: {name}")
        else:
            path.unlink(missing_ok=True)

    def school(name: str | None) -> None:
        info = maps.value
        data = session.data
        session.commit(on_map(data, map_path=Path(info["path"]), school=name, name=data["name"]))

    with solara.Column(gap="6px", classes=["sr-scenario-panel"]) as col:
        site = p.scenario.site
        where = t["district"] if site.map is None else site.map.name
        solara.Text(f"{t['site']}: {where}", classes=["sr-site"])
        schools: list[str] = maps.value.get("schools") or []
        if site.map is not None and schools:
            solara.Select(t["school"], values=schools, value=str(site.school or schools[0]),
                          on_value=school, classes=["sr-school-select"])
        elif site.synthetic is not None:
            solara.Text(f"{t['school']}: {p.site.school.name}", classes=["sr-school"])
        solara.Select(t["scenario"], values=list(scenarios), value=current, on_value=choose,
                      classes=["sr-scenario-select"])
        Upload(t["upload_scenario"], accept=".yaml,.yml", kind="sr-upload-scenario",
               max_bytes=uploads.MAX_SCENARIO_BYTES, inbox=session.inbox, on_file=scenario_file,
               on_error=session.fail)
        Upload(t["upload_map"], accept=".osm,.bz2,.xml,.graphml", kind="sr-upload-map",
               max_bytes=uploads.MAX_MAP_BYTES, inbox=session.inbox, on_file=map_file, on_error=session.fail)
    return col


@solara.component
def SavePanel(session: Session) -> solara.Element:
    """The scenario's name, its YAML (as ``saferoute run`` reads it), download and save to the folder."""
    t = session.t
    p = session.prepared.value
    text = scenario_to_yaml(p.scenario)
    filename = state.safe_filename(p.scenario.name)

    def rename(name: str | None) -> None:
        if name and name.strip() and name.strip() != p.scenario.name:
            session.commit(state.with_field(session.data, "name", name.strip()))

    def save() -> None:
        try:
            path = uploads.write_text(session.folder, filename, text)
        except (SaferouteError, OSError) as exc:
            session.fail(exc)
            return
        session.tell(f"{t['saved']}: {path}")

    with solara.Column(gap="4px", classes=["sr-save-panel"]) as col:
        solara.InputText(t["scenario_name"], value=p.scenario.name, on_value=rename, classes=["sr-name"])
        with solara.Row(gap="4px"):
            solara.FileDownload(text, filename=filename, label=t["download"], mime_type="application/x-yaml")
            solara.Button(t["save"], on_click=save, outlined=True, small=True, classes=["sr-save"])
        solara.Text(f"{t['folder']}: {session.folder}", style={"font-size": "11px", "color": "#607d8b"})
        solara.Text(t["yaml"], style={"font-weight": "bold"})
        solara.Preformatted(text, class_="sr-yaml",
                            style_="max-height: 260px; overflow: auto; font-size: 11px")
    return col


@solara.component
def Sidebar(session: Session, maps: solara.Reactive[dict]) -> solara.Element:
    """Everything left of the map."""
    with solara.Column(gap="10px", style={"width": "330px", "min-width": "330px"}) as col:
        ScenarioPanel(session, maps)
        RulesPanel(session)
        SchoolLevers(session)
        ArrivalLevers(session)
        ChangesPanel(session)
        SavePanel(session)
    return col
