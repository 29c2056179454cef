"""The state one browser session shares among its components (made per session in ``Page``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solara

from simulator.errors import SaferouteError
from simulator.scenario import Scenario
from simulator.ui.inbox import Inbox
from simulator.ui.session import Prepared, SiteCache, prepare
from simulator.ui.texts import texts

MAX_SEEDS = 200
"""Most seeds the page runs at once (the command line allows more with --yes)."""


def whole_in(value: object, low: int, high: int) -> int | None:
    """``value`` as a whole number if it is one within [low, high], else None (nothing is adjusted)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def one_line(exc: BaseException | str | None) -> str:
    """An error as the CLI prints it (one line, without the ``saferoute: error:`` prefix)."""
    return " ".join(str(exc or "").splitlines())


@dataclass(frozen=True)
class Session:
    """Reactive state of one browser session; every value was created by ``use_reactive`` in ``Page``.

    Attributes
    ----------
    lang
        ``"zh"`` or ``"en"``.
    prepared
        The edited scenario, validated and prepared (the last good one).
    selected
        What the user clicked on the map: ``{"kind": "crossing" | "street" | "zone", ...}``.
    error, notice
        The one-line error (as the CLI prints it) and the last success message.
    scenarios
        Scenario files and uploads by name (the first is the default baseline).
    cache
        This session's built sites.
    folder
        The only folder the page writes in.
    inbox
        This session's uploads still coming in (bounded).
    seeds
        Replications (seeds 1..N) of comparisons and recommendations.
    """

    lang: solara.Reactive[str]
    prepared: solara.Reactive[Prepared]
    selected: solara.Reactive[dict[str, Any] | None]
    error: solara.Reactive[str]
    notice: solara.Reactive[str]
    scenarios: solara.Reactive[dict[str, Scenario]]
    cache: SiteCache
    folder: Path
    inbox: Inbox
    seeds: solara.Reactive[int]

    @property
    def t(self) -> dict[str, str]:
        """The labels in the session's language."""
        return texts(self.lang.value)

    @property
    def data(self) -> dict[str, Any]:
        """The scenario mapping being edited, as it is now (read in event handlers, not at render)."""
        return self.prepared.value.data

    def commit(self, data: dict[str, Any], *, origin: str | None = None) -> bool:
        """Accept an edit if it validates and prepares; else show the error and keep the last state."""
        try:
            p = prepare(data, origin=origin or self.prepared.value.origin, cache=self.cache)
        except SaferouteError as exc:
            self.fail(exc)
            return False
        self.error.set("")
        self.prepared.set(p)
        return True

    def edit(self, data: dict[str, Any]) -> bool:
        """Accept a change of the scenario; a file's scenario gets an "(edited)" name on its first change."""
        source = self.scenarios.value.get(self.prepared.value.origin)  # current, not a render's copy
        if source is not None and data.get("name") == source.name:
            data = {**data, "name": source.name + self.t["edited"]}
        return self.commit(data)

    def fail(self, exc: BaseException | str) -> None:
        """Show an error (the page keeps working)."""
        self.notice.set("")
        self.error.set(exc if isinstance(exc, str) else one_line(exc))

    def tell(self, text: str) -> None:
        """Show a success message."""
        self.error.set("")
        self.notice.set(text)
