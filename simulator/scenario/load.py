"""Reading, validating and writing scenario files, with one-line errors.

Every problem is reported as ``<file>: <field path>: <what is wrong> (allowed:
<what is allowed>)``; all problems of a file are collected and raised together
as one :class:`~simulator.errors.ScenarioError` whose message is a single line.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from simulator.errors import ScenarioError
from simulator.limits import MAX_NUMBER_CHARS, MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES
from simulator.scenario.interventions import INTERVENTION_ERROR, INTERVENTION_TYPES
from simulator.scenario.rules import NOT_ALLOWED, PROBLEMS, Rule, show
from simulator.scenario.schema import Scenario

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class _YamlBoundError(yaml.YAMLError):
    """A YAML document beyond the loader's bounds (depth, expanded size, self-reference)."""


class _Loader(yaml.SafeLoader):
    """YAML 1.1 safe loader without base-60 numbers (``8:20`` stays text); notes duplicate keys.

    Bounded: nesting deeper than :data:`~simulator.limits.MAX_YAML_DEPTH`, more than
    :data:`~simulator.limits.MAX_YAML_NODES` nodes once aliases are expanded (an
    alias bomb), or an alias inside its own anchor are refused while the document
    is composed, before any Python object is built.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []
        self._depth = 0
        self._sizes: dict[int, int] = {}  # expanded node count of every finished node
        self._total = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node, counting it (an alias at its expanded size) against the bounds."""
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                msg = (f"line {line}: the alias *{event.anchor} is used inside its own anchor "
                       "(allowed: aliases to values defined before)")
                raise _YamlBoundError(msg)
            self._count(self._sizes.get(id(target), 1), line)
            return super().compose_node(parent, index)
        if self._depth >= MAX_YAML_DEPTH:
            msg = f"line {line}: nested more than {MAX_YAML_DEPTH} levels deep (allowed: up to that)"
            raise _YamlBoundError(msg)
        before = self._total
        self._count(1, line)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._sizes[id(node)] = self._total - before
        return node

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """An integer, refused beyond :data:`MAX_NUMBER_CHARS` characters (no scenario needs more)."""
        if len(str(node.value)) > MAX_NUMBER_CHARS:
            msg = (f"line {node.start_mark.line + 1}: a number of {len(str(node.value)):,} characters "
                   f"(allowed: up to {MAX_NUMBER_CHARS})")
            raise _YamlBoundError(msg)
        return int(super().construct_yaml_int(node))

    def _count(self, nodes: int, line: int) -> None:
        self._total += nodes
        if self._total > MAX_YAML_NODES:
            msg = (f"line {line}: more than {MAX_YAML_NODES:,} values once aliases are expanded "
                   f"(allowed: up to {MAX_YAML_NODES:,}; an alias bomb?)")
            raise _YamlBoundError(msg)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, noting keys that appear twice (YAML keeps only the last)."""
        seen: set[str] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if isinstance(key, str) and key != "<<":
                if key in seen:
                    self.duplicates.append(
                        f"line {key_node.start_mark.line + 1}: {key} appears twice in one mapping "
                        "(only the last would count)")
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.add_constructor(_INT, _Loader.construct_yaml_int)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)"
                     r"|[-+]?0x[0-9a-fA-F_]+)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT, re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
                       r"|\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                       r"|\.(?:nan|NaN|NAN))$"), list("-+0123456789."))


# --- public API --------------------------------------------------------------------


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path
        The YAML file. A relative ``site.map`` is taken from this file's folder.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        If the file is missing, unreadable, not YAML or not a valid scenario;
        the message lists every problem on one line.
    """
    origin = str(path)
    data, notes = _read_yaml(Path(path), origin=origin)
    if data is None:
        raise ScenarioError(f"{origin}: the file is empty "
                            "(allowed: a scenario, at least name: ...)")
    return _validate(data, origin=origin, base=Path(path).parent, notes=notes)


def scenario_from_yaml(
    text: str | bytes,
    *,
    origin: str,
    base: str | os.PathLike[str] | None = None,
) -> Scenario:
    """Validate a scenario given as YAML text (an uploaded file), with the same errors as a file.

    Parameters
    ----------
    text
        The file's content (bytes are decoded as UTF-8, with or without a BOM).
    origin
        The file's name, for error messages.
    base
        Folder a relative ``site.map`` is taken from (default: the current folder).

    Raises
    ------
    ScenarioError
        If the text is not UTF-8, not YAML or not a valid scenario (one line).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as bad:
            raise ScenarioError(f"{origin} is not UTF-8 text (byte {bad.start}): save it as UTF-8"
                                ) from None
    data, notes = _parse_yaml(text, origin=origin)
    if data is None:
        raise ScenarioError(f"{origin}: the file is empty "
                            "(allowed: a scenario, at least name: ...)")
    return _validate(data, origin=origin, base=None if base is None else Path(base), notes=notes)


def scenario_from_mapping(
    data: Mapping[str, Any],
    *,
    origin: str = "<scenario>",
    base: str | os.PathLike[str] | None = None,
) -> Scenario:
    """Validate a scenario given as a mapping (as read from YAML, or built in code).

    Parameters
    ----------
    data
        The scenario's fields.
    origin
        Where the data came from, for error messages.
    base
        Folder a relative ``site.map`` is taken from (default: the current folder).

    Raises
    ------
    ScenarioError
        Listing every problem on one line.
    """
    return _validate(data, origin=origin, base=None if base is None else Path(base), notes=[])


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text that :func:`load_scenario` reads back to an equal scenario."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None,
                          width=100)


def check_references(
    scenario: Scenario, *, crossings: Collection[str], edges: Collection[str], origin: str
) -> None:
    """Check that every crossing and street edge the interventions name exists.

    Parameters
    ----------
    scenario
        The validated scenario.
    crossings, edges
        The ids of the site's crossings and street edges.
    origin
        The scenario file, for the error message.

    Raises
    ------
    ScenarioError
        Listing every unknown id, with the closest existing ids.
    """
    pools = {"crossings": set(crossings), "edges": set(edges)}
    found: list[str] = []
    for index, change in enumerate(scenario.interventions):
        for field, pool in pools.items():
            for position, ident in enumerate(getattr(change, field, None) or ()):
                if ident not in pool:
                    other = pools["edges" if field == "crossings" else "crossings"]
                    found.append(f"interventions[{index}].{field}[{position}]: "
                                 f"{_unknown_id(ident, field, pool, other)}")
    if found:
        raise ScenarioError(_one_line(f"{origin}: " + "; ".join(found)))


# --- reading ---------------------------------------------------------------------------


def _read_yaml(path: Path, *, origin: str) -> tuple[Any, list[str]]:
    """The parsed YAML document and notes on duplicate keys."""
    if path.is_dir():
        raise ScenarioError(f"{origin} is a folder, not a scenario file")
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_YAML_BYTES + 1)
        _check_size(len(data), origin=origin)
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(f"{origin} does not exist") from None
    except UnicodeDecodeError as bad:
        raise ScenarioError(f"{origin} is not UTF-8 text (byte {bad.start}): save it as UTF-8"
                            ) from None
    except OSError as bad:
        raise ScenarioError(f"{origin} cannot be read ({bad.strerror})") from None
    return _parse_yaml(text, origin=origin)


def _check_size(size: int, *, origin: str) -> None:
    """A scenario or sweep file is at most :data:`MAX_YAML_BYTES` (bytes as read, characters as uploaded)."""
    if size > MAX_YAML_BYTES:
        msg = (f"{origin} is larger than {MAX_YAML_BYTES >> 20} MiB "
               "(allowed: a scenario or sweep file, a page of text)")
        raise ScenarioError(msg)


def _parse_yaml(text: str, *, origin: str) -> tuple[Any, list[str]]:
    """The parsed YAML document and notes on duplicate keys (safe loader only, bounded)."""
    _check_size(len(text), origin=origin)
    loader = _Loader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    except _YamlBoundError as bad:
        raise ScenarioError(_one_line(f"{origin} is refused: {bad}")) from None
    except yaml.YAMLError as bad:
        raise ScenarioError(_one_line(f"{origin} is not valid YAML ({_yaml_problem(bad)})")
                            ) from None
    except ValueError as bad:  # e.g. an integer of more than 4,300 digits
        raise ScenarioError(_one_line(f"{origin} has a value that cannot be read ({bad})")) from None
    finally:
        loader.dispose()


def _yaml_problem(error: yaml.YAMLError) -> str:
    """``line N: what`` for a YAML syntax error."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return str(error)
    text = f"line {error.problem_mark.line + 1}: {error.problem or error.context}"
    if "'\\t'" in text:
        text += " — indent with spaces, not tabs"
    return text


def _validate(data: Any, *, origin: str, base: Path | None, notes: list[str]) -> Scenario:
    """Validate parsed data; raise one :class:`ScenarioError` with every problem."""
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else show(data)
        raise ScenarioError(_one_line(f"{origin}: must be a mapping at the top level "
                                      f"(name: ..., interventions: ...), not {kind}"))
    found = list(notes)
    try:
        fields = {k if isinstance(k, str) else str(k): v for k, v in data.items()}
        scenario = Scenario.model_validate(fields, context={"base": base})
    except ValidationError as error:
        found += describe(error.errors())
    if found:
        raise ScenarioError(_one_line(f"{origin}: " + "; ".join(dict.fromkeys(found))))
    return scenario


def _one_line(message: str) -> str:
    return " ".join(message.splitlines())


# --- turning pydantic's errors into planners' sentences ------------------------------------


def describe(errors: list[ErrorDetails]) -> list[str]:
    """One ``<field path>: <problem>`` line per error (pydantic's own wording replaced)."""
    lines: list[str] = []
    for error in errors:
        raw = tuple(error["loc"])
        where = _visible(raw)
        kind = error["type"]
        if kind == PROBLEMS:
            lines += [_at(where + tuple(sub), text) for sub, text in error["ctx"]["problems"]]
        elif kind == INTERVENTION_ERROR:
            lines.append(_bad_intervention(where, error["input"]))
        elif kind == "missing":
            lines.append(_at(where, f"missing (required: {_allowed_at(raw) or 'a value'})"))
        elif kind == "extra_forbidden":
            lines.append(_at(where, _unknown_field(raw)))
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            fields = ", ".join(_fields_at(raw))
            lines.append(_at(where, f"{show(error['input'])} is not allowed "
                                    f"(allowed: a mapping of {fields})"))
        elif kind == NOT_ALLOWED:
            lines.append(_at(where, error["msg"]))
        else:
            lines.append(_at(where, f"{show(error['input'])} is not allowed ({error['msg']})"))
    return lines


def _at(where: tuple[Any, ...], text: str) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
    return f"{path}: {text}" if path else text


def _visible(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The location without the union tag pydantic inserts after ``interventions[i]``."""
    if len(loc) >= 3 and loc[0] == "interventions" and loc[2] in INTERVENTION_TYPES:
        return loc[:2] + loc[3:]
    return loc


def _bad_intervention(where: tuple[Any, ...], value: Any) -> str:
    allowed = ", ".join(INTERVENTION_TYPES)
    if not isinstance(value, Mapping):
        return _at(where, f"{show(value)} is not an intervention (allowed: a mapping with "
                          f"type: one of {allowed})")
    if "type" not in value:
        return _at((*where, "type"), f"missing (required: one of {allowed})")
    kind = value["type"]
    close = difflib.get_close_matches(str(kind), list(INTERVENTION_TYPES), n=1, cutoff=0.6)
    hint = f" — did you mean {close[0]}?" if close else ""
    return _at((*where, "type"), f"{show(kind)} is not an intervention type "
                                 f"(allowed: {allowed}){hint}")


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model whose fields live at ``loc`` (pydantic's location, union tags included)."""
    current: list[type[BaseModel]] = [Scenario]
    for part in loc:
        if isinstance(part, int):
            continue
        if len(current) > 1:
            current = [INTERVENTION_TYPES[part]] if part in INTERVENTION_TYPES else []
            continue
        if len(current) != 1 or part not in current[0].model_fields:
            return None
        current = _models_in(current[0].model_fields[part].annotation)
    return current[0] if len(current) == 1 else None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in getattr(annotation, "__args__", ()) for model in _models_in(arg)]


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    model = _model_at(loc)
    return list(model.model_fields) if model else []


def _allowed_at(loc: tuple[Any, ...]) -> str | None:
    """The allowed-values text of the field at ``loc``, if it has a :class:`Rule`."""
    model = _model_at(loc[:-1])
    field = model.model_fields.get(str(loc[-1])) if model else None
    rule = next((m for m in field.metadata if isinstance(m, Rule)), None) if field else None
    return rule.text() if rule else None


def _unknown_field(loc: tuple[Any, ...]) -> str:
    names = [name for name in _fields_at(loc[:-1]) if name != "type"]
    close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
    hint = f" — did you mean {close[0]}?" if close else ""
    return f"unknown field (allowed: {', '.join(names)}){hint}"


def _unknown_id(ident: str, field: str, pool: set[str], other: set[str]) -> str:
    noun = "crossing" if field == "crossings" else "street edge"
    text = f"{ident!r} is not a {noun} of this site"
    if ident in other:
        return f"{text} (it is a {'street edge' if field == 'crossings' else 'crossing'} id)"
    close = difflib.get_close_matches(ident, pool, n=3, cutoff=0.6)
    if close:
        return f"{text} (closest: {', '.join(close)})"
    example = f", ids look like {min(pool)}" if pool else ""
    return f"{text} (no similar id{example})"
