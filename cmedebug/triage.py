"""Triage: turn a case folder (or .zip) into a support case note.

The note says what the evidence shows (problem statement), the environment
(platform, image, licences, CME version, phones, clocks), the inputs grouped
per device, the findings root cause first, a numbered action plan with the
commands, and what could not be evaluated with the data to request.
Renderers are in ``cmedebug.reports.case_note``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from cmedebug import deployment, pipeline
from cmedebug.collect import IOS_COMMAND, debug_advice, not_evaluated
from cmedebug.deployment import summary
from cmedebug.model import FAILURE_KIND, Case, Finding, Severity
from cmedebug.parsers.framing import parse_prefix
from cmedebug.remediation import NOT_TYPED, cautions, heading, reasons, render_blocks
from cmedebug.sources import Input, iter_inputs

# rows of the device view that the note prints in its own sections (inputs per device, clocks)
DEVICE_ROWS_ELSEWHERE = ("inputs", "joined by", "clock")


@dataclass
class PlanStep:
    text: str
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why each command is there, read after them
    cautions: list[str] = field(default_factory=list)  # warnings and placeholders to replace, read before them
    pasted: bool = True  # False: the commands are done by a person (on the phone, a wait), never pasted

    def to_dict(self) -> dict:
        return {"text": self.text, "cautions": list(self.cautions), "commands": list(self.commands),
                "notes": list(self.notes), "pasted": self.pasted}


@dataclass
class CaseNote:
    case: Case
    problem: str
    environment: list[tuple[str, str]]
    devices: list[dict]  # {"device": name, "inputs": [{"path", "kind"}]}
    action_plan: list[PlanStep]
    not_evaluated: list[dict]  # {"rule_id", "title", "missing", "commands"}

    @property
    def findings(self) -> list[Finding]:
        return self.case.findings

    def to_dict(self) -> dict:
        """The note's own parts (the findings are in the report it goes with)."""
        return {
            "problem": self.problem,
            "environment": [list(pair) for pair in self.environment],
            "devices": self.devices,
            "action_plan": [s.to_dict() for s in self.action_plan],
            "not_evaluated": self.not_evaluated,
            "root_causes": [f.id for f in self.case.root_causes()],
        }


def collect_inputs(paths: Iterable[str]) -> list[Input]:
    """Every input of the case (zips expanded), listed before reading so that
    progress can be shown against a total."""
    return list(iter_inputs(paths, pipeline.EXPANDERS))


def triage(paths: Iterable[str] = (), inputs: Iterable[Input] = (), year: int | None = None,
           progress: Callable | None = None) -> CaseNote:
    case = pipeline.analyze(paths, year=year, progress=progress, inputs=inputs)
    return build_note(case)


def build_note(case: Case) -> CaseNote:
    return CaseNote(case, problem_statement(case), environment(case), devices(case), action_plan(case),
                    not_evaluated(case))


# -- parts of the note -------------------------------------------------------------

def devices(case: Case) -> list[dict]:
    """Inputs grouped per device of the deployment view (joined only on a shared
    hostname, address, certificate fingerprint or phone MAC), and why."""
    kinds = {s.path: s.kind for s in case.inputs}
    return [{"device": d.name, "inputs": [{"path": p, "kind": kinds.get(p, "unknown")} for p in d.files],
             "joined_by": list(d.joined_by)} for d in deployment.of(case).devices]


def environment(case: Case) -> list[tuple[str, str]]:
    env: list[tuple[str, str]] = []
    for f in case.facts_of("platform.version"):
        v = f.fields
        who = f.device or v.get("hostname") or "router"
        env.append((f"{who}: platform", v.get("platform") or "not printed"))
        env.append((f"{who}: IOS image", v.get("image") or "not printed"))
        env.append((f"{who}: IOS version", v.get("version") or "not printed"))
        if v.get("license_level"):
            env.append((f"{who}: licence level", v["license_level"]))
    licences = list(case.facts_of("platform.license"))
    held = sorted({f"{f.fields.get('feature') or f.fields.get('technology')} ({f.fields.get('state') or '?'})"
                   for f in licences if f.fields.get("active") is not False})
    # (`data  None  None  None` in the technology table: no package, not a licence of unknown type)
    lacking = sorted({str(f.fields.get("feature") or f.fields.get("technology")) for f in licences
                      if f.fields.get("active") is False})
    if licences:
        env.append(("licences", ", ".join(held) + (f"; not active: {', '.join(lacking)}" if lacking else "")))
    cme = next((f.fields.get("cme_version") for f in case.facts if f.fields.get("cme_version")), None)
    env.append(("CME version", cme or "not in the evidence"))
    view = deployment.of(case)
    for device in view.devices:  # what the deployment view derived, as the HTML report shows it
        one = len(view.devices) == 1
        prefix = "" if one else f"{device.name}: "
        # (one device: its phones are the case's, listed below with their models)
        env += [(prefix + label, text) for label, text in summary.rows(device)
                if label not in DEVICE_ROWS_ELSEWHERE and not (one and label == "phones")]
    env.append(("phones", _phones(case)))
    for c in case.clocks.values():
        env.append((f"{c.device}: clock", c.state + (f", believed {c.believed_time:%Y-%m-%d %H:%M:%S %Z}"
                                                      if c.believed_time else "")))
    if not any(k.endswith("platform") for k, _ in env):
        env.insert(0, ("platform and image", "not in the evidence (collect `show version`)"))
    return env


def _phones(case: Case) -> str:
    models: dict[str, str] = {}
    for f in case.facts_of("ephone.status", "config.ephone"):
        mac = f.fields.get("mac")
        if mac:
            models[mac] = models.get(mac) or f.fields.get("model") or f.fields.get("type") or ""
    for ev in case.events:
        mac = ev.fields.get("mac")
        if isinstance(mac, str) and mac not in models:
            models[mac] = ""
    if not models:
        return "none named in the evidence"
    names = [f"SEP{mac}" + (f" ({model})" if model else "") for mac, model in sorted(models.items())]
    return f"{len(names)}: " + ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")


def _failure_messages(case: Case) -> Counter[str]:
    """The failure messages of the evidence as IOS printed them (a syslog by its
    `%FAC-SEV-MNEMONIC`), each with the number of lines that carry it (two events
    read from one line count it once)."""
    lines: dict[str, set] = {}
    shown: dict[str, str] = {}  # kind -> its message, from its first event
    for e in case.events:
        if FAILURE_KIND.search(e.kind):
            if e.kind not in shown:
                shown[e.kind] = _message_of(e)
            lines.setdefault(shown[e.kind], set()).add((e.path, e.first_line))  # (no SourceRef built per event)
    return Counter({message: len(at) for message, at in lines.items()})


def _message_of(event) -> str:
    record = parse_prefix(event.raw[0]) if event.raw else None
    text = (record.text if record is not None else event.raw[0].strip()) if event.raw else ""
    if text.startswith("%") and ":" in text:
        return text.split(":", 1)[0]
    if not text:
        return event.kind
    if len(text) <= 80:
        return text
    cut = text[:80].rsplit(" ", 1)[0]
    return (cut if len(cut) > 40 else text[:80]) + " ..."


def _span(first, last) -> str:
    """'2026-03-02 09:00:01 to 09:00:34' within a day (a case of seconds reads as one), else to the
    minute; 'at ...' for one second."""
    if first.replace(microsecond=0) == last.replace(microsecond=0):
        return f"at {first:%Y-%m-%d %H:%M:%S}"
    if first.date() == last.date():
        return f"{first:%Y-%m-%d %H:%M:%S} to {last:%H:%M:%S}"
    return f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}"


def problem_statement(case: Case) -> str:
    failures = _failure_messages(case)
    dated = [e.ts for e in case.events if e.ts is not None]
    parts = []
    faults = [f for f in case.findings if f.severity >= Severity.LOW]
    symptoms = [f for f in faults if not f.is_root_cause] or faults
    if symptoms:
        parts.append("The evidence shows: " + "; ".join(dict.fromkeys(f.title for f in symptoms)) + ".")
    elif case.findings:
        parts.append("No fault in the evidence; advisories only: "
                     + "; ".join(dict.fromkeys(f.title for f in case.findings)) + ".")
    if failures:
        listed = ", ".join(f"`{message}` x{n}" for message, n in failures.most_common(6))
        parts.append(f"Error messages in the evidence: {listed}.")
    if dated:
        untrusted = any(c.authoritative is False for c in case.clocks.values())
        parts.append(f"Evidence stamped {_span(min(dated), max(dated))} (device time"
                     + (", from a clock that is not authoritative" if untrusted else "") + ").")
    if not parts:
        understood = sum(s.understood_lines for s in case.inputs)
        total = sum(s.nonblank_lines for s in case.inputs)
        parts.append(f"The evidence shows no failure cmedebug recognises ({len(case.inputs)} input(s), "
                     f"{understood}/{total} lines understood).")
    return " ".join(parts)


def fix_steps(f) -> list[PlanStep]:
    """One plan step per paste-ready block of the finding's remediation."""
    return [PlanStep(f"{heading(b)[0].upper()}{heading(b)[1:]}:", [line.text for line in b.lines], reasons(b),
                     cautions(b), pasted=b.device not in NOT_TYPED)
            for b in render_blocks(f.remediation)]


def action_plan(case: Case) -> list[PlanStep]:
    """Faults first (root causes, each with its fix, check and symptoms), then the
    evidence to collect, then advisories."""
    roots = case.root_causes()
    steps: list[PlanStep] = []
    for f in (r for r in roots if r.severity >= Severity.LOW):
        device = f.device or f.data.get("device")  # the deployment view's device first
        steps.append(PlanStep(f"Fix {f.rule_id} {f.title}" + (f" on {device}" if device else "")
                              + f" ({f.severity}, confidence {f.confidence})."))
        steps += fix_steps(f)
        if f.verify:
            steps.append(PlanStep(f.verify if f.verify.startswith("Verify") else f"Verify with {f.verify}"))
        symptoms = [case.finding(s) for s in f.explains]
        if symptoms:
            titles = "; ".join(dict.fromkeys(s.title for s in symptoms if s is not None))  # (one rule, twice)
            steps.append(PlanStep(f"Confirm that what {f.rule_id} explains is gone: {titles}."))
    missing = not_evaluated(case)
    commands = list(dict.fromkeys(c for row in missing for c in row["commands"] if IOS_COMMAND.match(c)))
    if missing:
        steps.append(PlanStep(f"Collect the evidence {len(missing)} rule(s) could not evaluate (router output "
                              "below; files and phone data under 'Not evaluated') and run cmedebug triage again.",
                              commands, cautions=debug_advice(commands)))
    for f in (r for r in roots if r.severity < Severity.LOW):
        steps.append(PlanStep(f"Consider {f.rule_id} {f.title} (advisory, not a fault)."))
        steps += fix_steps(f)
    if not steps:
        steps.append(PlanStep("No action: no fault was found and every rule had its evidence."))
    return steps
