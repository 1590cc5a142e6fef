"""A small TOML writer for replay.toml and fix.toml (the standard library only reads TOML).

Values: str, int, float, bool, lists of those, dicts (tables) and lists of dicts
(arrays of tables). Keys come out in insertion order, so the same data gives
the same bytes.
"""
from __future__ import annotations

import json


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table(value) -> bool:
    return isinstance(value, dict)


def _is_table_list(value) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, dict) for v in value)


def dumps(data: dict, prefix: str = "") -> str:
    lines = [f"{k} = {_value(v)}" for k, v in data.items()
             if v is not None and not _is_table(v) and not _is_table_list(v)]
    for key, value in data.items():
        name = f"{prefix}{key}"
        if _is_table(value):
            lines += ["", f"[{name}]", dumps(value, name + ".").rstrip("\n")]
        elif _is_table_list(value):
            for item in value:
                lines += ["", f"[[{name}]]", dumps(item, name + ".").rstrip("\n")]
    return "\n".join(line for line in lines).lstrip("\n") + "\n"
