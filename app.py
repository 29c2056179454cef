"""The saferoute web UI: ``solara run app.py`` (or ``saferoute ui``), works with no internet.

This file only assembles the page from :mod:`simulator.ui`; every session
gets its own state (see :mod:`simulator.ui.page`).
"""

from simulator.ui.assets import configure_solara

configure_solara()  # offline front-end files and no telemetry, before the first page is served

from simulator.ui.page import Page  # noqa: E402

__all__ = ["Page"]
