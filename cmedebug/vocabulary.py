"""Typed schemas of every event and fact kind, and the page made from them.

``cmedebug/vocabulary_table.py`` declares, section by section, each kind with
its fields and their types (one ``Row`` per documented row), with the prose
around them. ``check(kind, fields)`` says how an event's or fact's ``fields``
depart from its kind's schema; ``markdown()`` is docs/vocabulary.md, which is
generated: ``python -m cmedebug.vocabulary > docs/vocabulary.md``.

A schema validates ``kind`` + ``fields`` only; the runtime representation of
events and facts is untouched. Every field is optional and may be None (a
field the evidence did not print is None); a field the schema does not name,
or a value of another type, is a departure. Datetimes must be timezone-aware.
"""
from __future__ import annotations

import types
from datetime import datetime
from functools import lru_cache
from typing import Any, Union, get_args, get_origin

from cmedebug.vocabulary_table import PAGE, Heading, Plain, Prose, Table


WILDCARD = ".*"  # `syslog.*`: a family whose last parts come from the evidence


@lru_cache(maxsize=1)
def schemas() -> dict[str, dict[str, Any]]:
    """kind -> {field: type}; a kind documented in several rows gets the union of their fields."""
    merged: dict[str, dict[str, Any]] = {}
    for block in PAGE:
        if isinstance(block, Table):
            for row in block.rows:
                for kind in row.kinds:
                    fields = merged.setdefault(kind, {})
                    for name, tp in row.fields.items():
                        fields[name] = tp if name not in fields or fields[name] == tp else fields[name] | tp
    return merged


def schema_of(kind: str) -> dict[str, Any] | None:
    """The schema of ``kind``, through a family wildcard (`syslog.*`) when it has none of its own."""
    known = schemas()
    if kind in known:
        return known[kind]
    families = [k for k in known if k.endswith(WILDCARD) and kind.startswith(k[:-1])]
    return known[max(families, key=len)] if families else None


def check(kind: str, fields: dict) -> list[str]:
    """How ``fields`` depart from the schema of ``kind`` (empty when they conform)."""
    schema = schema_of(kind)
    if schema is None:
        return [f"{kind}: no schema (declare it in cmedebug/vocabulary_table.py)"]
    problems = []
    for name, value in fields.items():
        if name not in schema:
            problems.append(f"{kind}.{name}: not in the schema")
        elif not conforms(value, schema[name]):
            problems.append(f"{kind}.{name}: {value!r} is not {type_name(schema[name])}")
    return problems


def conforms(value: Any, tp: Any) -> bool:
    """Whether ``value`` is of type ``tp`` (None always is: not printed)."""
    if value is None or tp is Any:
        return True
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return any(conforms(value, arg) for arg in get_args(tp))
    if origin is list:
        (item,) = get_args(tp)
        return isinstance(value, list) and all(conforms(v, item) for v in value)
    if origin is tuple:
        args = get_args(tp)
        return isinstance(value, tuple) and len(value) == len(args) and all(map(conforms, value, args))
    if origin is dict or tp is dict:
        return isinstance(value, dict)
    if tp is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, tp)


def type_name(tp: Any) -> str:
    if tp is Any:
        return "any"
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(type_name(arg) for arg in get_args(tp))
    if origin is not None:
        return f"{origin.__name__}[{', '.join(type_name(a) for a in get_args(tp))}]"
    return tp.__name__


def markdown() -> str:
    """docs/vocabulary.md: the page's prose and tables, each kind's row with its typed fields."""
    out: list[str] = []
    for block in PAGE:
        if isinstance(block, (Heading, Prose)):
            out += [block.text, ""]
        elif isinstance(block, Plain):
            out += _table(block.columns, block.rows)
        else:
            rows = [(*row.cells, _typed(row.fields)) for row in block.rows]
            out += _table((*block.columns, "Schema"), rows)
    return "\n".join(out).rstrip("\n") + "\n"


def _typed(fields: dict[str, Any]) -> str:
    return ", ".join(f"`{name}` {type_name(tp)}" for name, tp in fields.items()) or "–"


def _table(columns: tuple[str, ...], rows) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


if __name__ == "__main__":
    print(markdown(), end="")
