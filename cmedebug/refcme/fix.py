"""Prove a fix on the reference CME: the steps a user would paste, typed into its CLI.

``apply_and_replay(world, finding, after_dir)`` takes a played world (services
stopped, the phone holding what it kept: its CTL, LSC, configuration) and the
first root cause found in its evidence:

1. renders the finding's steps exactly as a report prints them (one block per
   device), types the router blocks into ``CliSession`` line by line and has
   the reference phone perform the ``device = phone`` steps (a placeholder no
   evidence fills but a user looks up, such as a MIC root, is filled as the user
   would: cmedebug.refcme.user_fills, recorded in fix.toml's cli.filled); a
   block for the CA's own router, where the scenario models one, is typed on
   that router's CLI (cmedebug.refcme.ca_router); a ``device = wait`` step
   ("wait until <time>") is modelled by advancing the shared timeline until
   every device's clock has passed that time;
2. restarts the router's services (as a changed configuration does) and boots
   the phone again, with a fresh capture;
3. collects ``after_dir`` (the same kinds of evidence as before), analyses it
   and runs the verify step's `show` commands on the CLI.

A fix is proven when every phone ends registered in the security mode it is
configured for, the fix did not lower that mode, and the analysis of
``after_dir`` finds nothing at high or above.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cmedebug.model import Finding, Severity
from cmedebug.parsers.trustlist import decode_trust_list
from cmedebug.refcme import runner
from cmedebug.refcme.ca_router import ca_router_session
from cmedebug.refcme.ios_cli import CliSession
from cmedebug.refcme.trustpoints import SCEP_RETRY_PERIOD
from cmedebug.refcme.user_fills import fill_as_user
from cmedebug.remediation import PHONE, ROUTER, SHOWN_SLOT, WAIT, conditional, render_blocks

SECURE = {"authenticated", "encrypted"}


@dataclass
class Block:
    device: str
    text: str


@dataclass
class FixResult:
    rule_id: str
    title: str
    blocks: list[Block]
    transcript: list[str]
    cli_errors: list[str]
    phone_actions: list[dict]
    phone_before: str
    phone_after: str
    expected: str
    modes_before: dict[str, str]
    modes_after: dict[str, str]
    kept: dict[str, bool]
    verify_text: str
    verify_outputs: list[dict]
    after_findings: list[Finding] = field(default_factory=list)
    rule_cleared: bool = False
    skipped: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)  # placeholders the runner filled as a user would

    @property
    def high_after(self) -> list[Finding]:
        return [f for f in self.after_findings if f.severity >= Severity.HIGH]

    @property
    def reasons(self) -> list[str]:
        """Why the fix is not proven (empty: proven)."""
        out = []
        if self.cli_errors:
            # (a placeholder no evidence fills makes its line fail, and the lines after it that
            # needed it: the first rejected line says why)
            unfilled = SHOWN_SLOT.findall(self.cli_errors[0])
            why = f"the fix keeps placeholder(s) the evidence does not fill ({', '.join(unfilled)}): " if unfilled else ""
            out.append(f"{why}the CLI rejected {len(self.cli_errors)} line(s): " + "; ".join(self.cli_errors[:3]))
        lowered = [d for d, m in self.modes_after.items() if self.modes_before.get(d) in SECURE and m not in SECURE]
        if lowered:
            out.append("the fix lowers the security mode of " + ", ".join(lowered))
        if self.phone_after != self.expected:
            out.append(f"the phone ends {self.phone_after}, expected {self.expected}")
        out += [f"after the fix: [{f.severity.name}] {f.rule_id} {f.title}" for f in self.high_after]
        return out

    @property
    def proven(self) -> bool:
        return not self.reasons


def render(finding: Finding) -> list[Block]:
    """The finding's steps as the user sees them: one paste-ready block per device."""
    steps = getattr(finding, "steps", None) or [r for r in finding.remediation if not isinstance(r, str)]
    if steps:
        return [Block(b.device, b.text) for b in render_blocks(steps)]
    return [Block(ROUTER, "\n".join(finding.remediation))] if finding.remediation else []


def security_modes(world) -> dict[str, str]:
    router = world.router
    return {e.device: e.security_mode or router.device_security_mode for e in router.ephones}


def expected_outcome(mode: str | None) -> str:
    return "registered-secure" if mode in SECURE else "registered-nonsecure"


PHONE_ACTIONS = {  # the `phone` commands of the command table, as the reference phone performs them
    "erase ctl": "trust list (CTL) erased",
    "reset security settings": "security settings reset: trust list (CTL) erased",
    "factory reset": "factory reset: CTL, LSC and configuration erased",
    "erase itl": "nothing to erase: the reference phone holds no ITL",
    "power cycle": "power cycled (the replay boots the phone again anyway)",
}


def phone_action(phone, text: str, router=None) -> dict:
    """A `device = phone` step, performed on the reference phone as a user would on the
    handset (Settings > Security ...). Unknown actions are reported, not guessed."""
    lowered = " ".join(text.lower().split())
    if "auth-string" in lowered or "auth string" in lowered:  # Settings > Security > LSC: the digits typed
        digits = re.search(r"\b(\d{4,10})\b", text)
        ephone = router.ephone_for(phone.device) if router is not None else None
        phone.auth_string = digits.group(1) if digits else (ephone.capf_auth_str if ephone else None)
        if not phone.auth_string:
            return {"step": text, "performed": "no authentication string to type: none is configured for this phone"}
        if router is None:
            return {"step": text, "performed": "authentication string typed on the phone"}
        router.start_services()  # submitted: the phone opens its CAPF session at once
        try:
            result = phone.update_lsc(router)
        finally:
            router.stop_services()
        return {"step": text, "performed": f"authentication string typed and submitted: CAPF {result}"}
    known = next((k for k in PHONE_ACTIONS if k in lowered), None)
    if known is None and "erase" in lowered and ("ctl" in lowered or "trust list" in lowered):
        known = "erase ctl"
    if known in ("erase ctl", "reset security settings"):
        phone.state.ctl = None
    elif known == "factory reset":
        phone.state.ctl = phone.state.lsc = phone.state.config = None
    elif known is None and lowered in ("check ctl", "check lsc"):
        return {"step": text, "performed": "checked: " + phone_holds(phone, lowered.split()[1])}
    return {"step": text, "performed": PHONE_ACTIONS.get(known, "not modelled by the reference phone")}


def phone_holds(phone, what: str) -> str:
    """What Settings > Security shows for the phone's CTL or LSC, as the reference phone holds it."""
    if what == "lsc":
        if phone.state.lsc is None:
            return "no LSC installed"
        cert = phone.state.lsc[0]
        return (f"LSC {cert.subject.rfc4514_string()} issued by {cert.issuer.rfc4514_string()}, "
                f"valid to {cert.not_valid_after_utc:%Y-%m-%d}")
    if phone.state.ctl is None:
        return "no CTL installed"
    trust = decode_trust_list(phone.state.ctl)
    return f"CTL with {len(trust.records)} record(s), signed by {trust.header.signer_name}"


def wait_until(world, text: str) -> dict:
    """A `device = wait` step ("wait until 2026-03-02 15:00:06 UTC"): the simulated time
    passes until every device's clock is past that time (one second more); "wait until
    the clock is synchronized": the router's clock is NTP's; "wait until the granted certificates
    are installed" (or "the new certificate"): one `enrollment retry period`, in which each
    trustpoint polls its request."""
    if text.endswith(("the granted certificates are installed", "the new certificate is installed")):  # next poll
        world.timeline.advance(SCEP_RETRY_PERIOD)
        installed = [tp.name for tp in world.router.trustpoints.values() if tp.poll(world.ca, world.log)]
        return {"step": text, "performed": f"waited {SCEP_RETRY_PERIOD:.0f} s: the trustpoints polled the CA; "
                                           f"installed: {', '.join(installed) or 'none'}"}
    if text.endswith("the clock is synchronized"):  # the reference's NTP server answers at once
        router = world.router
        if router.clock.source == "ntp":
            return {"step": text, "performed": "nothing to wait: the clock is synchronized (NTP)"}
        if router.ntp_server is None:
            return {"step": text, "performed": "not synchronized: the router has no NTP server it reaches"}
        router.clock.set(world.phone.log.clock.now, "ntp")  # (configured before, not yet synchronised)
        return {"step": text, "performed": f"waited: NTP synchronized the clock to {router.ntp_server}"}
    found = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", text)
    if found is None:
        return {"step": text, "performed": "not modelled: no time to wait for"}
    until = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    clocks = [world.log.clock, world.phone.log.clock] + ([world.ca_log.clock] if world.ca_log is not None else [])
    behind = max((until - c.now).total_seconds() for c in clocks)
    if behind < 0:
        return {"step": text, "performed": "nothing to wait: every clock is past that time"}
    world.timeline.advance(behind + 1)
    return {"step": text, "performed": f"waited {behind + 1:.0f} s: every clock is past {found.group(0)}"}


def _boot(router, phone) -> None:
    """The phone boots against the router as it is configured now (services restarted)."""
    try:
        router.start_services()
        phone.boot(router)
    finally:
        router.stop_services()


def verify_commands(verify: str) -> list[str]:
    return [c for c in re.findall(r"`([^`]+)`", verify) if c.startswith("show ")]


def apply_and_replay(world, finding: Finding, after_dir: Path, analyse) -> FixResult:
    """Type ``finding``'s steps, replay the phone, collect and analyse ``after_dir``.
    ``analyse(paths) -> Case`` is the analysis the user ran (cmedebug.pipeline.analyze)."""
    phone, router = world.phone, world.router
    before_outcome = phone.outcome if phone.stopped_at is None else f"stopped:{phone.stopped_at}"
    modes_before = security_modes(world)
    kept_before = {"ctl": phone.state.ctl, "lsc": phone.state.lsc}
    blocks = render(finding)
    cli, ca_cli = CliSession(world), ca_router_session(world)
    actions, transcript = [], []
    untyped, skipped, filled = [], [], []
    for n, block in enumerate(blocks):
        if block.device == PHONE:
            if n:  # the router's changes reach the phone first (its reset, its next boot), as on site
                _boot(router, phone)
            actions += [phone_action(phone, line.strip(), router) for line in block.text.splitlines() if line.strip()]
        elif block.device == WAIT:
            actions += [wait_until(world, line.strip()) for line in block.text.splitlines() if line.strip()]
        elif block.device in (ROUTER, router.hostname) or (ca_cli and block.device == ca_cli.hostname):
            typed, looked_up = fill_as_user(block.text, world)
            filled += looked_up
            transcript += (cli if block.device in (ROUTER, router.hostname) else ca_cli).type_text(typed)
        elif conditional(block.device):  # "router, only if ...": a block for another situation
            skipped.append(f"{block.device}: not typed (a conditional block; the reference CME does not meet "
                           "its condition)")
        else:  # the reference CME has one router's CLI
            untyped.append(f"(block for {block.device} not typed: the reference CME has no CLI for it)")
    errors = [o.line for o in cli.errors] + [o.line for o in (ca_cli.errors if ca_cli else [])] + untyped
    if cli.mode != "exec":
        cli.type_text("end")
    world.log.lines.clear()  # the capture after the fix starts with the phone's boot
    runner.start_capture(world)
    phone.log.status.clear()
    phone.log.console.clear()
    try:
        router.start_services()
        phone.boot(router)
        runner.collect(world, after_dir)
        verify = [{"command": c, "output": "\n".join(cli.type_text(c)[1:])}
                  for c in verify_commands(finding.verify)]
    finally:
        router.stop_services()
    after_outcome = phone.outcome if phone.stopped_at is None else f"stopped:{phone.stopped_at}"
    after = analyse([str(p) for p in sorted(after_dir.iterdir()) if p.is_file()])
    modes_after = security_modes(world)
    expected = expected_outcome(next(iter(modes_after.values()), None))
    kept = {"ctl": kept_before["ctl"] is None or phone.state.ctl is not None,
            "lsc": kept_before["lsc"] is None or phone.state.lsc is not None}
    return FixResult(finding.rule_id, finding.title, blocks, transcript, errors, actions, before_outcome,
                     after_outcome, expected, modes_before, modes_after, kept, finding.verify, verify,
                     list(after.findings), not any(f.rule_id == finding.rule_id for f in after.findings), skipped,
                     filled)


def first_root_cause(case) -> Finding | None:
    """The finding a user acts on first: the first root cause of the ranked list."""
    return next((f for f in case.findings if f.is_root_cause), None)


def needs_fix(case) -> bool:
    """A fault to act on: a finding at medium or above (advisories and hygiene are low or info)."""
    return any(f.severity >= Severity.MEDIUM for f in case.findings)


def result_table(result: FixResult) -> dict:
    """fix.toml's content (TOML tables), secrets already absent: passwords are never echoed."""
    return {
        "rule": result.rule_id, "title": result.title,
        "verdict": "proven" if result.proven else "not proven", "reasons": result.reasons,
        "block": [{"device": b.device, "text": b.text} for b in result.blocks],
        "cli": {"transcript": "\n".join(result.transcript), "rejected": result.cli_errors,
                "skipped": result.skipped, "filled": result.filled},
        "phone_step": result.phone_actions,
        "phone": {"before": result.phone_before, "after": result.phone_after, "expected": result.expected,
                  "kept_ctl": result.kept["ctl"], "kept_lsc": result.kept["lsc"],
                  "modes_before": result.modes_before, "modes_after": result.modes_after},
        "verify": {"text": result.verify_text, "rule_cleared": result.rule_cleared,
                   "command": result.verify_outputs},
        "after": {"high_or_above": [f"{f.rule_id} {f.title}" for f in result.high_after],
                  "all": [f"[{f.severity.name}] {f.rule_id} {f.title}" for f in result.after_findings]},
    }


def reproduce_with_fix(name: str, out: Path, seed: int = 0) -> dict:
    """`cmedebug reproduce NAME --out DIR --fix`: the scenario's folder, then DIR/after/
    and DIR/fix.toml. Returns fix.toml's content."""
    from cmedebug.pipeline import analyze
    from cmedebug.refcme import out_folder
    from cmedebug.refcme.scenarios import reproduce
    from cmedebug.refcme.toml_out import dumps

    world = reproduce(name, out, seed)
    before = analyze(evidence_files(out))
    root = first_root_cause(before)
    beyond_cli = beyond_the_cli(root) if root is not None else ""
    if not needs_fix(before) or root is None:
        table = {"scenario": name, "verdict": "nothing to fix",
                 "reasons": ["no finding at medium or above in the evidence"]}
    elif beyond_cli:
        table = {"scenario": name, "rule": root.rule_id, "title": root.title, "verdict": NOT_ON_THE_CLI,
                 "reasons": [beyond_cli]}
    else:
        table = {"scenario": name, **result_table(apply_and_replay(world, root, out / "after", analyze))}
    (out / "fix.toml").write_text(dumps(table))
    out_folder.record(out, {"fix.toml"} | out_folder.written_under(out, "after"))
    return table


NOT_ON_THE_CLI = "not provable on the CLI"


def beyond_the_cli(finding: Finding) -> str:
    """What the finding's rule says to do when no CLI step fixes it (new hardware, software), else ''."""
    from cmedebug.engine import get_rule
    rule = get_rule(finding.rule_id)
    return rule.fix_beyond_cli if rule is not None else ""


def evidence_files(folder: Path) -> list[str]:
    """The evidence of a played folder: its files, without what describes the play."""
    return [str(p) for p in sorted(folder.iterdir()) if p.is_file() and p.suffix != ".toml"]
