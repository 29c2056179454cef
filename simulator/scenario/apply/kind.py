"""One intervention type's home: its model, how it changes a draft setting, how it reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from simulator.scenario.apply.draft import Draft
from simulator.scenario.apply.words import Words


@dataclass(frozen=True)
class Kind[T: BaseModel]:
    """An intervention type: the model, its applier and its one-line description.

    Attributes
    ----------
    model
        The scenario model (:mod:`simulator.scenario.interventions`).
    apply
        Changes the draft as the intervention says; raises
        :class:`~simulator.scenario.apply.draft.RefusedError` for what this site
        cannot take.
    describe
        What it changes and where, in one line of the words' language.
    """

    model: type[T]
    apply: Callable[[T, Draft], None]
    describe: Callable[[T, Words], str]

    @property
    def type(self) -> str:
        """The ``type`` a scenario file gives it."""
        return str(self.model.model_fields["type"].default)
