"""Editing more levers: lanes and volume at a crossing or street; children, education, start times."""

from __future__ import annotations

import solara

from simulator.scenario.interventions import OLDEST, YOUNGEST
from simulator.ui import levers
from simulator.ui.context import Session
from simulator.ui.levers import Where

DEFAULT_STAGGER_BELL = "08:00"
DEFAULT_STAGGER_AGES = (10, 11, 12)


@solara.component
def RoadLevers(session: Session, where: Where, ident: str) -> solara.Element:
    """Lanes per direction (a road diet) and the peak-hour volume at one crossing or street edge."""
    t = session.t
    now = levers.road_levers(session.prepared.value.data, where, ident)
    lanes = solara.use_reactive(now["lanes"] or 0)
    vph = solara.use_reactive(int(now["vph"][0]) if now["vph"] else 0)
    other = solara.use_reactive(int(now["vph"][1]) if now["vph"] and now["vph"][1] != now["vph"][0] else 0)

    def apply() -> None:
        data = levers.with_lanes(session.data, where, ident, int(lanes.value or 0) or None)
        a, b = int(vph.value or 0), int(other.value or 0)
        volume = (float(a or b), float(b or a)) if a or b else None
        session.edit(levers.with_volume(data, where, ident, volume))

    with solara.Column(gap="2px", classes=["sr-road-levers"]) as col:
        solara.Text(t["road_levers"], style={"font-weight": "bold"})
        solara.InputInt(t["lanes_per_direction"], value=lanes, classes=["sr-lanes"])
        solara.InputInt(t["vph"], value=vph, classes=["sr-vph"])
        solara.InputInt(t["vph_other"], value=other, classes=["sr-vph-other"])
        with solara.Row(gap="4px"):
            solara.Button(t["apply"], on_click=apply, color="primary", small=True, classes=["sr-road-apply"])
    return col


@solara.component
def SchoolLevers(session: Session) -> solara.Element:
    """Children walking, road-safety education and a staggered start for some ages."""
    t = session.t
    p = session.prepared.value
    share = levers.education_share(p.data)
    stagger = levers.start_time(p.data)
    bell = solara.use_reactive(stagger["bell"] if stagger else DEFAULT_STAGGER_BELL)
    chosen = (stagger["ages"] or ()) if stagger else DEFAULT_STAGGER_AGES
    ages = solara.use_reactive([str(a) for a in chosen])

    def set_children(n: int | None) -> None:
        if n and n != p.setting.n_children:
            session.edit(levers.with_children(session.data, int(n)))

    def set_education(percent: int | None) -> None:
        session.edit(levers.with_education(session.data, (percent or 0) / 100 or None))

    def set_stagger(on: bool) -> None:
        session.edit(levers.with_start_time(session.data, bell.value.strip() if on else None,
                                            [int(a) for a in ages.value]))

    def apply_stagger() -> None:
        set_stagger(True)

    with solara.Column(gap="2px", classes=["sr-school-levers"]) as col:
        solara.Text(t["school_levers"], style={"font-weight": "bold"})
        solara.InputInt(t["children_count"], value=p.setting.n_children, on_value=set_children,
                        classes=["sr-children"])
        solara.InputInt(t["education"], value=round(100 * (share or 0)), on_value=set_education,
                        classes=["sr-education"])
        with solara.Div(classes=["sr-stagger"]):
            solara.Checkbox(label=t["staggered"], value=stagger is not None, on_value=set_stagger)
        if stagger is not None:
            solara.InputText(t["stagger_bell"], value=bell, classes=["sr-stagger-bell"])
            solara.Text(t["stagger_ages"], style={"font-size": "12px", "color": "#546e7a"})
            solara.ToggleButtonsMultiple(value=ages, values=[str(a) for a in range(YOUNGEST, OLDEST + 1)],
                                         dense=True, classes=["sr-stagger-ages"])
            with solara.Row(gap="4px"):
                solara.Button(t["apply"], on_click=apply_stagger, color="primary", small=True,
                              classes=["sr-stagger-apply"])
    return col
