"""The whole page: header (title, tabs, language), messages, the map page and the compare page.

Every piece of state is created here with ``use_reactive``/``use_ref``, so
each browser session has its own scenario, model runs and comparisons.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import solara

from simulator.ui import jobs, state
from simulator.ui.comparepage import ComparePage
from simulator.ui.context import Session
from simulator.ui.inbox import Inbox
from simulator.ui.mappage import MapPage
from simulator.ui.recommendpage import RecommendPage
from simulator.ui.session import catalogue, prepare
from simulator.ui.texts import texts
from simulator.ui.uploads import work_folder

WARM_UP_AFTER_S = 4.0
CSS = """
.sr-header { display: flex; align-items: center; gap: 16px; padding: 6px 12px; background: #1e3a5f;
             color: #fff; }
.sr-header .sr-title { font-size: 20px; font-weight: bold; }
.sr-header .v-btn { text-transform: none; }
.sr-body { padding: 10px 12px; }
.sr-facts td { padding: 1px 8px 1px 0; font-size: 13px; vertical-align: top; }
.sr-facts td:first-child { color: #546e7a; white-space: nowrap; }
.sr-table { border-collapse: collapse; font-size: 13px; }
.sr-table th, .sr-table td { border: 1px solid #cfd8dc; padding: 3px 8px; text-align: left; }
.sr-table th { background: #eceff1; }
.sr-table td.sr-noise { color: #8d6e63; font-style: italic; }
.sr-yaml { background: #f5f5f5; padding: 6px; }
.sr-recommend .sr-table { align-self: flex-start; }
.sr-stagger-ages .v-btn { min-width: 38px !important; padding: 0 4px !important; }
.v-btn { text-transform: none !important; }
"""


@solara.component
def Page() -> solara.Element:
    """The saferoute page (``solara run app.py``)."""
    files = solara.use_memo(catalogue, [])
    cache: Any = solara.use_ref({})
    first = next(iter(files))
    initial = solara.use_memo(
        lambda: prepare(state.mapping_of(files[first]), origin=first, cache=cache.current), [])
    session = Session(
        lang=solara.use_reactive("zh"),
        prepared=solara.use_reactive(initial),
        selected=solara.use_reactive(None),
        error=solara.use_reactive(""),
        notice=solara.use_reactive(""),
        scenarios=solara.use_reactive(dict(files)),
        cache=cache.current,
        folder=solara.use_memo(work_folder, []),
        inbox=solara.use_memo(Inbox, []),
        seeds=solara.use_reactive(10),
    )
    tab = solara.use_reactive("map")
    maps: Any = solara.use_reactive({})
    warmed = solara.use_ref(False)
    t = texts(session.lang.value)

    def warm_up() -> None:
        # the comparison's worker processes fork from a server that has the engine imported:
        # start it a little after the page is shown, or at once when the compare tab opens
        if not warmed.current:
            warmed.current = True
            threading.Thread(target=jobs.warm_up, daemon=True).start()

    def later() -> Callable[[], None]:
        timer = threading.Timer(WARM_UP_AFTER_S, warm_up)
        timer.daemon = True
        timer.start()
        return timer.cancel

    solara.use_effect(later, [])

    def open_tab(name: str) -> None:
        tab.set(name)
        if name in ("compare", "recommend"):
            warm_up()

    with solara.Column(gap="0px", classes=["sr-page"], style={"min-width": "1560px"}) as page:
        solara.Title(t["title"])
        solara.Style(CSS)
        with solara.Div(classes=["sr-header"]):
            solara.Text(t["title"], classes=["sr-title"])
            for name in ("map", "compare", "recommend"):
                here = tab.value == name
                solara.Button(t[f"tab_{name}"], on_click=lambda name=name: open_tab(name),
                              color="white" if here else None, text=not here, classes=[f"sr-tab-{name}"],
                              style={"color": "#1e3a5f" if here else "#fff"})
            solara.Div(style={"flex-grow": "1"})
            other = "en" if session.lang.value == "zh" else "zh"
            solara.Button(t["language"], on_click=lambda: session.lang.set(other),
                          outlined=True, classes=["sr-lang"], style={"color": "#fff"})
        with solara.Column(gap="8px", classes=["sr-body"]):
            with solara.Div(classes=["sr-messages"], style={"min-height": "44px"}):  # no layout shift
                if session.error.value:
                    solara.Error(session.error.value, classes=["sr-error"], dense=True)
                elif session.notice.value:
                    solara.Success(session.notice.value, classes=["sr-notice"], dense=True)
            with solara.Div(style={"display": "block" if tab.value == "map" else "none"},
                            classes=["sr-map-page"]):
                MapPage(session, maps)
            with solara.Div(style={"display": "block" if tab.value == "compare" else "none"},
                            classes=["sr-compare-page"]):
                ComparePage(session)
            with solara.Div(style={"display": "block" if tab.value == "recommend" else "none"},
                            classes=["sr-recommend-page"]):
                RecommendPage(session)
    return page
