"""The HTML report: one self-contained file (inline CSS and SVG, no network),
rendered with Jinja2 autoescape under a strict Content-Security-Policy.

``render`` builds a view of the case (every string masked by ``redact``), then
the template draws it: Verdict, Phone boot flow, Findings, Certificates, Trust
lists and configs, Timeline, Coverage, Data to collect next.
"""
from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timezone
from typing import Any

from cmedebug import __version__, deployment, redact
from cmedebug.deployment import summary
from cmedebug.collect import debug_advice, not_evaluated, split_commands
from cmedebug.model import FAILURE_KIND, Case, Finding
from cmedebug.trust_files import MAX_LISTED_RECORDS, unlisted_summary
from cmedebug.remediation import NOT_TYPED, cautions, heading, reasons, render_blocks
from cmedebug.reports import boot_flow, charts, excerpts
from cmedebug.formatting import common_name, fmt_delta

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")
# Facts whose fields are the security settings of a phone or of CME, shown as tables.
SETTINGS_KINDS = ("phone.config", "telephony.security_info", "config.telephony_service", "config.ephone",
                  "config.ctl_client", "ctl_client.summary", "config.capf_server", "capf.summary",
                  "capf.auth_string", "credentials.summary", "http.server_status")
CTL_RECORD_COLUMNS = ("index", "role_name", "subject", "issuer", "serial", "ip_address", "not_before", "not_after",
                      "key_size", "inconsistencies")
BACKWARD_JUMP_SECONDS = 60
MAX_JUMPS = 20  # markers drawn on the timeline


def render(case: Case, note: Any = None, replay: dict | None = None) -> str:
    """The report as one HTML document; ``note`` adds the triage case summary, ``replay``
    (the content of a `cmedebug replay` replay.toml) the section "Reproduced on the reference CME"."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    css = env.get_template("report.css.j2").render()
    script = env.get_template("report.js.j2").render()
    csp = (f"default-src 'none'; style-src '{_sha256(css)}'; script-src '{_sha256(script)}'; "
           "base-uri 'none'; form-action 'none'")
    view = build_view(case, note)
    view["replay"] = redact.value(replay) if replay else None
    return env.get_template("report.html.j2").render(v=view, css=Markup(css), script=Markup(script), csp=csp)


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def build_view(case: Case, note: Any = None) -> dict:
    inputs = {s.path: f"input-{i}" for i, s in enumerate(case.inputs, start=1)}
    findings = _findings(case, inputs)
    roots = [findings[f.id] for f in case.findings if f.is_root_cause]
    return {
        "version": __version__,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "reference_time": _time(case.reference_time),
        "note": redact.value(note) if note is not None else None,
        "verdict": roots[0] if roots else None,
        "counts": {"findings": len(case.findings), "roots": len(roots), "inputs": len(case.inputs)},
        "flow": boot_flow.boot_flow(case),
        "groups": _groups(case, findings),
        "certificates": _certificates(case),
        "trust_lists": _trust_lists(case),
        "settings": _settings(case),
        "devices": [{"name": d.name, "rows": redact.value(summary.rows(d))} for d in deployment.of(case).devices],
        "timeline": _timeline(case, inputs),
        "coverage": _coverage(case, inputs),
        "collect": _collect(case),
        "clocks": [_clock(c) for c in case.clocks.values()],
    }


# -- findings -------------------------------------------------------------------

def _findings(case: Case, inputs: dict[str, str]) -> dict[str, dict]:
    lines = excerpts.excerpts((ev for f in case.findings for ev in f.evidence), case.excerpts)
    references = {o.rule_id: o.references for o in case.outcomes}
    out = {}
    for f in case.findings:
        excerpt_blocks, links = excerpts.blocks(f.evidence, lines, f"ev-{f.id}")
        out[f.id] = {
            "id": f.id, "anchor": f"finding-{f.id}", "rule_id": f.rule_id, "title": f.title,
            "severity": str(f.severity), "confidence": str(f.confidence), "message": redact.text(f.message),
            "remediation": _fix_blocks(f), "verify": redact.text(f.verify),
            "references": references.get(f.rule_id, ""),
            "explains": list(f.explains), "explained_by": list(f.explained_by),
            "evidence": [{"anchor": link, "ref": str(ev.source)} for ev, link in zip(f.evidence, links)],
            "excerpts": [{"ref": b.ref, "input_anchor": inputs.get(b.path), "notes": [redact.text(n) for n in b.notes],
                          "lines": b.lines} for b in excerpt_blocks],
        }
    return out


def _fix_blocks(f) -> list[dict]:
    """The finding's steps as paste-ready blocks (cmedebug.remediation), secrets masked."""
    return [{"heading": heading(b), "lines": redact.lines(line.text for line in b.lines),
             "cautions": [redact.text(n) for n in cautions(b)], "notes": [redact.text(n) for n in reasons(b)],
             "pasted": b.device not in NOT_TYPED}  # (no Copy button on what a person does: a wait, the phone)
            for b in render_blocks(f.remediation)]


def _groups(case: Case, views: dict[str, dict]) -> list[dict]:
    """Each root cause with the symptoms it explains (transitively), each finding
    drawn in full once; a later mention is a link to it."""
    shown: set[str] = set()
    groups = []

    def walk(f: Finding, depth: int, into: list) -> None:
        for sid in f.explains:
            symptom = case.finding(sid)
            if symptom is None:
                continue
            into.append({"view": views[sid], "depth": depth, "full": sid not in shown})
            if sid not in shown:
                shown.add(sid)
                walk(symptom, depth + 1, into)

    for f in case.findings:
        if f.is_root_cause or f.id not in shown:
            shown.add(f.id)
            symptoms: list = []
            walk(f, 1, symptoms)
            groups.append({"root": views[f.id], "symptoms": symptoms})
    return groups


# -- certificates, trust lists, settings ----------------------------------------------

def _certificates(case: Case) -> dict:
    rows, seen = [], set()
    for fact in case.facts_of("cert"):
        f = fact.fields
        key = (f.get("serial"), (f.get("issuer") or "").lower())
        if key in seen:
            continue
        seen.add(key)
        rows.append({
            "serial": f.get("serial"), "subject": f.get("subject") or f.get("subject_name"),
            "issuer": f.get("issuer"), "device": fact.device, "source": str(fact.source),
            "role": " / ".join(str(x) for x in [f.get("role"), *(f.get("trustpoints") or [])] if x),
            "key": " ".join(str(x) for x in (f.get("key_type"), f.get("key_size") and f"{f['key_size']} bit") if x),
            "signature": f.get("sig_alg") or f.get("signature_hash"),
            "not_before": f.get("not_before"), "not_after": f.get("not_after"), "seen_in": "certificate",
            "checked_at": None})
    known = {r["serial"] for r in rows}
    for ev in case.events_of("pki.cert.invalid_expired", "pki.cert.invalid_not_yet_valid"):
        serial = ev.fields.get("serial")
        if serial in known:
            continue
        known.add(serial)
        rows.append({"serial": serial, "subject": None, "issuer": None, "device": ev.device, "source": str(ev.source),
                     "role": "", "key": "", "signature": None, "not_before": ev.fields.get("not_before"),
                     "not_after": ev.fields.get("not_after"), "seen_in": "rejection", "checked_at": ev.ts})
    ordered = _chain_order(rows)
    for i, row in enumerate(ordered, start=1):
        row["anchor"] = f"cert-{i}"
        row["label"] = f"{common_name(row['subject']) or '(subject not in the evidence)'} · SN {row['serial']}"
    believed = {c.device: c.believed_time or c.last_seen for c in case.clocks.values()
                if c.believed_time or c.last_seen}
    evidence_time, evidence_label = _evidence_time(case)
    chart = charts.cert_chart(ordered, list(believed.items()), evidence_time)
    for row in ordered:
        device_time = row.pop("checked_at") or believed.get(row["device"])
        row["device_state"] = charts.validity_state(row["not_before"], row["not_after"], device_time)
        row["state"] = charts.validity_state(row["not_before"], row["not_after"], evidence_time)
        row["not_before"], row["not_after"] = _time(row["not_before"]), _time(row["not_after"])
    return {"rows": redact.value(ordered), "chart": chart, "evidence_label": evidence_label}


def _clock(c) -> dict:
    skew = None
    if c.skew is not None:
        skew = f"{fmt_delta(c.skew)} {'behind' if c.skew.total_seconds() > 0 else 'ahead of'} the certificates"
    return {"device": c.device, "state": c.state, "believed": _time(c.believed_time or c.last_seen),
            "source": c.time_source, "skew": skew, "reasons": list(c.reasons)}


def _evidence_time(case: Case) -> tuple[datetime | None, str]:
    """The real time of the evidence: the latest trusted stamp, else the earliest
    time certificate evidence proves (a rejected certificate's start date)."""
    if case.reference_time is not None:
        return case.reference_time, "latest time stamped by a trusted clock"
    proven = [c.last_seen + c.skew for c in case.clocks.values() if c.skew is not None and c.last_seen]
    if proven:
        return max(proven), "no trusted clock: at least this late, by the certificates' start dates"
    return None, "no trusted clock in the evidence"


def _chain_order(rows: list[dict]) -> list[dict]:
    """Issuer before subject, children indented under the certificate that issued them."""
    by_subject = {(r["subject"] or "").lower(): r for r in rows if r["subject"]}
    children: dict[int, list[dict]] = {}
    roots = []
    for r in rows:
        parent = by_subject.get((r["issuer"] or "").lower())
        if parent is None or parent is r:
            roots.append(r)
        else:
            children.setdefault(id(parent), []).append(r)
    ordered: list[dict] = []

    def place(r: dict, depth: int) -> None:
        if any(o is r for o in ordered):
            return
        r["depth"] = depth
        ordered.append(r)
        for child in children.get(id(r), []):
            place(child, depth + 1)

    for r in roots:
        place(r, 0)
    for r in rows:  # issuers in a cycle
        place(r, 0)
    return ordered


def _trust_lists(case: Case) -> list[dict]:
    lists = []
    for fact in case.facts_of("ctl.file"):
        records = [r for r in case.facts_of("ctl.record") if r.source.path == fact.source.path]
        lists.append({
            "source": fact.source.path, "fields": _pairs(fact.fields, skip=("sast_serials",)),
            "columns": CTL_RECORD_COLUMNS,
            "records": [[_cell(r.fields.get(c)) for c in CTL_RECORD_COLUMNS] for r in records[:MAX_LISTED_RECORDS]],
            "not_listed": unlisted_summary([(r.fields.get("role_name"), bool(r.fields.get("serial")))
                                            for r in records[MAX_LISTED_RECORDS:]])})
    return redact.value(lists)


def _settings(case: Case) -> list[dict]:
    return redact.value([{"kind": f.kind, "device": f.device, "source": str(f.source), "fields": _pairs(f.fields)}
                         for f in case.facts_of(*SETTINGS_KINDS)])


def _pairs(fields: dict, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(k, redact.field(k, _cell(v))) for k, v in fields.items() if k not in skip and not isinstance(v, bytes)]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def _time(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if value is not None else None


# -- timeline, coverage, collect ----------------------------------------------------

def _timeline(case: Case, inputs: dict[str, str]):
    if not case.events:
        return None
    lanes = [(s.path, _short_path(s.path), inputs[s.path]) for s in case.inputs]
    return charts.timeline_chart(case.timeline, lanes, _clock_jumps(case), FAILURE_KIND.search)


def _clock_jumps(case: Case) -> list[tuple[datetime, str]]:
    """Where a device's time moved: `%SYS-6-CLOCKUPDATE`, and a device's stamps going
    back by more than a minute from one line to the next of the same file."""
    jumps = [(ev.ts, f"clock set to {_time(ev.fields.get('new_time')) or '?'}")
             for ev in case.events_of("sys.clock.updated") if ev.ts is not None]
    previous: dict[tuple[str, str | None], datetime] = {}
    for ev in case.events:  # in file order
        if ev.ts is None:
            continue
        key = (ev.source.path, ev.device)
        before = previous.get(key)
        if before is not None and (before - ev.ts).total_seconds() > BACKWARD_JUMP_SECONDS:
            jumps.append((ev.ts, f"{ev.device or 'device'} time went back from {_time(before)} ({ev.source})"))
        previous[key] = ev.ts
    return jumps[:MAX_JUMPS]


def _short_path(path: str) -> str:
    """The file name with its folder: `clock-never-set/router.log`."""
    parts = path.replace("\\", "/").rstrip("/").split("/")
    return "/".join(parts[-2:])


def _coverage(case: Case, inputs: dict[str, str]) -> list[dict]:
    return [redact.value({
        "anchor": inputs[s.path], "path": s.path, "kind": s.kind, "lines": s.lines, "nonblank": s.nonblank_lines,
        "understood": s.understood_lines, "coverage": f"{s.coverage:.0%}", "events": s.events, "facts": s.facts,
        "unparsed": s.unparsed_lines, "error": s.error, "warnings": list(s.warnings),
        "shapes": list(s.unparsed_shapes.items())[:5]}) for s in case.inputs]


def _collect(case: Case) -> dict:
    """The rules that could not run, and what to get: router commands first, then files and phone data."""
    rows = not_evaluated(case)
    commands, other = split_commands(list(dict.fromkeys(c for r in rows for c in r["commands"])))
    return {"rows": rows, "commands": commands, "other": other, "advice": debug_advice(commands)}
