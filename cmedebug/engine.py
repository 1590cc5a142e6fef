"""The rule engine: the Rule base class, the registry, running rules on a Case,
linking root causes to the symptoms they explain, and ranking.

A rule is one class in one module of ``cmedebug.rules``; its docstring is its
documentation page (What it detects / Why it matters / Evidence / Remediation /
False positives / References). Rules are found by importing every module of
the package; a second, different class under an existing id is an error.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import textwrap
from dataclasses import replace
from datetime import datetime, timezone
from typing import ClassVar, Iterable

from cmedebug import deployment, messages, progress
from cmedebug.deployment import identity
from cmedebug.model import Case, Confidence, Evidence, Finding, RuleOutcome, Severity
from cmedebug.remediation import ROUTER, Step, on_router
from cmedebug.remediation_context import fit, fit_text


class Rule:
    """Base of every rule. Subclasses set the metadata and implement ``evaluate``."""

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""  # kebab-case, names the problem
    title: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.MEDIUM
    tags: ClassVar[tuple[str, ...]] = ()
    # The rule is evaluated only when the case holds at least one event or fact of
    # one of these kinds (dotted prefixes); otherwise it is "not evaluated".
    requires: ClassVar[tuple[str, ...]] = ()
    # What to collect when the required evidence is absent (exact commands).
    collect: ClassVar[tuple[str, ...]] = ()
    # Ids of rules whose findings this rule's findings may explain (symptoms).
    explains: ClassVar[tuple[str, ...]] = ()
    # Whether ``links`` may join a cause and a symptom on different devices (the default
    # joins only the same device, and so do the refinements that keep that condition):
    # linking then looks only at the symptoms on the cause's device.
    links_across_devices: ClassVar[bool] = False
    # The fix, written once as steps with slots ({trustpoint}); the engine fills the
    # slots from each finding's data and the evidence (cmedebug.remediation_context).
    remediation: ClassVar[tuple[Step, ...]] = ()
    # The fixes a finding gives instead where the evidence shows a situation ``remediation`` does
    # not fit: (when, steps), each on the rule's page after it (cmedebug/rules_doc.py).
    variants: ClassVar[tuple[tuple[str, tuple[Step, ...]], ...]] = ()
    verify: ClassVar[str] = ""
    # A fix no CLI step makes (new hardware or software): what to do instead, said by
    # `reproduce --fix` as its verdict rather than a proof attempt (PLAT003).
    fix_beyond_cli: ClassVar[str] = ""
    # Rules run once per device of the deployment, on that device's evidence only;
    # a rule whose diagnosis needs two devices (a CA and its clients) sets this and
    # says why, and must itself only join devices it proves are related.
    across_devices: ClassVar[bool] = False
    # A late rule runs after all the others and reads their findings in case.findings
    # (GEN001: the failures no other finding explains).
    late: ClassVar[bool] = False

    def evaluate(self, case: Case) -> Iterable[Finding]:
        raise NotImplementedError

    def applies(self, case: Case) -> bool:
        return not self.requires or case.has(*self.requires)

    def links(self, cause: Finding, symptom: Finding, case: Case) -> bool:
        """Whether ``cause`` (this rule's) explains ``symptom``: by default when both
        are about the same device; refine per rule (keeping that condition, or
        saying why a cause on one device explains a symptom on another)."""
        return cause.device == symptom.device

    def finding(self, message: str, evidence: Iterable[Evidence] = (), *, severity: Severity | None = None,
                confidence: Confidence | None = None, remediation: Iterable[Step] | None = None,
                verify: str | None = None, first_seen: datetime | None = None, **data) -> Finding:
        """A finding of this rule with its metadata defaults."""
        return Finding(
            rule_id=self.id, title=self.title, severity=severity if severity is not None else self.severity,
            confidence=confidence if confidence is not None else self.confidence, message=message,
            evidence=list(evidence), remediation=list(remediation if remediation is not None else self.remediation),
            verify=verify if verify is not None else self.verify, first_seen=first_seen, data=data)

    @classmethod
    def doc(cls) -> str:
        return textwrap.dedent(inspect.getdoc(cls) or "").strip()

    @classmethod
    def doc_section(cls, heading: str) -> str:
        """One section of the rule's page (``References``), its lines joined."""
        taken, inside = [], False
        for line in cls.doc().splitlines():
            if _DOC_HEADING.match(line.strip()):
                inside = line.strip() == heading
                continue
            if inside:
                taken.append(line.strip())
        return " ".join(t for t in taken if t)

    def outcome(self, status: str, **details) -> RuleOutcome:
        """How this rule's run went, with what a report shows of the rule."""
        return RuleOutcome(self.id, status, title=self.title, references=self.doc_section("References"), **details)


_DOC_HEADING = re.compile(r"^(What it detects|Why it matters|Evidence|Remediation|False positives|References)\s*$")


RULES_PACKAGE = "cmedebug.rules"  # every module in it is searched for Rule subclasses
_RULES: dict[str, type[Rule]] = {}
_loaded = False


def register(cls: type[Rule]) -> type[Rule]:
    existing = _RULES.get(cls.id)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise RuntimeError(f"two rules claim the id {cls.id}: {existing.__module__} and {cls.__module__}")
    _RULES[cls.id] = cls
    return cls


def all_rules() -> list[type[Rule]]:
    global _loaded
    if not _loaded:
        pkg = importlib.import_module(RULES_PACKAGE)  # by name: the core never imports the rules it runs
        for info in pkgutil.iter_modules(pkg.__path__):
            module = importlib.import_module(f"{RULES_PACKAGE}.{info.name}")
            for obj in vars(module).values():
                if inspect.isclass(obj) and issubclass(obj, Rule) and obj is not Rule and obj.id \
                        and obj.__module__ == module.__name__:
                    register(obj)
        _loaded = True
    return [_RULES[k] for k in sorted(_RULES)]


def get_rule(rule_id: str) -> type[Rule] | None:
    all_rules()
    return _RULES.get(rule_id.upper())


def run(case: Case, only: Iterable[str] | None = None) -> list[Finding]:
    """Evaluate the rules on the case, link causes to symptoms and rank."""
    wanted = {r.upper() for r in only} if only else None
    findings: list[Finding] = []
    outcomes: list[RuleOutcome] = []
    rules = [cls() for cls in all_rules() if wanted is None or cls.id in wanted]
    devices = deployment.of(case).devices
    report = progress.current()
    report.stage("judging", len(rules), "rules")
    # late rules on one device's evidence (PKI026) before those reading every finding of the case (GEN001)
    for rule in sorted(rules, key=lambda r: (r.late, r.late and r.across_devices)):
        if rule.late:
            case.findings = list(findings)
            on_device: dict[str | None, list[Finding]] = {}  # (one pass: a case may hold thousands of devices)
            for f in findings:
                on_device.setdefault(f.device, []).append(f)
            for device in devices:  # a device's case holds the findings on that device
                if device.case is not case:
                    device.case.findings = list(on_device.get(device.name, ()))
        found, outcome = _evaluate(rule, case, devices)
        for finding in found:
            _cap_inferred_evidence(finding)
        findings.extend(found)
        outcomes.append(outcome)
        report.update(len(outcomes))
    for n, f in enumerate(findings, start=1):
        f.id = f"{f.rule_id}-{n}"
    _link(findings, {r.id: r for r in rules}, case, {d.name: d.case for d in devices})
    case.findings = rank(findings)
    case.outcomes = outcomes
    return case.findings


def _on_its_device(steps: list[Step], device: str | None, devices: list) -> list[Step]:
    """In a case of several devices, the router steps of a finding on a router known by its
    hostname are named by it: "on the router" above the database move of a CA on another
    router reads as this CME, where `crypto pki server <ca>` would build a new CA. (A phone's
    finding is fixed on its CME, and a device known by no hostname, or a finding that spans
    devices, keeps "router".)"""
    if not device or len(devices) < 2 or " (" in device or identity.is_generic(device) \
            or identity.phone_mac(device):
        return steps
    return [replace(step, device=device + step.device[len(ROUTER):]) if on_router(step.device) else step
            for step in steps]


def _cap_inferred_evidence(finding: Finding) -> None:
    """Honest confidence: a finding whose evidence lines match only `inferred` shapes of the
    message catalogue (cmedebug/data/messages.toml) is at most medium confidence."""
    if finding.confidence > Confidence.MEDIUM and \
            messages.provenance(line for ev in finding.evidence for line in ev.lines) == "inferred":
        finding.confidence = Confidence.MEDIUM


def _evaluate(rule: Rule, case: Case, devices: list) -> tuple[list[Finding], RuleOutcome]:
    """The rule on each device's evidence (or once on the whole case), each finding
    labelled with the device it is about."""
    found: list[Finding] = []
    applied = False
    for device in ([None] if rule.across_devices else devices):
        scope = case if device is None else device.case
        try:
            if not rule.applies(scope):
                continue
            applied = True
            mine = list(rule.evaluate(scope))
        except Exception as exc:  # one broken rule must not cost the user the other findings
            return [], rule.outcome("error", error=f"{exc.__class__.__name__}: {exc}")
        for f in mine:
            f.evidence = _each_line_once(f.evidence)
            f.device = f.device or (device.name if device is not None else _device_of_evidence(f, devices))
            f.remediation = _on_its_device(fit(f.remediation, f.data, scope), f.device, devices)
            f.verify = fit_text(f.verify, f.data, scope)
        found += mine
    if not applied:
        return [], rule.outcome("not_evaluated", missing=list(rule.requires), collect=list(rule.collect))
    return found, rule.outcome("fired" if found else "passed")


def _each_line_once(evidence: list[Evidence]) -> list[Evidence]:
    """A finding's evidence with an item cited twice (the same line as a '*' stamp and as
    the message it prints) shown once, with both notes."""
    merged: dict[tuple, Evidence] = {}
    for item in evidence:
        key = (item.source, item.lines)
        first = merged.get(key)
        if first is None:
            merged[key] = item
        elif item.note and item.note not in first.note:
            merged[key] = replace(first, note=f"{first.note}; {item.note}" if first.note else item.note)
    return list(merged.values()) if len(merged) < len(evidence) else evidence


def _device_of_evidence(finding: Finding, devices: list) -> str:
    """The one device whose inputs hold all of a finding's evidence ('' when it spans devices)."""
    paths = {e.source.path for e in finding.evidence}
    owners = {d.name for d in devices if paths & set(d.files)}
    return owners.pop() if len(owners) == 1 else ""


def _link(findings: list[Finding], rules: dict[str, Rule], case: Case, device_cases: dict[str, Case]) -> None:
    by_rule: dict[str, list[Finding]] = {}
    by_rule_and_device: dict[tuple[str, str | None], list[Finding]] = {}  # (a case may hold thousands of devices)
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
        by_rule_and_device.setdefault((f.rule_id, f.device), []).append(f)
    # (cause id, symptom id) pairs in a set: a membership test in the lists themselves
    # made linking cubic in the number of findings of one rule
    linked = {(f.id, sid) for f in findings for sid in f.explains}
    for cause in findings:
        rule = rules.get(cause.rule_id)
        if rule is None:
            continue
        for symptom_rule in rule.explains:
            symptoms = by_rule.get(symptom_rule, []) if rule.links_across_devices else \
                by_rule_and_device.get((symptom_rule, cause.device), [])
            for symptom in symptoms:
                if symptom is cause or (cause.id, symptom.id) in linked or (symptom.id, cause.id) in linked:
                    continue
                if rule.links(cause, symptom, device_cases.get(cause.device, case)):
                    linked.add((cause.id, symptom.id))
                    cause.explains.append(symptom.id)
                    symptom.explained_by.append(cause.id)


def _depth(f: Finding, index: dict[str, Finding], seen: frozenset = frozenset()) -> int:
    """How many findings this one explains, transitively (a deeper root ranks higher)."""
    total = 0
    for sid in f.explains:
        if sid in seen or sid not in index:
            continue
        total += 1 + _depth(index[sid], index, seen | {f.id})
    return total


def rank(findings: list[Finding]) -> list[Finding]:
    """Root causes first; then severity, confidence, causal depth, earliest evidence.
    Each root cause is followed by the symptoms it explains."""
    index = {f.id: f for f in findings}
    keys: dict[int, tuple] = {}  # each finding's key once: its depth walks everything it explains

    def key(f: Finding):
        if id(f) not in keys:
            first = f.first_seen or datetime.max.replace(tzinfo=timezone.utc)
            keys[id(f)] = (-int(f.severity), -int(f.confidence), -_depth(f, index), first, f.rule_id)
        return keys[id(f)]

    roots = sorted((f for f in findings if f.is_root_cause), key=key)
    ordered: list[Finding] = []
    placed: set[str] = set()

    def place(f: Finding) -> None:
        if f.id in placed:
            return
        placed.add(f.id)
        ordered.append(f)
        for sid in sorted(f.explains, key=lambda s: key(index[s]) if s in index else ()):
            if sid in index:
                place(index[sid])

    for root in roots:
        place(root)
    for f in sorted(findings, key=key):  # findings only reachable through cycles
        place(f)
    return ordered
