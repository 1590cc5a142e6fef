from __future__ import annotations

from datetime import timedelta

from cmedebug.engine import Rule
from cmedebug.remediation import WAIT, Step
from cmedebug.remediation_context import case_slots, sast_names
from cmedebug.remediation_steps import CA_REBUILD, REISSUE_AFTER_CA_REBUILD, cs_shutdown, trustpoint_steps
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import common_name, fmt_delta, fmt_time
from cmedebug.rules._certs import (
    certificates, describe_cert, is_ca_cert, is_mic_root, judging_time, not_its_own_time, validity_failures,
)
from cmedebug.rules._format import first_at
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS, rebuild_accounts_for

# IOS raises its own expiry alerts from 60 days before the end (PKIALERT).
WARNING_WINDOW = timedelta(days=60)


class CaCertificateExpiredOrExpiring(Rule):
    """The CA certificate has expired, or expires soon without auto-rollover.

    What it detects
        The certificate server's `CA certificate expiration timer:` (`show
        crypto pki server`) or a `CA Certificate` block's `end date:` (`show
        crypto pki certificates`) before the time the device believes it is, a
        `%PKI-3-CERTIFICATE_INVALID_EXPIRED` naming a CA certificate's serial, or
        an expiry within 60 days on a server without `Auto-Rollover configured`.
        Cisco manufacturing roots are PKI019.

    Why it matters
        Certificates issued by the IOS CA never outlive it (1095 days by
        default). When the CA certificate expires every chain fails at once:
        TLS on 2443, CAPF, config signatures; the CA will not issue renewals
        either, so re-enrolling the leaves does not help.

    Evidence
        `CA certificate expiration timer: 13:46:57 PST Dec 1 2025` with no
        `Auto-Rollover configured` line, against `show clock`; `CA Certificate`
        `end date: 09:44:00 PST Mar 10 2026`. Without a device clock the
        analysis date (or the time another device of the case showed) is
        used, at medium severity and low confidence: the
        rebuild then waits until the router's own clock and timer confirm
        the expiry, and a server with auto-rollover (which made its next CA
        certificate itself, if it ran then) gets only what to read on it.

    False positives
        A device whose clock is far ahead sees a valid CA as expired: check the
        CLK findings first.

    References
        Secure CME primer F06 ca-cert-expired, §2.1 lifetimes (1095-day CA
        default, issued certificates capped at the CA's end), §2.6 step 5
        (auto-rollover); sample 31 (auto-rollover fields).
    """

    id = "PKI002"
    name = "ca-certificate-expired-or-expiring"
    title = "CA certificate expired or expiring"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "ca", "certificate", "validity")
    requires = ("pki.server", "cert", "pki.cert.invalid_expired")
    explains = ("PKI001", "PKI003", "PKI018", "PKI010", "CTL002", "CTL003", "PKI020", "PKI024") + CERT_FAILURE_SYMPTOMS
    collect = ("show crypto pki server", "show crypto pki certificates", "show clock detail")
    remediation = (
        Step("config", "crypto pki export {ca} pem terminal",
             why="before anything else, keep what can be kept: the CA certificate; IOS makes a CA key "
                 "non-exportable unless it was generated `exportable`, so the key usually cannot be saved"),
        *CA_REBUILD,
        *REISSUE_AFTER_CA_REBUILD,
    )
    # Only expiring, not yet expired: roll the CA over on the existing server.
    ROLLOVER = (
        Step("config", "crypto pki server {ca}"),
        cs_shutdown(why="IOS locks a running server's settings"),
        Step("cs-server", "auto-rollover 90",
             why="with fewer than 90 days left IOS makes the next CA certificate and key now (a shadow "
                 "certificate); the server keeps its key, database and settings"),
        Step("cs-server", "no shutdown"),
        *trustpoint_steps("trustpoint", "auto-enroll 70",
                    why="clients with auto-enroll fetch their certificates under the new CA before the old one ends "
                        "(not the SAST trustpoints: renewed together, the phones would refuse the next CTL; "
                        "renew them one at a time, as PKI003 does)"),
    )
    # Expired by today's date only (the evidence holds no clock of the device): the rebuild deletes
    # the CA, so the router's own clock and timer confirm the expiry first, in a block of its own.
    CONFIRM_FIRST = (
        Step("exec", "show clock detail"),
        Step("exec", "show crypto pki server",
             why="the evidence holds no clock of this router: its CA certificate is judged expired by a time it did "
                 "not show (today's, or another device's)"),
        Step(WAIT, "wait until the expiry is confirmed", device=WAIT,
             why="paste the next block only if the `CA certificate expiration timer:` is before the time "
                 "`show clock detail` shows (and that clock is right): it deletes the certificate server"),
    )
    # Expired by today's date on a server with auto-rollover: it made its next CA certificate itself
    # before the end (primer 2.6 step 5, F06), if it ran then: what to read on the router, no rebuild.
    ROLLED_OVER = (
        Step("exec", "show crypto pki server",
             why="auto-rollover makes the next CA certificate before the end: a rolled-over server shows an "
                 "expiration timer after the one in the evidence; a rebuild (PKI002's other steps) only if it "
                 "shows the old one, past"),
        Step("exec", "show crypto pki certificates",
             why="each client trustpoint holds the new CA certificate (a rollover with a new key needs them "
                 "authenticated and enrolled again: inferred, primer 2.6)"),
    )
    CONFIRMED_REBUILD = (*CONFIRM_FIRST, *remediation)
    variants = (("the CA certificate expires within the warning window and no auto-rollover is configured", ROLLOVER),
                ("the expiry is judged by a time the router did not show (today's date, or another device's clock)",
                 CONFIRMED_REBUILD),
                ("the same, and auto-rollover is configured", ROLLED_OVER))
    verify = "Verify with `show crypto pki server` (expiration timer years ahead, Auto-Rollover configured)."

    def evaluate(self, case):
        reported: set[str] = set()
        for server in list(case.facts_of("pki.server")):
            ends = server.fields.get("ca_cert_expires")
            name = server.fields.get("name") or "?"
            if ends is not None:
                finding = self._judge(case, server, f"certificate server {name}'s CA certificate", ends,
                                      bool(server.fields.get("auto_rollover")), name)
                if finding is not None:
                    reported.add(name.lower())
                    yield finding
        for cert in certificates(case):
            ends = cert.fields.get("not_after")
            name = common_name(cert.fields.get("subject"))
            if ends is None or not is_ca_cert(cert) or is_mic_root(cert) or name.lower() in reported:
                continue
            finding = self._judge(case, cert, f"{describe_cert(cert)}", ends, False, name)
            if finding is not None:
                reported.add(name.lower())
                yield finding
        for serial, events in validity_failures(case, "pki.cert.invalid_expired", ("ca",)).items():
            first = events[0]
            cert = next(c for c in certificates(case) if c.fields.get("serial") == serial and is_ca_cert(c))
            name = common_name(cert.fields.get("subject"))
            if name.lower() in reported:
                continue
            yield self.finding(f"The {describe_cert(cert)} has expired (ended {fmt_time(first.fields.get('not_after'))}); "
                               f"chain validation failed {len(events)} time(s){first_at(first.ts)}.",
                               [Evidence.of(e) for e in events[:3]], first_seen=first.ts, ca=name, device=first.device,
                               not_after=first.fields.get("not_after"))

    def _judge(self, case, item, what: str, ends, rollover: bool, ca_name: str):
        now, basis = judging_time(case, item.device, ends)
        severity, confidence = self.severity, self.confidence
        if not_its_own_time(basis):
            severity, confidence = Severity.MEDIUM, Confidence.LOW
        rejected = [e for e in case.events_of("pki.cert.invalid_expired")
                    if e.fields.get("not_after") is not None and abs(e.fields["not_after"] - ends) < timedelta(minutes=1)]
        steps = None
        if ends < now:
            message = (f"The {what} expired on {fmt_time(ends)}, {fmt_delta(now - ends)} before {fmt_time(now)} "
                       f"({basis}); every certificate it issued is capped at that date.")
            if not_its_own_time(basis) and rollover and not rejected:
                timer = item.fields.get("rollover_timer")
                message += (" Auto-rollover is configured" + (f" (rollover due {fmt_time(timer)})" if timer else "")
                            + ": a server that ran then made its next CA certificate by itself, after this "
                              "capture; the router's own output tells.")
                severity, steps = Severity.LOW, self.ROLLED_OVER
            elif not_its_own_time(basis):
                steps = self.CONFIRMED_REBUILD
        elif ends - now <= WARNING_WINDOW and not rollover:
            message = (f"The {what} expires on {fmt_time(ends)}, in {fmt_delta(ends - now)} ({basis}), and no "
                       "auto-rollover is configured: every chain it anchors will fail then.")
            severity = Severity.MEDIUM
        else:
            return None
        if rejected:
            message += f" Chain validation already failed {len(rejected)} time(s) on that date."
        rollover = {"remediation": steps} if steps else {} if ends < now else \
            {"remediation": self.ROLLOVER, "trustpoint": rollover_clients(case)}
        return self.finding(message, [Evidence.of(item)] + [Evidence.of(e) for e in rejected[:2]], severity=severity,
                            confidence=confidence, first_seen=rejected[0].ts if rejected else None, ca=ca_name,
                            device=item.device, not_after=ends, **rollover)

    def links(self, cause, symptom, case) -> bool:
        if not super().links(cause, symptom, case):
            return False
        ca, ends = (cause.data.get("ca") or "").lower(), cause.data.get("not_after")
        rebuilt = rebuild_accounts_for(cause, symptom)  # (an expired CA signs no new CRL; the rebuilt one does)
        if rebuilt is not None:
            return rebuilt
        if symptom.rule_id in ("PKI001", "PKI003", "PKI018"):
            serials = symptom.data.get("serials") or [symptom.data.get("serial")]
            leaves = [c for c in certificates(case) if c.fields.get("serial") in serials]
            if leaves:
                return any(common_name(c.fields.get("issuer")).lower() == ca or c.fields.get("not_after") == ends
                           for c in leaves)
            return ends is not None and symptom.data.get("not_after") == ends
        return cause.severity >= Severity.HIGH and "expired on" in cause.message


def rollover_clients(case) -> list[str]:
    """The trustpoints of the CA's clients that auto-enroll may renew: every one enrolled with
    it but the SASTs (an empty list when there is none: the step drops)."""
    sasts = set(sast_names(case).values())
    return [tp for tp in case_slots(case).get("issued_trustpoint") or [] if tp not in sasts]
