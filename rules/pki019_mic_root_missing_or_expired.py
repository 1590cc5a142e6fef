from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import NULL_STRING_WARNING, PHONE_FILE_THEN_RESET, trustpoint_steps
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._certs import certificates, describe_cert, is_mic_root, judging_time, not_its_own_time

# pki.trustpoint ca_subject of a MIC root: cn=CAP-RTP-002,o=Cisco Systems
_MIC_SUBJECT = re.compile(r"CAP-RTP-|CAPF-[0-9A-F]|Cisco Manufacturing CA", re.IGNORECASE)
MIC_AUTH_MODE = 4  # `AuthMode 4` in debug capf-server


# The roots Cisco publishes for MIC authentication are the ones that expired: importing them again
# changes nothing, so the phones that use MIC authenticate to CAPF another way (primer F37).
WITHOUT_MIC_GLOBAL = (
    Step("config", "capf-server"),
    Step("config-capf-server", "auth-mode null-string", why="the MIC roots have expired: CAPF cannot verify a MIC",
         warning=NULL_STRING_WARNING),
)
WITHOUT_MIC_EPHONE = (
    Step("config", "ephone {ephone}"),
    Step("config-ephone", "cert-oper upgrade auth-mode null-string",
         why="this phone's operation used its MIC, which the expired roots cannot verify", warning=NULL_STRING_WARNING),
    *PHONE_FILE_THEN_RESET,
)
# Only CAPF sessions show MIC authentication: which setting asked for it is not known, so both.
WITHOUT_MIC_EITHER = (*WITHOUT_MIC_GLOBAL, *WITHOUT_MIC_EPHONE)


class MicRootMissingOrExpired(Rule):
    """The Cisco manufacturing roots needed for MIC authentication are missing or expired.

    What it detects
        CAPF configured or seen using MIC authentication (`auth-mode MIC` under
        `capf-server` or an ephone's `cert-oper`, `AuthMode 4` in `debug
        capf-server`) while no MIC root (`CAP-RTP-001`, `CAP-RTP-002`,
        `CAPF-<hex>`, `Cisco Manufacturing CA`) is among the router's CA
        certificates or trustpoints; and MIC roots whose end date is before the
        device's time (high when MIC authentication is in use, low otherwise).

    Why it matters
        CME verifies a phone's manufacturer-installed certificate against these
        roots, imported by hand. The roots in Cisco's published example expired
        (CAP-RTP-001 on 2023-02-06, CAP-RTP-002 on 2023-10-10, CAPF-7D7D0C0 on
        2019-07-12), so MIC-mode LSC installs and MIC-based TLS fail.

    Evidence
        `CA Certificate` ... `cn=CAP-RTP-002,o=Cisco Systems` ... `end date:
        20:27:37 UTC Oct 10 2023` against `show clock`; `capf-server` /
        `auth-mode MIC` with no MIC root trustpoint in `show crypto pki
        trustpoints status`.

    False positives
        Expired roots that nothing uses are harmless: reported at low severity.

    References
        Secure CME primer F37 mic-root-missing-or-expired (certificates of
        sample 16 decoded), §1.1 trust anchors imported by hand.
    """

    id = "PKI019"
    name = "mic-root-missing-or-expired"
    title = "MIC root certificates missing or expired"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "capf", "mic", "validity")
    requires = ("cert", "pki.trustpoint", "config.capf_server", "capf.summary", "capf.auth.result")
    explains = ("CAPF002", "CAPF005", "CAPF007", "TLS003")
    collect = ("show crypto pki certificates", "show crypto pki trustpoints status", "show capf-server summary",
               "show clock detail")
    remediation = (
        *trustpoint_steps("mic_root", "enrollment terminal", "revocation-check none",
                    why="one trustpoint per manufacturing root of the phones in use"),
        Step("config", "crypto pki authenticate {mic_root}", answers=("{mic_root_pem}", "quit", "yes"),
             why="paste the root, end with quit, then accept its fingerprint"),
    )
    variants = (("CAPF authenticates with the MIC globally (`auth-mode` under capf-server) and the roots expired",
                 WITHOUT_MIC_GLOBAL),
                ("an ephone's own operation names the MIC (`cert-oper ... auth-mode mic`) and the roots expired",
                 WITHOUT_MIC_EPHONE),
                ("only CAPF sessions show MIC authentication, with the roots expired", WITHOUT_MIC_EITHER))
    verify = "Verify with `show crypto pki certificates` (MIC roots present and in date) and CAPF sessions that store the certificate."

    def evaluate(self, case):
        mic_use = self._mic_use(case)
        roots = [c for c in certificates(case) if is_mic_root(c)]
        root_trustpoints = [t for t in list(case.facts_of("pki.trustpoint")) if _MIC_SUBJECT.search(t.fields.get("ca_subject") or "")]
        trust_store_shown = bool(certificates(case) or list(case.facts_of("pki.trustpoint")))
        if mic_use and trust_store_shown and not roots and not root_trustpoints:
            yield self.finding(f"CAPF uses MIC authentication ({mic_use[0][1]}) but no MIC root (CAP-RTP-00x, CAPF-<hex>, "
                               "Cisco Manufacturing CA) is among the router's CA certificates or trustpoints, so phone "
                               "MICs cannot be verified.", [Evidence.of(i) for i, _ in mic_use[:3]],
                               confidence=Confidence.MEDIUM)
        for root in roots:
            ends = root.fields.get("not_after")
            if ends is None:
                continue
            now, basis = judging_time(case, root.device, ends)
            confidence = Confidence.LOW if not_its_own_time(basis) else self.confidence
            if ends >= now:
                continue
            message = f"The MIC root {describe_cert(root)} expired on {fmt_time(ends)} (by {basis}: {fmt_time(now)})"
            if mic_use:
                message += f"; CAPF uses MIC authentication ({mic_use[0][1]}), so MIC-based LSC installs fail."
                severity = self.severity
            else:
                message += "; it matters only if MIC authentication is used."
                severity = Severity.LOW
            yield self.finding(message, [Evidence.of(root)] + [Evidence.of(i) for i, _ in mic_use[:2]],
                               severity=severity, confidence=confidence, serial=root.fields.get("serial"),
                               mic_root=root.fields.get("trustpoints") or [],
                               device=root.device, **self._without_mic(mic_use))

    @staticmethod
    def _without_mic(mic_use) -> dict:
        """The fix where MIC authentication is in use and the roots expired: CAPF authenticates
        those phones another way (the global mode, and each ephone whose own operation names MIC)."""
        ephones = [item.fields.get("ephone") for item, _ in mic_use if item.kind == "config.ephone"]
        global_mic = any(item.kind in ("config.capf_server", "capf.summary") for item, _ in mic_use)
        if ephones or global_mic:
            return {"remediation": (*(WITHOUT_MIC_GLOBAL if global_mic else ()),
                                    *(WITHOUT_MIC_EPHONE if ephones else ())), "ephone": ephones}
        # only CAPF sessions show MIC: which setting asked for it is not known, so both, for the
        # phone of the first session (its ephone found from the MAC when the configuration is given)
        macs = [item.fields.get("mac") for item, _ in mic_use if item.fields.get("mac")]
        return {"remediation": WITHOUT_MIC_EITHER, "mac": macs[0] if macs else None}

    @staticmethod
    def _mic_use(case) -> list[tuple[object, str]]:
        """(evidence item, description) of every sign that CAPF authenticates phones by MIC."""
        uses = []
        for f in list(case.facts_of("config.capf_server")) + list(case.facts_of("capf.summary")):
            if str(f.fields.get("auth_mode") or "").lower() == "mic":
                uses.append((f, "`capf-server` auth-mode MIC"))
        for f in list(case.facts_of("config.ephone")):
            if str(f.fields.get("cert_oper_auth_mode") or "").lower() == "mic":
                uses.append((f, f"ephone {f.fields.get('ephone')} `cert-oper ... auth-mode MIC`"))
        for ev in case.events_of("capf.auth.result"):
            if ev.fields.get("auth_mode") == MIC_AUTH_MODE:
                uses.append((ev, f"SEP{ev.fields.get('mac')} authenticated with AuthMode 4 (MIC)"))
        return uses
