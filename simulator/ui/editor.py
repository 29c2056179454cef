"""Editing on the map page: a crossing, a street, a drawn zone, the list of changes, school rules."""

from __future__ import annotations

from typing import Any

import solara

from simulator.crossing import FACILITIES
from simulator.network.site import street_edge_id
from simulator.scenario import ENFORCEMENT, staff_types
from simulator.scenario.apply import Words, describe
from simulator.ui import state
from simulator.ui.context import Session
from simulator.ui.levereditor import RoadLevers
from simulator.ui.texts import enforcement_names, facility_names, staff_names


def _fact_rows(rows: list[tuple[str, str]]) -> solara.Element:
    import html

    body = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return solara.HTML(tag="table", unsafe_innerHTML=body, classes=["sr-facts"])


@solara.component
def CrossingEditor(session: Session, crossing: str, stats: dict[str, list[float]]) -> solara.Element:
    """Facts of one crossing; its facility; a 护学岗 post with hours, staff and count."""
    t = session.t
    lang = session.lang.value
    p = session.prepared.value
    facts = next((c for c in _crossings(p) if c["id"] == crossing), None)
    guard = state.guard_of(p.data, crossing)
    hours = solara.use_reactive(guard["hours"] if guard else state.DEFAULT_GUARD_HOURS)
    staff = solara.use_reactive(guard["staff"] if guard else state.DEFAULT_STAFF)
    count = solara.use_reactive(int(guard["count"]) if guard else 1)
    names = facility_names(lang)
    staff_label = staff_names(lang)
    with solara.Card(f"{t['crossing']} {crossing}", classes=["sr-crossing-editor"], margin=0) as card:
        if facts is None:
            solara.Text("?")
            return card
        st = stats.get(crossing)
        rows = [(t["facility"], names.get(facts["f"], facts["f"])),
                (t["road"], f"{facts['road']} ({facts['hw']})"),
                (t["lanes"], f"{facts['lanes']} · {facts['len']} m"),
                (t["speed_limit"], f"{facts['limit']} km/h · {t['p85']} {facts['p85']} km/h"),
                (t["volume"], f"{facts['vph']} veh/h")]
        if st:
            rows += [(t["uses"], f"{st[0]}"), (t["mean_wait"], f"{st[1]} s"), (t["conflicts"], f"{st[2]}"),
                     (t["risk"], f"{st[3]:.3g}")]
        else:
            rows.append((t["risk"], t["no_run"]))
        _fact_rows(rows)
        if not p.editable(crossing):
            return card
        original = p.original_facility(crossing)
        now = state.facility_of(p.data, crossing, original=original)

        def set_facility(facility: str) -> None:
            session.edit(state.with_facility(session.data, crossing, facility, original=original))

        solara.Text(t["facility"], style={"font-weight": "bold"})
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            for f in FACILITIES:
                solara.Button(names[f], on_click=lambda f=f: set_facility(f), small=True,
                              color="primary" if f == now else None, outlined=f != now,
                              classes=[f"sr-facility-{f}"])
        solara.Text(t["guard_post"], style={"font-weight": "bold"})
        staff_values = [staff_label.get(s, s) for s in staff_types()]

        def apply_guard() -> None:
            session.edit(state.with_guard(session.data, crossing, hours=hours.value.strip(),
                                          staff=staff.value, count=int(count.value or 1)))

        with solara.Column(gap="2px"):
            solara.InputText(t["hours"], value=hours, classes=["sr-guard-hours"])
            solara.Select(t["staff"], values=staff_values, value=staff_label.get(staff.value, staff.value),
                          on_value=lambda v: staff.set(_key(staff_label, v)), classes=["sr-guard-staff"])
            solara.InputInt(t["count"], value=count, classes=["sr-guard-count"])
            with solara.Row(gap="4px"):
                solara.Button(t["apply"] if guard else t["add_guard"], on_click=apply_guard, color="primary",
                              small=True, classes=["sr-guard-apply"])
                if guard:
                    solara.Button(t["remove_guard"], small=True, outlined=True, classes=["sr-guard-remove"],
                                  on_click=lambda: session.edit(state.without_guard(session.data, crossing)))
        RoadLevers(session, "crossings", crossing)
    return card


def _key(labels: dict[str, str], shown: str) -> str:
    return next((k for k, v in labels.items() if v == shown), shown)


def _crossings(p: Any) -> list[dict[str, Any]]:
    from simulator.ui.mapdata import crossing_list

    return crossing_list(p.setting, frame=p.frame)


@solara.component
def StreetEditor(session: Session, edge: str) -> solara.Element:
    """A speed limit (optionally during some hours) and speed humps on one street."""
    t = session.t
    p = session.prepared.value
    now = state.street_measures(p.data, edge)
    limit = solara.use_reactive(int(now["limit_kmh"] or 0))
    hours = solara.use_reactive(now["hours"] or "")
    humps = solara.use_reactive(bool(now["humps"]))
    road = next(({"name": d.get("name") or "-", "hw": d.get("highway", ""), "limit": d.get("maxspeed")}
                 for u, v, k, d in p.network.street.edges(keys=True, data=True)
                 if street_edge_id(u, v, k) == edge), {"name": "-", "hw": "", "limit": ""})

    def apply() -> None:
        kmh = float(limit.value) if limit.value else None
        session.edit(state.with_street(session.data, edge, limit_kmh=kmh, humps=humps.value,
                                       hours=hours.value.strip() or None))

    with solara.Card(f"{t['street']} {edge}", classes=["sr-street-editor"], margin=0) as card:
        _fact_rows([(t["road"], f"{road['name']} ({road['hw']})"),
                    (t["speed_limit"], f"{road['limit']} km/h")])
        solara.InputInt(t["limit_kmh"], value=limit, classes=["sr-street-limit"])
        solara.InputText(t["only_hours"], value=hours)
        solara.Checkbox(label=t["humps"], value=humps)
        solara.Button(t["apply"], on_click=apply, color="primary", small=True, classes=["sr-street-apply"])
        RoadLevers(session, "edges", edge)
    return card


@solara.component
def ZoneEditor(session: Session, zone: dict[str, float]) -> solara.Element:
    """A drawn circle becomes a speed-limit and/or humps zone."""
    t = session.t
    p = session.prepared.value
    radius = solara.use_reactive(round(zone["r"]))
    limit = solara.use_reactive(30)
    hours = solara.use_reactive("07:00-08:30")
    humps = solara.use_reactive(False)

    def add() -> None:
        center = p.frame.real(zone["x"], zone["y"])
        if session.edit(state.with_zone(session.data, center=center, radius_m=radius.value,
                                          limit_kmh=float(limit.value) if limit.value else None,
                                          humps=humps.value, hours=hours.value.strip() or None)):
            session.selected.set(None)

    with solara.Card(t["new_zone"], classes=["sr-zone-editor"], margin=0) as card:
        solara.InputInt(t["radius"], value=radius)
        solara.InputInt(t["limit_kmh"], value=limit)
        solara.InputText(t["only_hours"], value=hours)
        solara.Checkbox(label=t["humps"], value=humps)
        solara.Button(t["apply"], on_click=add, color="primary", small=True, classes=["sr-zone-apply"])
    return card


def words(lang: str) -> Words:
    """How the list of changes names things: crossings by id, the page's facility and staff words."""
    return Words(lang, facility=facility_names(lang), staff=staff_names(lang))


@solara.component
def ChangesPanel(session: Session) -> solara.Element:
    """The scenario's interventions, each removable."""
    t = session.t
    p = session.prepared.value
    changes = p.scenario.interventions  # as validated from p.data["interventions"], in its order
    said = words(session.lang.value)
    with solara.Column(gap="2px", classes=["sr-changes"]) as col:
        solara.Text(t["changes"], style={"font-weight": "bold"})
        if not changes:
            solara.Text(t["no_changes"], style={"color": "#78909c"})
        for i, change in enumerate(changes):
            with solara.Row(gap="4px", style={"align-items": "center"}):
                solara.Button(icon_name="mdi-close", small=True, text=True, classes=["sr-change-remove"],
                              on_click=lambda i=i: session.edit(state.without_change(session.data, i)))
                solara.Text(describe(change, said), style={"font-size": "12px"})
    return col


@solara.component
def RulesPanel(session: Session) -> solara.Element:
    """School-wide rules: drivers' yielding (enforcement) and the drop-off ban."""
    t = session.t
    p = session.prepared.value
    levels = enforcement_names(session.lang.value)
    radius = state.dropoff_radius(p.data)
    size = solara.use_reactive(int(radius or 150))

    def set_dropoff(on: bool) -> None:
        session.edit(state.with_dropoff(session.data, float(size.value or 150) if on else None))

    with solara.Column(gap="2px", classes=["sr-rules"]) as col:
        solara.Text(t["rules"], style={"font-weight": "bold"})
        def enforce(shown: str) -> None:
            session.edit(state.with_field(session.data, "enforcement", _key(levels, shown)))

        def resize(radius_m: int | None) -> None:
            session.edit(state.with_dropoff(session.data, float(radius_m or 150)))

        solara.Select(t["enforcement"], values=[levels[e] for e in ENFORCEMENT],
                      value=levels[p.data.get("enforcement", "normal")], classes=["sr-enforcement"],
                      on_value=enforce)
        solara.Checkbox(label=t["dropoff"], value=radius is not None, on_value=set_dropoff)
        if radius is not None:
            solara.InputInt(t["dropoff_radius"], value=size, on_value=resize)
    return col
