"""The triage case note as text, Markdown, JSON or HTML, secrets masked.

Text and Markdown share one outline (``_outline``): a list of (level, text,
commands) blocks that each format prints in its own way.
"""
from __future__ import annotations

import json
import re

from cmedebug import redact
from cmedebug.triage import CaseNote

FORMATS = ("text", "md", "json", "html")
# 1. Fix CLK001 Router clock never set or not authoritative on CME (high, confidence high).
_NUMBERED = re.compile(r"^\d+\. ")


def render(note: CaseNote, fmt: str = "text") -> str:
    if fmt == "json":
        return render_json(note)
    if fmt == "html":
        from cmedebug.reports.html import render as render_html

        return render_html(note.case, note=note_view(note))
    blocks = _outline(note)
    out = _markdown(blocks) if fmt == "md" else _text(blocks)
    return redact.text(out)


def note_view(note: CaseNote) -> dict:
    """What the HTML report shows of the note above its findings."""
    data = note.to_dict()
    data["action_plan"] = [{"text": s.text, "commands": s.commands} for s in note.action_plan]
    return data


def render_json(note: CaseNote) -> str:
    from cmedebug.reports.json_report import report_dict

    data = report_dict(note.case)
    data["case_note"] = note.to_dict()
    return json.dumps(redact.value(data), indent=2, ensure_ascii=False) + "\n"


def _outline(note: CaseNote) -> list[tuple[int, str, list[str]]]:
    """(level, text, commands): level 1 a heading, 0 a paragraph, 2 a list item."""
    case = note.case
    blocks: list[tuple[int, str, list[str]]] = [(1, "Problem statement", []), (0, note.problem, [])]
    blocks.append((1, "Environment", []))
    blocks += [(2, f"{k}: {v}", []) for k, v in note.environment]
    blocks.append((1, "Inputs per device", []))
    for d in note.devices:
        blocks.append((2, f"{d['device']}: " + ", ".join(f"{i['path']} ({i['kind']})" for i in d["inputs"]), []))
    blocks.append((1, "Findings (root cause first)", []))
    if not case.findings:
        blocks.append((0, "No rule found a fault in the evidence given.", []))
    for n, f in enumerate(case.findings, start=1):
        role = "root cause" if f.is_root_cause else "symptom of " + ", ".join(f.explained_by)
        refs = ", ".join(str(e.source) for e in f.evidence[:3])
        blocks.append((2, f"{n}. [{str(f.severity).upper()}] {f.id} {f.title} ({role}; confidence {f.confidence}). "
                          f"{f.message}" + (f" Evidence: {refs}." if refs else ""), []))
    blocks.append((1, "Action plan", []))
    blocks += [(2, f"{n}. {s.text}", s.commands) for n, s in enumerate(note.action_plan, start=1)]
    blocks.append((1, "Not evaluated and data to request", []))
    if not note.not_evaluated:
        blocks.append((0, "Every rule had the evidence it needs.", []))
    for row in note.not_evaluated:
        needs = ", ".join(row["missing"]) or "its evidence"
        blocks.append((2, f"{row['rule_id']} {row['title']}: needs {needs}", row["commands"]))
    return blocks


def _text(blocks) -> str:
    out = ["CASE NOTE (cmedebug triage)"]
    for level, text, commands in blocks:
        if level == 1:
            out += ["", text.upper()]
        else:
            out.append(("  " if level == 2 else "") + text)
        out += [f"       {c}" for c in commands]
    return "\n".join(out) + "\n"


def _markdown(blocks) -> str:
    out = ["# Case note (cmedebug triage)"]
    for level, text, commands in blocks:
        if level == 1:
            out += ["", f"## {text}", ""]
        elif level == 2:  # numbered items ("1. Fix ...") stay an ordered list
            out.append(_md_escape(text) if _NUMBERED.match(text) else f"- {_md_escape(text)}")
        else:
            out.append(_md_escape(text))
        if commands:
            out += ["", "  ```", *[f"  {c}" for c in commands], "  ```"]
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    """Keep raw log text from turning into Markdown or HTML when the note is pasted."""
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("*", r"\*").replace("_", r"\_")
