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
        with solara.Div(classes=["sr-kiss"]):
            solara.Checkbox(label=t["kiss_and_ride"], value=kiss is not None, on_value=set_kiss)
        if kiss is not None:
            solara.InputText(t["kiss_length"], value=f"{kiss:g}", continuous_update=False,
                             on_value=number_setter(session, t["kiss_length"], al.KISS_BOUNDS, whole=True,
                                                    apply=lambda v: session.edit(
                                                        al.with_kiss_and_ride(session.data, v))),
                             classes=["sr-kiss-length"])
        with solara.Div(classes=["sr-ebike-parking"]):
            solara.Checkbox(label=t["ebike_parking"], value=parking is not None, on_value=set_parking)
        if parking is not None:
            solara.InputText(t["ebike_walk"], value=f"{parking:g}", continuous_update=False,
                             on_value=number_setter(session, t["ebike_walk"], al.EBIKE_BOUNDS, whole=True,
                                                    apply=lambda v: session.edit(
                                                        al.with_ebike_parking(session.data, v))),
                             classes=["sr-ebike-walk"])
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
