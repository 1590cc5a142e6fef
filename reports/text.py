"""The terminal report: inputs and coverage, clocks, findings (root causes with
their symptoms nested), what was not evaluated."""
from __future__ import annotations

from cmedebug import __version__, redact
from cmedebug.collect import debug_advice, not_evaluated
from cmedebug.formatting import fmt_delta
from cmedebug.model import Case, Finding
from cmedebug.remediation import cautions, heading, reasons, render_blocks

_SEVERITY_COLOURS = {"critical": "red", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}


def render(case: Case, stats: bool = False, colour: bool = False) -> str:
    import click

    def style(text: str, **kw) -> str:
        return click.style(text, **kw) if colour else text

    out: list[str] = []
    roots = case.root_causes()
    out.append(style(f"cmedebug {__version__}", bold=True)
               + f": {len(case.inputs)} input(s), {len(case.findings)} finding(s), {len(roots)} root cause(s)")
    out.append("")
    out.append(style("Inputs", bold=True))
    for s in case.inputs:
        if s.error and not s.lines:
            out.append(f"  {s.path}: " + style(f"NOT READ: {s.error}", fg="red"))
            continue
        out.append(f"  {s.path}  [{s.kind}]  {s.understood_lines}/{s.nonblank_lines} lines understood "
                   f"({s.coverage:.0%}), {s.events} events, {s.facts} facts")
        if s.error:  # partly read: a truncated .gz, a limit reached, nothing understood
            out.append("    " + style(f"error: {s.error}", fg="red"))
        for w in s.warnings:
            out.append("    " + style(f"warning: {w}", fg="yellow"))
        if s.path in case.assumed_years:
            out.append(f"    year of its stamps: {case.assumed_years[s.path]}")
        if stats and s.unparsed_shapes:
            out.append(f"    {s.unparsed_lines} unparsed line(s); most frequent shapes:")
            for shape, n in list(s.unparsed_shapes.items())[:10]:
                out.append(f"      {n:>6}  {redact.text(shape)}")
    out.append("")
    out.append(style("Clocks", bold=True))
    if not case.clocks:
        out.append("  no clock evidence (uptime stamps only, or no router output)")
    for c in case.clocks.values():
        line = f"  {c.device}: {c.state}"
        if c.believed_time:
            line += f"; believed {c.believed_time:%Y-%m-%d %H:%M:%S %Z}"
        if c.time_source:
            line += f"; source {c.time_source}"
        if c.flagged_stamps:
            line += f"; {c.flagged_stamps} '*' stamp(s)"
        if c.skew is not None:
            line += f"; {fmt_delta(c.skew)} {'behind' if c.skew.total_seconds() > 0 else 'ahead of'} certificate evidence"
        out.append(line)
    out.append("")
    out.append(style("Findings", bold=True))
    # every input failed and gave nothing (a mistyped path): what to collect next is not the news
    nothing_read = bool(case.inputs) and all(s.error and not (s.events or s.facts) for s in case.inputs)
    if not case.findings:
        out.append("  none: no input could be read (errors above), so no rule had evidence to judge" if nothing_read
                   else "  none: no rule found a fault in the evidence given")
    index = {f.id: f for f in case.findings}
    shown: set[str] = set()

    def symptoms(f: Finding, depth: int) -> None:
        """Every symptom under its cause, at every depth; each finding once."""
        for sid in f.explains:
            if sid in index and sid not in shown:
                shown.add(sid)
                out.extend(_finding(index[sid], "symptom:", "  " + "    " * depth, style, short=True))
                symptoms(index[sid], depth + 1)

    number = 0
    roots = [f for f in case.findings if f.is_root_cause]
    for f in roots + case.findings:  # then findings reachable only through a cycle of causes
        if f.id not in shown:
            number += 1
            shown.add(f.id)
            out.extend(_finding(f, f"{number}.", "  ", style))
            symptoms(f, 1)
    broken = [o for o in case.outcomes if o.status == "error"]
    if broken:
        out.append("")
        out.append(style("Rules that failed to run", bold=True, fg="red") + " (a cmedebug bug; the other rules ran)")
        out.extend(f"  {o.rule_id}: {o.error}" for o in broken)
    not_eval = [o for o in case.outcomes if o.status == "not_evaluated"]
    if not_eval and not nothing_read:
        out.append("")
        out.append(style("Not evaluated", bold=True) + f" ({len(not_eval)} rule(s) had no evidence to work on)")
        commands = list(dict.fromkeys(c for row in not_evaluated(case) for c in row["commands"]))
        if commands:
            out.append("  collect next: " + "; ".join(commands[:8]))
            out.extend(f"  ({advice})" for advice in debug_advice(commands[:8]))
    return redact.text("\n".join(out) + "\n", keep_sgr=colour)  # colour sequences are ours; all else shown


def _finding(f: Finding, label: str, indent: str, style, short: bool = False) -> list[str]:
    sev = str(f.severity)
    head = (f"{indent}{label} " + style(f"[{sev.upper()}]", fg=_SEVERITY_COLOURS.get(sev, "white"), bold=True)
            + f" {f.rule_id} {f.title} (confidence {f.confidence})")
    lines = [head, f"{indent}   {f.message}"]
    for ev in f.evidence[: (1 if short else 4)]:
        first = redact.lines(ev.lines)[0].strip() if ev.lines else ""  # (with its lines: a certificate's body shows)
        lines.append(f"{indent}   evidence {ev.source}: {first[:160]}")
    if not short and f.remediation:
        for block in render_blocks(f.remediation):
            lines.append(f"{indent}   fix {heading(block)}:")
            lines.extend(f"{indent}   {note}" for note in cautions(block))
            lines.extend(f"{indent}     {line.text}" for line in block.lines)
            lines.extend(f"{indent}   {note}" for note in reasons(block))
        if f.verify:
            lines.append(f"{indent}   {f.verify}")
    return lines
