from __future__ import annotations

from datetime import timedelta

from cmedebug.engine import Rule
from cmedebug.remediation import WAIT, Step
from cmedebug.remediation_steps import CA_REBUILD, REISSUE_AFTER_CA_REBUILD
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import common_name, fmt_delta, fmt_time
from cmedebug.rules._certs import certificates, device_now, is_boot_default, is_ca_cert, is_mic_root
from cmedebug.rules._evidence import happened_before
from cmedebug.rules._links import CERT_FAILURE_SYMPTOMS, rebuild_accounts_for, same_device

# A clock change this large is a correction of a wrong clock, not a drift adjustment.
BIG_CORRECTION = timedelta(days=30)


class ClockSetAfterCaBuilt(Rule):
    """The CA or the trustpoints were built while the clock was wrong, and the clock was corrected afterwards.

    What it detects
        A certificate server enabled (`%PKI-6-CS_ENABLED`) before a large clock
        correction (`%SYS-6-CLOCKUPDATE ... from <boot-default date> to
        <now>`), or CA / router certificates whose `start date:` lies in a
        boot-default year (1993, 2002) while the device now believes it is
        years later.

    Why it matters
        A CA built on 1 March 2002 with the default 3-year lifetime expired in
        2005, and every certificate it issued is capped at that date. Once the
        clock is corrected, TLS on 2443, CAPF and enrollment all fail and
        phones drop out of secure registration.

    Evidence
        `%PKI-6-CS_ENABLED: Certificate server now enabled.` stamped `*Mar  1
        00:40:55`, then `%SYS-6-CLOCKUPDATE: System clock has been updated from
        00:52:10 UTC Fri Mar 1 2002 to 10:00:00 UTC Thu Nov 26 2026, configured
        from console by admin on console.`; `show crypto pki certificates`
        `start date: 00:40:55 UTC Mar 1 2002` on the CA certificate. Only
        leaf certificates so dated (no CA certificate, no clock correction):
        medium confidence, and the rebuild waits until the CA's own
        certificate is read.

    False positives
        A router whose clock was corrected by a few minutes (NTP after a
        reload) is not reported: only corrections of 30 days or more, or
        start dates in a boot-default year.

    References
        Secure CME primer F03 clock-set-after-ca-built, §2.7 rebuilding the CA;
        CME Security guide (time must be right before the CA is built).
    """

    id = "CLK004"
    name = "clock-set-after-ca-built"
    title = "CA or trustpoints built before the clock was set"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("clock", "pki", "ca")
    requires = ("sys.clock.updated", "cert")
    explains = ("PKI001", "PKI002", "PKI018", "CLK001", "CTL002", "CTL003", "PKI020", "PKI024") + CERT_FAILURE_SYMPTOMS
    collect = ("show logging | include CLOCKUPDATE|CS_ENABLED", "show crypto pki server",
               "show crypto pki certificates", "show clock detail")
    remediation = (
        *CA_REBUILD,
        *REISSUE_AFTER_CA_REBUILD,
    )
    # Only leaf certificates show the boot-default date (no CA certificate, no clock correction in the
    # evidence): the CA's own certificate is checked before the block that deletes the CA.
    CONFIRM_CA_FIRST = (
        Step("exec", "show crypto pki certificates",
             why="the evidence holds certificates the CA issued on a boot-default date, not the CA's own"),
        Step(WAIT, "wait until the CA certificate's start date is known", device=WAIT,
             why="paste the next block only if the `CA Certificate`'s start date is in a boot-default year too "
                 "(1993, 2002): it deletes the certificate server; a CA certificate in date issues the "
                 "trustpoints' certificates again instead (PKI001's steps, once the CA router's clock is right)"),
    )
    CONFIRMED_FIRST = (*CONFIRM_CA_FIRST, *remediation)
    variants = (("only leaf certificates show the boot-default date (the CA's own certificate and the clock "
                 "correction are not in the evidence)", CONFIRMED_FIRST),)
    verify = "Verify with `show crypto pki server` (CA expiration timer years ahead) and `show crypto pki certificates` (start dates today)."

    def links(self, cause, symptom, case) -> bool:
        """PKI020 and PKI024 as its rebuild builds the CA again, on a new database on flash."""
        if not super().links(cause, symptom, case):
            return False
        return rebuild_accounts_for(cause, symptom) is not False

    def evaluate(self, case):
        devices: dict[str, dict] = {}
        enabled = list(case.events_of("pki.cs.enabled"))
        for update in case.events_of("sys.clock.updated"):
            old, new = update.fields.get("old_time"), update.fields.get("new_time")
            if old is None or new is None or not (is_boot_default(old) or abs(new - old) >= BIG_CORRECTION):
                continue
            built = [e for e in enabled if same_device(e.device, update.device) and happened_before(e, update)]
            if not built:
                continue
            entry = devices.setdefault(update.device or "router", {"evidence": [], "details": [], "first": built[0].ts,
                                                                   "ca_shown": True})
            entry["evidence"] += [Evidence.of(built[0], "certificate server enabled"),
                                  Evidence.of(update, "clock corrected afterwards")]
            entry["details"].append(f"the certificate server was enabled, then the clock was moved from "
                                    f"{fmt_time(old)} to {fmt_time(new)} ({fmt_delta(new - old)})")
        built_early: dict[str, list] = {}
        for cert in certificates(case):
            start = cert.fields.get("not_before")
            if not is_boot_default(start) or is_mic_root(cert):
                continue
            now, _ = device_now(case, cert.device)
            if now is not None and is_boot_default(now):
                continue  # still on the boot default: CLK001's case
            built_early.setdefault(cert.device or "router", []).append(cert)
        for device, certs in built_early.items():
            entry = devices.setdefault(device, {"evidence": [], "details": [], "first": None, "ca_shown": False})
            entry["ca_shown"] = entry["ca_shown"] or any(is_ca_cert(c) for c in certs)
            entry["evidence"] += [Evidence.of(c, "start date in a boot-default year") for c in certs[:3]]
            names = ", ".join(f"SN {c.fields.get('serial')} ({self._label(c)})" for c in certs[:8])
            ends = min((c.fields["not_after"] for c in certs if c.fields.get("not_after")), default=None)
            entry["details"].append(f"{len(certs)} certificate(s) start on a boot-default date "
                                    f"({fmt_time(min(c.fields['not_before'] for c in certs))}): {names}"
                                    + (f"; the first of them ended on {fmt_time(ends)}" if ends else ""))
        for device, entry in devices.items():
            message = (f"Device {device}: the CA or its certificates were created while the clock was wrong: "
                       + "; ".join(entry["details"][:4]) + ". Certificates built on that date cannot be trusted now.")
            unconfirmed = {} if entry["ca_shown"] else {
                "confidence": Confidence.MEDIUM, "remediation": self.CONFIRMED_FIRST}
            if unconfirmed:
                message += (" The evidence holds neither the CA's own certificate nor the clock correction: that the "
                            "CA itself was built on that date is inferred.")
            yield self.finding(message, entry["evidence"][:6], first_seen=entry["first"], device=device, **unconfirmed)

    @staticmethod
    def _label(cert) -> str:
        return "CA" if is_ca_cert(cert) else ", ".join(cert.fields.get("trustpoints") or []) or common_name(cert.fields.get("subject"))
