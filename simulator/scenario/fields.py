"""Field types shared by the scenario models: times, time windows, id lists.

Times of day are normalised to ``"HH:MM"`` strings, time windows to
:class:`TimeWindow` (written ``"HH:MM-HH:MM"`` in files), lists of ids to tuples.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

from simulator.params import clock_seconds
from simulator.scenario import rules
from simulator.scenario.rules import Rule, problems


class Frozen(BaseModel):
    """Base of every scenario model: immutable, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, Rule("a non-empty text", before=rules.text)]
ClockTime = Annotated[str, Rule('a time of day HH:MM, e.g. "08:20"', before=rules.clock)]


class TimeWindow(Frozen):
    """A time window of one morning, ``start`` to ``end`` (``"HH:MM"``)."""

    start: ClockTime
    end: ClockTime

    def seconds(self) -> tuple[float, float]:
        """Start and end in seconds after midnight."""
        return clock_seconds(self.start), clock_seconds(self.end)

    def __str__(self) -> str:
        """``"HH:MM-HH:MM"``, as written in scenario files."""
        return f"{self.start}-{self.end}"


Hours = Annotated[
    TimeWindow,
    Rule('a time window HH:MM-HH:MM, e.g. "07:10-08:30"', before=rules.window),
    PlainSerializer(str, return_type=str),
]
CrossingIds = Annotated[
    tuple[str, ...], Rule("a non-empty list of crossing ids, e.g. [x12-13]", before=rules.ids)
]
EdgeIds = Annotated[
    tuple[str, ...], Rule("a non-empty list of street edge ids, e.g. [e3-4]", before=rules.ids)
]


def ordered(window: TimeWindow | None, what: str) -> TimeWindow | None:
    """``window`` unchanged, or an error if it does not end after it starts."""
    if window is None or window.end > window.start:
        return window
    if window.end == window.start:
        raise problems([((), f"{what} starts and ends at {window.start} "
                             "(allowed: an end later than the start)")])
    raise problems([((), f"{what} ends ({window.end}) before it starts ({window.start}) "
                         "(allowed: an end later than the start)")])
