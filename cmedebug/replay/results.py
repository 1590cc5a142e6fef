"""A replay's results as the reports show them: `analyze --html ... --replay DIR` and
`triage CASE --replay DIR` read ``DIR/replay.toml`` through here."""
from __future__ import annotations

import tomllib
from pathlib import Path


class NotAReplay(ValueError):
    """The folder holds no readable replay.toml."""


def load(folder: str | Path) -> dict:
    path = Path(folder) / "replay.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotAReplay(f"{folder} holds no replay.toml: run `cmedebug replay CASE --out {folder}` first") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise NotAReplay(f"cannot read {path}: {exc}") from None
    if not str(table.get("format", "")).startswith("cmedebug.replay/") or "verdict" not in table:
        raise NotAReplay(f"{path} is not a cmedebug replay result")
    return table


def verdict_line(table: dict) -> str:
    """`reproduced; fix confirmed (first root cause CTL004 ...)`."""
    line = table["verdict"]
    if table.get("fix_verdict"):
        line += f"; {table['fix_verdict']}"
    if table.get("case_first_root"):
        line += f" (first root cause {table['case_first_root']}; seed {table.get('seed', 0)})"
    return line


def caution(table: dict) -> str | None:
    """What a case note must say before it tells a customer to run the fix, or None."""
    if table["verdict"] == "nothing to reproduce":
        return None
    reasons = table.get("fix", {}).get("reasons") or [table.get("detail", "")]
    if table["verdict"] != "reproduced":
        return ("The reference CME did not reproduce this case: check the diagnosis before acting "
                f"({'; '.join(r for r in reasons if r) or 'see replay.toml'}).")
    if table.get("fix_verdict") != "fix confirmed":
        return "The fix was not confirmed on the reference CME: " + "; ".join(r for r in reasons if r) + "."
    return None
