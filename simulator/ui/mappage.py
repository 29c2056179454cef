"""The map page: the district with children walking, a run in the background, the editors."""

from __future__ import annotations

import html
import time
from collections.abc import Iterator, Mapping
from typing import Any

import solara
import solara.lab

from simulator.metric import METRICS
from simulator.trajectory import trajectories
from simulator.ui import mapdata
from simulator.ui.context import Session
from simulator.ui.editor import CrossingEditor, StreetEditor, ZoneEditor
from simulator.ui.jobs import stepped_run
from simulator.ui.session import Prepared, facility_labels, map_layers, palette, site_key
from simulator.ui.sidebar import Sidebar
from simulator.ui.texts import metric_names, risk_notes
from simulator.ui.widgets import MapCanvas

PUSH_EVERY_S = 1.5
SHOWN = ("severe_per_100k_trips", "deaths_per_100k_trips", "severe_per_year", "deaths_per_year",
         "conflicts_per_100_trips", "wait_per_trip_s", "late_pct")
"""The figures of a single run's summary (labels and decimals from :mod:`simulator.metric`)."""


def run_frames(p: Prepared, seed: int, run: int, *, every: float = PUSH_EVERY_S) -> Iterator[dict[str, Any]]:
    """One run, slice by slice: the keyframes so far, and the crossings' figures at the end.

    The first slice is sent at once (the animation starts); later slices only
    when ``every`` seconds have passed since the last one was sent (each send
    re-sends the keyframes), and the end always.
    """
    sent = None
    for model, result in stepped_run(p.setting, seed):
        if result is None and sent is not None and time.perf_counter() - sent < every:
            continue
        sent = time.perf_counter()
        traj = trajectories(model)
        yield {
            "traj": mapdata.trajectory_props(traj, frame=p.frame, run=run, final=result is not None),
            "stats": (mapdata.crossing_stats(result.crossings, children=result.summary["children"])
                      if result is not None else {}),
            "summary": dict(result.summary) if result is not None else None,
            "params": p.setting.params,
            "scenario": p.scenario.name,
            "site": site_key(p),
        }


def summary_rows(summary: Mapping[str, float], *, lang: str) -> list[tuple[str, str]]:
    """(label with unit, value) of the single run's headline figures, each with its own decimals."""
    names = metric_names(lang)
    return [(names[k], f"{summary[k]:.{METRICS[k].decimals}f}") for k in SHOWN if k in summary]


@solara.component
def RunSummary(session: Session, value: dict[str, Any]) -> solara.Element:
    """The single run's headline figures (one seed: see the compare page for intervals), how the
    casualties a year are made and how the risk is calibrated."""
    lang = session.lang.value
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td class='sr-num'>{html.escape(v)}</td></tr>"
                   for k, v in summary_rows(value["summary"], lang=lang))
    with solara.Column(gap="2px") as col:
        solara.HTML(tag="table", unsafe_innerHTML=rows, classes=["sr-run-summary", "sr-facts"])
        with solara.Column(gap="2px", classes=["sr-risk-notes"]):
            for line in risk_notes(value["params"], lang):
                solara.Text(line, style={"color": "#607d8b", "font-size": "12px"})
    return col


@solara.component
def MapPage(session: Session, maps: solara.Reactive[dict]) -> solara.Element:
    """Sidebar, map with animation controls, and the editor of what was clicked."""
    t = session.t
    lang = session.lang.value
    p = session.prepared.value
    seed = solara.use_reactive(1)
    run_number = solara.use_ref(0)

    def start(prepared: Prepared, seed_value: int, number: int) -> Iterator[dict[str, Any]]:
        yield from run_frames(prepared, seed_value, number)

    task: Any = solara.lab.use_task(start, dependencies=None)

    def press_run() -> None:
        run_number.current += 1
        task(session.prepared.value, int(seed.value or 1), run_number.current)

    base = solara.use_memo(lambda: mapdata.base_map(p.network, school_name=p.site.school.name, frame=p.frame),
                           [site_key(p)])
    layers = solara.use_memo(lambda: map_layers(p, lang=lang), [p, lang])
    value: dict[str, Any] | None = task.latest
    if value is not None and value["site"] != site_key(p):
        value = None  # a run of another site: not drawn on this map
    stats = value["stats"] if value else {}
    selected = session.selected.value

    def pick_crossing(cid: str) -> None:
        session.selected.set({"kind": "crossing", "id": cid})

    def pick_street(edge: str) -> None:
        session.selected.set({"kind": "street", "id": edge})

    def drawn(zone: dict[str, Any]) -> None:
        session.selected.set({"kind": "zone", "x": float(zone["x"]), "y": float(zone["y"]),
                              "r": float(zone["r"])})

    with solara.Row(gap="14px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}) as row:
        Sidebar(session, maps)
        with solara.Column(gap="6px", style={"min-width": "870px"}):
            with solara.Row(gap="8px", style={"align-items": "center"}):
                solara.Button(t["run"], on_click=press_run, color="primary", disabled=task.pending,
                              classes=["sr-run"])
                solara.InputInt(t["seed"], value=seed, style={"max-width": "90px"}, classes=["sr-seed"])
                if task.pending:
                    solara.Text(t["running"], classes=["sr-running"])
                elif value and value["summary"] is not None:
                    solara.Text(f"{value['scenario']} · {t['seed']} {seed.value}", classes=["sr-run-done"])
            solara.ProgressLinear(task.pending)
            if task.error:
                solara.Error(str(task.exception), classes=["sr-error"])
            MapCanvas(base=base, crossings=layers["crossings"], overlay=layers["overlay"], stats=stats,
                      traj=value["traj"] if value else None, texts=t, facilities=facility_labels(lang),
                      palette=palette(), selected=(selected or {}).get("id", "") if selected else "",
                      event_crossing_click=pick_crossing, event_street_click=pick_street,
                      event_zone_drawn=drawn)
            if value is None:
                solara.Text(t["press_run"], style={"color": "#607d8b"})
            solara.Text(t["hint_map"], style={"color": "#607d8b", "font-size": "12px"})
        with solara.Column(gap="8px", style={"min-width": "300px", "max-width": "340px"}):
            if selected and selected["kind"] == "crossing":
                CrossingEditor(session, selected["id"], stats).key(f"c-{selected['id']}")
            elif selected and selected["kind"] == "street":
                StreetEditor(session, selected["id"]).key(f"s-{selected['id']}")
            elif selected and selected["kind"] == "zone":
                ZoneEditor(session, selected).key(f"z-{selected['x']}-{selected['y']}")
            if selected:
                solara.Button(t["close"], on_click=lambda: session.selected.set(None), text=True, small=True)
            if value and value["summary"] is not None:
                RunSummary(session, value)
    return row
