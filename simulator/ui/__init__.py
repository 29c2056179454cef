"""The Solara web UI: map, editing, comparison (``solara run app.py`` or ``saferoute ui``).

Logic without Solara, tested without a browser: ``state`` (editing a scenario
mapping), ``session`` (preparing an edit, the scenario catalogue), ``mapdata``
(what the map draws), ``jobs`` (a run streamed slice by slice, comparisons in
worker processes), ``uploads`` (size-limited, safely parsed files; writes only
in the work folder), ``charts`` (figures and tables), ``texts`` (简体中文 and
English) and ``assets`` (Solara's front-end files for offline use).

Components that lay it out: ``widgets`` (the map ``mapview.vue`` and the
upload box ``upload.vue``), ``editor``, ``sidebar``, ``mappage``,
``comparepage``, ``context`` (one session's state) and ``page`` (the whole
page). Nothing here is imported by the core.
"""
