"""docs/ios-commands.md, generated from the command table
(`python -m cmedebug.ios_commands_doc > docs/ios-commands.md`; a test keeps it current)."""
from __future__ import annotations

from cmedebug.ios_commands import Command, table


def _cell(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if text else ""


def _dialog(command: Command) -> str:
    parts = []
    for q in command.questions:
        answer = f"`{q.answer}`" if q.answer else "Return"
        part = f"{_code(q.text)} → {answer}"
        if q.when:
            part += f" (only {q.when}: answered only by steps written for it)"
        if q.unless:
            part += f" (not {q.unless})"
        parts.append(part)
    return "<br>".join(parts)


def markdown() -> str:
    t = table()
    out = ["# IOS command table", "",
           "Generated from `cmedebug/data/ios_commands.toml` by `python -m cmedebug.ios_commands_doc`; "
           "do not edit by hand.", "",
           "Every command cmedebug prints in a remediation step, or the reference CME's CLI accepts, with the "
           "modes IOS accepts it in. The authority is `shared/domain/ios-commands.md` (Cisco command references "
           "and guides); **confirmed** says how far a Cisco page shows it: *yes* (command and mode), *partly* "
           "(command, not its mode or all its syntax), *unconfirmed* (no Cisco text: inferred from general IOS "
           "knowledge). Pattern syntax: `<arg>` one word, `<arg...>` the rest, `{a|b}` one of, `[x]` optional; "
           "`no <command>` is accepted where the command is. Remediation steps answer every question listed "
           "here without a condition; a question with a condition is shown as a warning instead.", "",
           "## Modes", "", "| mode | prompt | entered by | left by | source | confirmed | notes |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    out += [f"| {m.name} | {_code(m.prompt)} | {_code(m.enter)} | {_code(m.leave)} | {_cell(m.source)} | "
            f"{m.confirmed} | {_cell(m.note)} |" for m in t.modes.values()]
    for mode in t.modes.values():
        rows = [c for c in t.commands if mode.name in c.modes]
        if not rows:
            continue
        out += ["", f"## {mode.name} `{mode.prompt}`", "",
                "| command | also in | enters | questions → answers | destructive | source | confirmed | notes |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        out += [f"| {_code(c.pattern)} | {', '.join(m for m in c.modes if m != mode.name)} | {c.enters} | "
                f"{_dialog(c)} | {_cell(c.destructive)} | {_cell(c.source)} | {c.confirmed} | {_cell(_notes(c))} |"
                for c in rows]
    return "\n".join(out) + "\n"


def _notes(c) -> str:
    return "; ".join(filter(None, (c.note, "" if c.changes_config else "changes no configuration (nothing to save)",
                                   "" if c.saved else "a capture's setting: fix blocks do not save it")))


if __name__ == "__main__":
    print(markdown(), end="")
