"""One-line messages from pydantic's errors: ``<field path>: <problem> (allowed: ...)``.

The sweep file's counterpart of :func:`simulator.scenario.load.describe`: the
same wording (field rules of :mod:`simulator.scenario.rules` already speak it),
for any root model.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from simulator.scenario.rules import NOT_ALLOWED, PROBLEMS, Rule, show


def one_line(message: str) -> str:
    """The message with its line breaks replaced by spaces."""
    return " ".join(message.splitlines())


def describe(errors: list[ErrorDetails], *, root: type[BaseModel]) -> list[str]:
    """One ``<field path>: <problem>`` text per pydantic error."""
    lines = []
    for error in errors:
        where = tuple(error["loc"])
        kind = error["type"]
        if kind == PROBLEMS:
            lines += [at(where + tuple(sub), text) for sub, text in error["ctx"]["problems"]]
        elif kind == NOT_ALLOWED:
            lines.append(at(where, error["msg"]))
        elif kind == "missing":
            lines.append(at(where, f"missing (required: {_allowed_at(root, where) or 'a value'})"))
        elif kind == "extra_forbidden":
            names = _fields_at(root, where[:-1])
            close = difflib.get_close_matches(str(where[-1]), names, n=1, cutoff=0.6)
            hint = f" — did you mean {close[0]}?" if close else ""
            lines.append(at(where, f"unknown field (allowed: {', '.join(names)}){hint}"))
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            lines.append(at(where, f"{show(error['input'])} is not allowed "
                                   f"(allowed: a mapping of {', '.join(_fields_at(root, where))})"))
        elif kind == "too_short":
            lines.append(at(where, "an empty list (allowed: one item or more)"))
        else:
            lines.append(at(where, f"{show(error['input'])} is not allowed ({error['msg']})"))
    return lines


def at(where: tuple[Any, ...], text: str) -> str:
    """``a.b[2].c: text``."""
    path = field_path(where)
    return f"{path}: {text}" if path else text


def field_path(where: tuple[Any, ...]) -> str:
    """``a.b[2].c`` for ``("a", "b", 2, "c")``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return None
        found = _models_in(current.model_fields[part].annotation)
        current = found[0] if len(found) == 1 else None
    return current


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def _fields_at(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    model = _model_at(root, loc)
    return list(model.model_fields) if model else []


def _allowed_at(root: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    model = _model_at(root, loc[:-1])
    field = model.model_fields.get(str(loc[-1])) if model else None
    rule = next((m for m in field.metadata if isinstance(m, Rule)), None) if field else None
    return rule.text() if rule else None

