"""The triage case note as text, Markdown, JSON or HTML, secrets masked.

Text and Markdown share one outline (``_outline``): a list of (level, text,
commands) blocks that each format prints in its own way.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from cmedebug import redact

if TYPE_CHECKING:  # the note is built by cmedebug.triage, which runs the analysis
    from cmedebug.triage import CaseNote

FORMATS = ("text", "md", "json", "html")
# 1. Fix CLK001 Router clock never set or not authoritative on CME (high, confidence high).
_NUMBERED = re.compile(r"^\d+\. ")


def render(note: CaseNote, fmt: str = "text") -> str:
    if fmt == "json":
        return render_json(note)
    if fmt == "html":
        from cmedebug.reports.html import render as render_html

        return render_html(note.case, note=note.to_dict())
    if fmt not in ("md", "text"):
        raise ValueError(f"unknown case note format {fmt!r}: text, md, json or html")
    # masked before Markdown escapes them (escaped, `ftp\://user:secret@` no longer reads as a
    # URL), and the whole note once more
    blocks = [(level, redact.text(text), redact.lines(commands)) for level, text, commands in _outline(note)]
    out = _markdown(blocks) if fmt == "md" else _text(blocks)
    return redact.text(out)


def render_json(note: CaseNote) -> str:
    from cmedebug.reports.json_report import report_dict

    data = report_dict(note.case)
    data["case_note"] = note.to_dict()
    return json.dumps(redact.value(data), indent=2, ensure_ascii=False) + "\n"


def _outline(note: CaseNote) -> list[tuple[int, str, list[str]]]:
    """(level, text, commands): level 1 a heading, 0 a paragraph, 2 a list item, 3 an item
    inside the one before."""
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
    for n, step in enumerate(note.action_plan, start=1):
        # warnings and placeholders above the commands, why each is there below them
        item = [(2, f"{n}. {step.text}", []), *((3, text, []) for text in step.cautions)]
        item[-1] = (*item[-1][:2], step.commands)
        blocks += item
        blocks += [(3, text, []) for text in step.notes]
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
            out.append({0: "", 2: "  ", 3: "     "}[level] + text)
        out += [f"       {c}" for c in commands]
    return "\n".join(out) + "\n"


def _markdown(blocks) -> str:
    out = ["# Case note (cmedebug triage)"]
    for level, text, commands in blocks:
        if level == 1:
            out += ["", f"## {text}", ""]
        elif level == 2:  # numbered items ("1. Fix ...") stay an ordered list
            number = _NUMBERED.match(text)
            out.append(number.group(0) + _md_escape(text[number.end():]) if number else f"- {_md_escape(text)}")
        elif level == 3:
            out.append(f"  - {_md_escape(text)}")
        else:
            out.append(_md_escape(text))
        if commands:
            fence = "`" * max(3, 1 + max(len(run) for c in commands for run in _BACKTICKS.findall(c) or [""]))
            out += ["", f"  {fence}", *[f"  {c}" for c in commands], f"  {fence}"]
    return "\n".join(out) + "\n"


# `crypto pki authenticate <tp>`: a code span, kept literal
_CODE_SPAN = re.compile(r"(?<!`)(`+)([^`]+)\1(?!`)")
_BACKTICKS = re.compile(r"`+")
# characters that make Markdown (or HTML inside it) anywhere in a line: emphasis, links,
# images, tags, autolinks, tables, strikethrough, code, escapes
_MD_INLINE = re.compile(r"([\\`*_\[\]<>!|~&]|:(?=//))")
# what makes Markdown at the start of a line: headings, quotes, lists, rules, fences
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def _md_escape(text: str) -> str:
    """Raw log text as literal Markdown: nothing in it becomes a heading, an image, a
    link, a tag or a fence when the note is pasted into a ticket; code spans stay
    literal (``<tp>`` inside backticks shows as ``<tp>``)."""
    text = " ".join(text.splitlines())
    out, pos = [], 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_MD_INLINE.sub(r"\\\1", text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_MD_INLINE.sub(r"\\\1", text[pos:]))
    # `\#` for a heading mark, `1\.` for a list number
    return _MD_LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], "".join(out), count=1)
