"""The phone boot flow: which steps of a secure phone's start-up the evidence
shows passing, failing, or not at all, and which finding explains a failure.

Steps are recognised from evidence kinds (and the ``file_type`` of TFTP
downloads) and from the rule families of findings; the mapping is the one
table ``STEPS``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cmedebug.model import FAILURE_KIND, Case, Event, Finding, Severity


@dataclass(frozen=True)
class StepDef:
    key: str
    title: str
    kinds: tuple[str, ...]  # event kind prefixes that belong to the step
    file_types: tuple[str, ...]  # TFTP / phone download `file_type` values that belong to it
    families: tuple[str, ...]  # rule id families whose findings fail it


STEPS = (
    StepDef("ctl", "CTL download and verification",
            ("phone.status.ctl", "phone.status.trust_list", "phone.status.no_trust_list", "phone.trust_list",
             "tftp.ctl_lookup", "ctl_client"), ("ctl", "itl"), ("CTL",)),
    StepDef("config", "Config download and signature check",
            ("phone.status.file_auth_failed", "phone.config"), ("cnf_xml", "cnf_xml_sgn", "cnf_xml_enc_sgn", "sgn"),
            ("CFG",)),
    StepDef("capf", "CAPF session", ("capf",), (), ("CAPF",)),
    StepDef("tls", "TLS to CME", ("tls", "ephone.secure", "ephone.socket.accepted", "pki.opssl"), (), ("TLS",)),
    StepDef("register", "Registration",
            ("ephone.registered", "ephone.register", "ephone.register_ack", "ephone.unregistered", "ephone.status"),
            (), ("REG",)),
)

# An unassigned failure (a certificate rejected inside a handshake) joins the step of
# the stepped event at most this many lines before it in the same file.
NEARBY_LINES = 3


@dataclass
class Step:
    key: str
    title: str
    status: str = "not seen"  # "passed" | "failed" | "not seen" | "non-secure" (registration only)
    events: int = 0
    failures: int = 0
    finding_id: str | None = None  # the finding that explains the failure
    root_id: str | None = None  # its root cause, when that is another finding
    note: str = ""
    evidence_ids: set = field(default_factory=set)


def step_of(event: Event) -> StepDef | None:
    file_type = event.fields.get("file_type")
    if file_type:
        for step in STEPS:
            if file_type in step.file_types:
                return step
    for step in STEPS:
        if any(event.kind == k or event.kind.startswith(k + ".") or event.kind.startswith(k + "_")
               for k in step.kinds):
            return step
    return None


def _assign(case: Case) -> dict[tuple[str, int], StepDef]:
    """(path, first line) of every event -> its step, with nearby failures attached."""
    located: dict[tuple[str, int], StepDef] = {}
    last: dict[str, tuple[int, StepDef]] = {}
    known: dict[tuple[str, str | None], StepDef | None] = {}  # (kind, file_type) -> step: big logs repeat kinds
    for ev in sorted(case.events, key=lambda e: (e.source.path, e.source.first_line)):
        key = (ev.kind, ev.fields.get("file_type"))
        if key not in known:
            known[key] = step_of(ev)
        step = known[key]
        here = ev.source.first_line
        if step is None and FAILURE_KIND.search(ev.kind) and ev.source.path in last:
            line, previous = last[ev.source.path]
            if here - line <= NEARBY_LINES:
                step = previous
        if step is not None:
            located[(ev.source.path, here)] = step
            last[ev.source.path] = (here, step)
    return located


def boot_flow(case: Case) -> list[Step]:
    steps = {d.key: Step(d.key, d.title) for d in STEPS}
    located = _assign(case)
    for ev in case.events:
        definition = located.get((ev.source.path, ev.source.first_line))
        if definition is None:
            continue
        step = steps[definition.key]
        step.events += 1
        if FAILURE_KIND.search(ev.kind):
            step.failures += 1
            step.evidence_ids.add((ev.source.path, ev.source.first_line))
    for f in case.findings:  # ranked: the first match is the most important
        if f.severity < Severity.LOW:
            continue  # advisories (weak keys, documented limitations) do not stop a phone
        for definition in STEPS:
            step = steps[definition.key]
            if step.finding_id is None and _finding_hits(f, definition, step):
                step.finding_id = f.id
                step.root_id = _root_of(f, case)
    for step in steps.values():
        if step.finding_id:
            step.status = "failed"
        elif step.events:
            step.status = "passed"
            if step.failures:  # e.g. the two transient `SSL Handshake Error -6983` of a working CAPF session
                step.note = f"{step.failures} error line(s) seen; no rule found a fault in them"
    register = steps["register"]
    plain = _registered_without_tls(case)
    if register.status == "passed" and plain:
        register.status = "non-secure"
        register.note = (f"{', '.join(plain[:5])} registered over plain SCCP (no TLS)"
                         + (f" and {len(plain) - 5} more" if len(plain) > 5 else ""))
    return list(steps.values())


# Rules whose step is not their family's: a phone registered non-secure fails registration.
RULE_STEP = {"CFG007": "register"}


def _registered_without_tls(case: Case) -> list[str]:
    """Phones that registered without TLS: `show ephone` without `+ Authentication`, or
    `%IPPHONE-6-REGISTER` / `StationRegisterMessage` from an address whose socket was a
    plain SCCP one."""
    names = [f"ephone-{f.fields.get('ephone')}" for f in case.facts_of("ephone.status")
             if f.fields.get("registered") and not f.fields.get("authenticated")]
    plain = {e.fields.get("peer_ip") for e in case.events_of("ephone.socket.added")}
    names += [f"SEP{e.fields.get('mac')}" for e in case.events_of("ephone.registered") if e.fields.get("peer_ip") in plain]
    # `debug ephone register`: `StationRegisterMessage ... from <ip>` on a `skinny_add_socket` (plain) socket
    names += [f"ephone-{e.fields.get('ephone')}" for e in case.events_of("ephone.register.message")
              if e.fields.get("peer_ip") in plain]
    return list(dict.fromkeys(names))


def _finding_hits(f: Finding, definition: StepDef, step: Step) -> bool:
    if f.rule_id in RULE_STEP:
        return RULE_STEP[f.rule_id] == definition.key
    if any(f.rule_id.startswith(family) for family in definition.families):
        return True
    return any((ev.source.path, ev.source.first_line) in step.evidence_ids for ev in f.evidence)


def _root_of(f: Finding, case: Case) -> str | None:
    seen = {f.id}
    current = f
    while current.explained_by:
        cause = case.finding(current.explained_by[0])
        if cause is None or cause.id in seen:
            break
        seen.add(cause.id)
        current = cause
    return current.id if current is not f else None
