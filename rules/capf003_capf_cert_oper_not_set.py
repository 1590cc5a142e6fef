from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step, fill
from cmedebug.remediation_steps import PHONE_FILE_THEN_RESET, null_string_upgrade
from cmedebug.model import Confidence, Severity
from cmedebug.deployment.views import SECURE_MODES
from cmedebug.rules._device import ephone_security_modes
from cmedebug.rules._evidence import full_config_given
from cmedebug.rules._format import evidence_of, sep
from cmedebug.rules._links import phones_on_2443
from cmedebug.rules._trust import TLS_CERTIFICATE_REASON


class CapfCertOperNotSet(Rule):
    """No CAPF certificate operation is pending, so phones never get an LSC.

    What it detects
        A configuration with `capf-server` and phones in authenticated or
        encrypted mode, but no `cert-oper` on those ephones (nor a global
        `cert-oper upgrade all` under `capf-server`), while nothing shows the
        phones already hold a certificate (no phone registered with
        `+ Authentication`, no completed secure SCCP handshake, no CAPF session,
        no phone certificate rejected for its dates, no TLS alert from the phone).

    Why it matters
        Without a pending operation the phone never opens a CAPF session on
        TCP 3804, gets no LSC, and a phone without a usable MIC cannot complete
        the mutual TLS to CME on 2443.

    Evidence
        running-config: `capf-server` present, `ephone <n>` with
        `device-security-mode encrypted` and no `cert-oper ...`; `show
        capf-server sessions` without rows; `debug capf-server all` silent
        when the phone boots.

    False positives
        Phones that already received their LSC and had `cert-oper` removed
        afterwards: if they register with `+ Authentication`, nothing is
        reported; from the configuration alone the finding is medium, and high
        when CME rejects the phones' certificates.

    References
        Secure CME primer F38 capf-cert-oper-not-set; CME Security guide (CAPF).
    """

    id = "CAPF003"
    name = "capf-cert-oper-not-set"
    title = "No CAPF certificate operation configured for secure phones"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("capf", "config")
    requires = ("config.capf_server",)
    # Without an LSC the phone offers its MIC, which CME rejects unless the MIC root is imported.
    explains = ("TLS003", "TLS005", "CFG007")
    collect = ("show running-config", "show capf-server sessions", "debug capf-server all")
    remediation = (
        Step("config", "ephone {ephone}"),
        Step("config-ephone", "capf-ip-in-cnf", why="the phone's file names CAPF's address"),
        null_string_upgrade("install an LSC at the next CAPF session"),
        *PHONE_FILE_THEN_RESET,
    )
    verify = "Verify with `show capf-server sessions` (a session for the phone) and the phone (LSC: Installed)."

    def links(self, cause, symptom, case) -> bool:
        # a phone without an LSC offers its MIC on 2443, whose issuer CME does not trust
        return super().links(cause, symptom, case) and phones_on_2443(symptom)

    def evaluate(self, case):
        if not full_config_given(case) or _phones_have_certificates(case):
            return
        capf = list(case.facts_of("config.capf_server"))
        if any(f.fields.get("cert_oper") for f in capf):
            return
        secure = [(tag, f) for tag, (mode, f) in ephone_security_modes(case).items() if mode in SECURE_MODES]
        if not secure or any(f.fields.get("cert_oper") for _, f in secure):
            return
        names = ", ".join(f"ephone {tag} ({sep(f.fields.get('mac'))})" for tag, f in secure[:6])
        fix = fill(self.remediation, {"ephone": secure[0][0] if len(secure) == 1 else None})
        # CME rejecting the phone's certificate confirms the phone has no usable LSC
        rejected = [e for e in case.events_of("tls.handshake.failed")
                    if TLS_CERTIFICATE_REASON.search(e.fields.get("reason") or "")]
        message = (f"capf-server is configured but no certificate operation is pending: {names} "
                   f"{'is' if len(secure) == 1 else 'are'} in a secure device-security-mode without `cert-oper`, so "
                   "the phones never open a CAPF session and get no LSC")
        if rejected:
            message += f"; CME rejected the phone's certificate ('{rejected[0].fields.get('reason')}')."
            yield self.finding(message, evidence_of([*capf[:1], *(f for _, f in secure), rejected[0]], 5),
                               remediation=fix)
        else:
            yield self.finding(message + " (unless they received one before `cert-oper` was removed).",
                               evidence_of([*capf[:1], *(f for _, f in secure)], 5), severity=Severity.MEDIUM,
                               remediation=fix)


def _phones_have_certificates(case) -> bool:
    """Something shows the phones hold certificates or talk to CAPF: they register
    with authentication, complete TLS, run CAPF sessions, present certificates that
    are rejected for their dates, or reject CME's certificate themselves (a TLS alert
    from the phone is about CME's certificate, not about a missing LSC)."""
    if any(f.fields.get("authenticated") for f in list(case.facts_of("ephone.status"))):
        return True
    if any(e.fields.get("service") == "skinny-secure" for e in case.events_of("tls.handshake.completed")):
        return True
    if any("alert" in (e.fields.get("reason") or "") for e in case.events_of("tls.handshake.failed")):
        return True
    return case.has("capf.auth.result", "capf.session", "pki.cert.invalid_expired", "pki.cert.invalid_not_yet_valid")
