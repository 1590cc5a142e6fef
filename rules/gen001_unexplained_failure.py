from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Iterator

import ahocorasick

from cmedebug import deployment
from cmedebug.engine import Rule, get_rule
from cmedebug.model import Confidence, Evidence, Severity, SyslogEvent
from cmedebug.remediation import Step
from cmedebug.remediation_steps import debugs_while_it_repeats
from cmedebug.rules._format import first_at

# Event kinds that name a failure (pki.ca.authenticate_failed, tls.handshake.error,
# phone.status.file_not_found, ...); the generic syslog kinds are judged by their text.
_FAILURE_KIND = re.compile(r"fail|error|invalid|reject|not_found|denied|refused|mismatch|timeout|timed_out|alert|abort")
# %PKI-3-CERTFAIL / %SSL-3-SSL_HANDSHAKE_FAIL: failure words in the mnemonic or text of a syslog no family
# parser names more precisely (messages.md), and any `% ` error answer
# (matched on the lower-cased text: a case-blind regex runs several times slower, on every generic syslog)
_FAILURE_TEXT = re.compile(r"\bfail|failed|failure|\berr|error|invalid|reject|denied|timeout|alert|not found|timed out"
                           r"|refused|unable to|cannot")
# Every match of _FAILURE_TEXT holds one of these words: the regex runs only on a text that
# holds one (one automaton pass is several times cheaper than the regex, on every generic syslog)
_FAILURE_WORDS = ahocorasick.Automaton()
for _word in ("fail", "err", "invalid", "reject", "denied", "timeout", "alert", "not found", "timed out", "refused",
              "unable to", "cannot"):
    _FAILURE_WORDS.add_word(_word, _word)
_FAILURE_WORDS.make_automaton()
# Steps the logs print while all is well: the would-block of a TLS handshake in progress
# (`TLS Handshake retcode OPSSLReadWouldBlockErr`, `SSL Handshake Error -6983`, formats.md §7).
_NOT_FAILURES = ("tls.handshake.pending",)
_WOULD_BLOCK_CODES = ("-6983",)
_GENERIC = re.compile(r"^syslog\.|\.syslog$|\.debug$")
MAX_GROUPS = 20  # one finding per kind of failure and device; beyond that, one summary line


def is_failure(ev) -> bool:
    """Whether the parsers' reading of ``ev`` is a failure."""
    if ev.__class__ is SyslogEvent:  # generic, no code: its mnemonic and text, read without building its fields
        return _says_failure(_mnemonic(ev.kind), ev.text)
    kind = ev.kind
    generic = _is_generic(kind)
    if kind in _NOT_FAILURES or not (generic or _names_failure(kind)):
        return False
    fields = ev.fields
    if str(fields.get("code")) in _WOULD_BLOCK_CODES:
        return False
    if not generic:
        return True
    return _says_failure(str(fields.get("mnemonic") or ""), str(fields.get("text") or ""))


_UNJUDGED = object()


def failures(events: Iterable) -> Iterator:
    """The events of ``events`` that ``is_failure`` calls failures, in order. Generic
    syslogs of one ``shape`` (a routine run's key: their lines differ in their digits only)
    are judged once: no failure word holds a digit, and a digit and the `0` in its place
    are both word characters. An access list's log is judged line by line, by its ports,
    which lie at the same places in every line of a shape (the digits differ, not their count)."""
    # id of a shape -> its verdict, or where its lines print the two ports of an access list's log
    verdicts: dict[int, bool | tuple] = {}
    for ev in events:
        shape = ev.shape if ev.__class__ is SyslogEvent else None
        if shape is None:
            fails = is_failure(ev)
        else:
            key = id(shape)  # (the events keep their shapes alive while this runs: no id is reused)
            fails = verdicts.get(key, _UNJUDGED)
            if fails is _UNJUDGED:
                fails = verdicts[key] = _port_spans(ev) if _is_acl_log(ev.kind) else is_failure(ev)
            if fails.__class__ is tuple:
                line, (source, destination) = ev.store.line(ev.index), fails
                fails = int(line[source[0]:source[1]]) in _SECURE_CME_PORTS or \
                    int(line[destination[0]:destination[1]]) in _SECURE_CME_PORTS
        if fails:
            yield ev


def _port_spans(ev: SyslogEvent) -> tuple | bool:
    """Where the line of an access list's log ``ev`` prints its two ports (``_ACL_PORTS``);
    False when it prints none (no line of its shape denies Secure CME then)."""
    m = _ACL_PORTS.search(ev.store.line(ev.index), ev.text_at)
    return (m.span(1), m.span(2)) if m is not None else False


# per text, not per event: a busy log repeats its messages word for word (an interface
# flapping, logins), and GEN001 judges every generic syslog of the case
@lru_cache(maxsize=4096)
def _says_failure(mnemonic: str, text: str) -> bool:
    """Whether a generic syslog's mnemonic or text says it failed."""
    if mnemonic.upper().startswith(_ACL_LOGS):
        return _denies_secure_cme(text)
    words = f"{mnemonic} {text}".lower()
    return next(_FAILURE_WORDS.iter(words), None) is not None and _FAILURE_TEXT.search(words) is not None


# An access list's logged deny (`%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.1.1.9(51012) ->
# 10.1.1.1(2443), 1 packet`, `%IPV6_ACL-6-ACCESSLOGP`: IOS's shape, not in the domain notes, inferred)
# is a failure of Secure CME only on a port of its flows (primer 1.2, formats.md 6): a router logs
# denied SSH and scans all day, and those are no part of a phone's trust.
_ACL_LOGS = ("IPACCESSLOG", "ACCESSLOG")
# TFTP, HTTP (SCEP, CRL), NTP, SCCP, SCCP over TLS, the CTL provider, CAPF, the HTTP copy of the TFTP files
_SECURE_CME_PORTS = frozenset((69, 80, 123, 2000, 2443, 2444, 3804, 6970))
_ACL_PORTS = re.compile(r"\bdenied \w+ \S+?\((\d+)\) -> \S+?\((\d+)\)")


def _denies_secure_cme(text: str) -> bool:
    """Whether an ACL log line denies a packet to or from a port of Secure CME (CAPF on its
    default port: a `port` set in capf-server is not known here)."""
    m = _ACL_PORTS.search(text)
    return m is not None and any(int(port) in _SECURE_CME_PORTS for port in m.groups())


# per kind, not per event: a busy log holds a handful of kinds and a million events
@lru_cache(maxsize=4096)
def _is_generic(kind: str) -> bool:
    return _GENERIC.search(kind) is not None


@lru_cache(maxsize=4096)
def _is_acl_log(kind: str) -> bool:
    return _mnemonic(kind).upper().startswith(_ACL_LOGS)


@lru_cache(maxsize=4096)
def _mnemonic(kind: str) -> str:
    """`syslog.link.updown` -> `updown`."""
    return kind.rsplit(".", 1)[1]


@lru_cache(maxsize=4096)
def _names_failure(kind: str) -> bool:
    return _FAILURE_KIND.search(kind) is not None


class UnexplainedFailure(Rule):
    """A failure in the evidence that no diagnosis explains.

    What it detects
        Every event the parsers read as a failure (a kind naming a failure,
        rejection, error, invalid certificate, denial, file not found or
        timeout; a generic syslog whose mnemonic or text says FAIL, error,
        rejected, invalid, denied, not found or timeout; of an access list's
        logged denies, `%SEC-6-IPACCESSLOGP`, only those of a port Secure CME
        uses: TFTP 69, HTTP 80, NTP 123, SCCP 2000 and 2443, the CTL provider
        2444, CAPF 3804, HTTP TFTP 6970) that no other finding
        cites, nor any other event of the same kind on the same device, nor a
        finding on that device whose rule reads that family of evidence (its
        `requires`: `tls.handshake` for TLS002). One finding per kind of failure
        and device, with the first raw lines.

    Why it matters
        A rule that defers to a more specific rule, or a failure no rule knows
        yet, must not leave the capture looking clean: an engineer reading the
        same log would see the failure line at once.

    Evidence
        `%PKI-3-CERTFAIL`-style syslogs, `CRYPTO_PKI: Failed to send the request.
        There is no place to send it.`, `phone.status.file_auth_failed`, any
        `tls.handshake.error` that no TLS rule claimed.

    False positives
        A failure that was retried and then succeeded; a failure of a feature
        unrelated to Secure CME. The finding is medium severity, low confidence.

    References
        Issue #14 class 3 (no failure left unexplained); messages.md (failure shapes).
    """

    id = "GEN001"
    name = "unexplained-failure"
    title = "Failure that no diagnosis explains"
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    tags = ("evidence",)
    # reads the other rules' findings, so it runs after them, on the whole case
    late = True
    across_devices = True
    collect = ("show logging",)
    remediation = (
        Step("exec", "show logging", why="read the failure line in its context"),
        *debugs_while_it_repeats(
            Step("exec", "debug crypto pki messages", why="while the failure repeats, if a PKI line failed"),
            Step("exec", "debug ssl openssl errors", why="while the failure repeats, if a TLS line failed")),
    )
    verify = "Verify with a new capture of the same operation: the failure line no longer appears."

    def evaluate(self, case):
        cited = {(e.source.path, line) for f in case.findings for e in f.evidence
                 for line in range(e.source.first_line, e.source.last_line + 1)}
        failing = list(failures(case.events))
        # a failure is explained when an event of its kind and device is cited: only the events
        # of the failures' kinds are looked at (a line number first: most are cited nowhere)
        cited_lines = {line for _, line in cited}
        cited_kinds = {(ev.kind, ev.device) for ev in case.events_of(*{ev.kind for ev in failing})
                       if ev.first_line in cited_lines and (ev.path, ev.first_line) in cited}
        read = _families_read(case.findings)
        device_of = deployment.of(case).device_of
        groups: dict[tuple, list] = {}
        for ev in failing:
            if (ev.path, ev.first_line) in cited or (ev.kind, ev.device) in cited_kinds \
                    or (_family(ev.kind), ev.device or "") in read or (_family(ev.kind), "") in read:
                continue
            # (by the device of the deployment: a syslog server's file holds several)
            device = device_of(ev)
            groups.setdefault((ev.kind, device.name if device is not None else ""), []).append(ev)
        for (kind, device), events in list(groups.items())[:MAX_GROUPS]:
            first = events[0]
            line = " ".join(first.raw)[:300]
            finding = self.finding(
                f"{len(events)} {_named(first)} on {first.device or 'an unnamed device'}{first_at(first.ts)} "
                f"that no diagnosis explains; first: `{line}` ({first.source}).",
                [Evidence.of(e) for e in events[:3]], first_seen=first.ts, kind=kind, count=len(events),
                device=first.device)
            finding.device = device  # (the engine cannot tell it from the evidence's files alone; '': let it try)
            yield finding
        if len(groups) > MAX_GROUPS:
            rest = list(groups.values())[MAX_GROUPS:]
            yield self.finding(f"{sum(len(g) for g in rest)} more unexplained failure(s) of {len(rest)} other kinds.",
                               [Evidence.of(g[0]) for g in rest[:3]], kind="(several)", count=sum(len(g) for g in rest))


def _named(event) -> str:
    """How the message names what failed: a generic syslog as IOS prints it
    (`%SEC-6-IPACCESSLOGP`), any other failure by its event kind."""
    if event.__class__ is SyslogEvent:
        fields = event.fields
        return f"`%{fields['facility']}-{fields['severity']}-{fields['mnemonic']}` message(s)"
    return f"failure(s) of kind {event.kind}"


@lru_cache(maxsize=4096)
def _family(kind: str) -> str:
    """`tls.handshake.error` -> `tls.handshake`: the evidence family a rule reads."""
    return ".".join(kind.split(".")[:2])


def _families_read(findings) -> set[tuple[str, str]]:
    """(evidence family, device) of what each finding's rule reads (its ``requires``): a
    failure of that family on that device is the one the finding is about (TLS002 cites the
    `%...TLS_HANDSHAKE_FAILED` syslog; the `TLS Handshake retcode OPSSLHandshakeErr` debug
    line beside it is the same handshake)."""
    read = set()
    for f in findings:
        rule = get_rule(f.rule_id)
        for kind in getattr(rule, "requires", ()):
            read.add((_family(kind), f.data.get("device") or getattr(f, "device", "") or ""))
    return read
