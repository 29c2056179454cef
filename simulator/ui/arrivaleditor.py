"""Editing the arrival levers: 即停即走区, 电动自行车停放区, 校车 and the distance at which half walk.

Numbers are typed as text and checked by :func:`simulator.ui.arrivallevers.number_in`
against the schema's bounds in the unit the page shows; a bad one is refused
in the page's words (its label, what was typed, what is allowed) and the
scenario stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from simulator.arrival import GATE_STOP
from simulator.ui import arrivallevers as al
from simulator.ui.context import Session

SMALL = {"font-size": "12px", "color": "#546e7a"}


def _bound(x: float) -> str:
    return f"{x:g}"


def number_setter(session: Session, label: str, limits: tuple[float, float], *, whole: bool,
                  apply: Callable[[float | None], Any], empty: bool = False) -> Callable[[str], None]:
    """An ``on_value`` for a text field: the number applied, or refused in the page's words.

    ``empty``: an empty field is allowed and applies None.
    """
    t = session.t

    def on_text(text: str) -> None:
        text = str(text or "").strip()
        if not text and empty:
            apply(None)
            return
        value = al.number_in(text, *limits, whole=whole)
        if value is None:
            words = t["bad_number"] if whole else t["bad_decimal"]
            session.fail(words.format(label, text or '""', _bound(limits[0]), _bound(limits[1])))
            return
        apply(value)

    return on_text


def _switched_metres(session: Session, *, on: tuple[str, str], metres: tuple[str, str], value: float | None,
                     bounds: tuple[float, float], switch: Callable[[bool], None],
                     apply: Callable[[float | None], Any]) -> None:
    """A measure switched on by a box, with its metres (text key and CSS class of each) once on."""
    t = session.t
    with solara.Div(classes=[on[1]]):
        solara.Checkbox(label=t[on[0]], value=value is not None, on_value=switch)
    if value is not None:
        solara.InputText(t[metres[0]], value=f"{value:g}", continuous_update=False,
                         on_value=number_setter(session, t[metres[0]], bounds, whole=True, apply=apply),
                         classes=[metres[1]])


@solara.component
def ArrivalLevers(session: Session) -> solara.Element:
    """The gate's 即停即走 zone and e-bike parking, a school bus, and how far pupils walk."""
    t = session.t
    p = session.prepared.value
    kiss = al.kiss_and_ride(p.data)
    parking = al.ebike_parking(p.data)
    bus = al.school_bus(p.data)
    d50 = al.walk_d50(p.data)
    stops = [GATE_STOP, *sorted(p.network.stop_nodes)]
    names = p.network.stop_names
    stop_label = {s: (t["stop_gate"] if s == GATE_STOP else f"{names.get(s) or s} ({s})") for s in stops}

    def set_kiss(on: bool) -> None:
        session.edit(al.with_kiss_and_ride(session.data, al.DEFAULT_KISS_M if on else None))

    def set_parking(on: bool) -> None:
        session.edit(al.with_ebike_parking(session.data, al.DEFAULT_EBIKE_WALK_M if on else None))

    def set_bus(percent: float | None) -> None:
        now = al.school_bus(session.data)
        stop = now["stop"] if now else GATE_STOP
        session.edit(al.with_school_bus(session.data, (percent or 0) / 100, stop=stop))

    def set_stop(shown: str) -> None:
        now = al.school_bus(session.data)
        stop = next((s for s, w in stop_label.items() if w == shown), shown)
        if now:
            session.edit(al.with_school_bus(session.data, now["share"], stop=stop))

    with solara.Column(gap="2px", classes=["sr-arrival-levers"]) as col:
        solara.Text(t["arrival_levers"], style={"font-weight": "bold"})
        _switched_metres(session, on=("kiss_and_ride", "sr-kiss"),
                         metres=("kiss_length", "sr-kiss-length"), value=kiss, bounds=al.KISS_BOUNDS,
                         switch=set_kiss,
                         apply=lambda v: session.edit(al.with_kiss_and_ride(session.data, v)))
        _switched_metres(session, on=("ebike_parking", "sr-ebike-parking"),
                         metres=("ebike_walk", "sr-ebike-walk"), value=parking, bounds=al.EBIKE_BOUNDS,
                         switch=set_parking,
                         apply=lambda v: session.edit(al.with_ebike_parking(session.data, v)))
        solara.InputText(t["school_bus"], value=f"{100 * bus['share']:g}" if bus else "0",
                         continuous_update=False,
                         on_value=number_setter(session, t["school_bus"], al.SCHOOL_BUS_BOUNDS, whole=True,
                                                apply=set_bus),
                         classes=["sr-school-bus"])
        if bus is not None:
            solara.Select(t["school_bus_stop"], values=[stop_label[s] for s in stops],
                          value=stop_label.get(bus["stop"], bus["stop"]), on_value=set_stop,
                          classes=["sr-school-bus-stop"])
        solara.InputText(t["walk_d50"], value=f"{d50:g}" if d50 is not None else "", continuous_update=False,
                         on_value=number_setter(session, t["walk_d50"], al.D50_BOUNDS, whole=False,
                                                empty=True, apply=lambda v: session.edit(
                                                    al.with_walk_d50(session.data, v))),
                         classes=["sr-walk-d50"])
        solara.Text(t["ride_not_simulated"], style=SMALL)
    return col
