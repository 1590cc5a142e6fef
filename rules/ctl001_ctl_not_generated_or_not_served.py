from __future__ import annotations

from dataclasses import replace

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import CTL_REGENERATE, PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._device import global_security_mode, secure_mode_intended
from cmedebug.rules._evidence import full_config_given
from cmedebug.rules._format import evidence_of
from cmedebug.rules._trust import tftp_not_served


# `Server Security Mode: Non-Secure` once a CTL exists: the mode is set back, and the CTL built again
# after it (primer F22; CR-S1: after toggling the mode, `regenerate`).
SECURE_SERVER_MODE = (
    Step("config", "telephony-service"),
    Step("config-telephony", "server-security-mode secure",
         why="`show telephony-service security-info` says Non-Secure: the first CTL sets it to secure, and "
             "it was set back since"),
    CTL_REGENERATE[0],
    replace(CTL_REGENERATE[1], why="after a change of the server security mode (CR-S1)"),
)


class CtlNotGeneratedOrNotServed(Rule):
    """No CTL file exists, or the phones cannot fetch it from CME's TFTP server.

    What it detects
        Phones asking CME's TFTP server for `CTLSEP<MAC>.tlv` / `CTLFile.tlv`
        and getting `Sending error 1 No such file`; phones reporting `No Trust
        List installed` or `File Not Found CTLFile.tlv`; `debug ctl-client`
        reporting a failed build; a configuration asking for secure phones
        with no `ctl-client`; `Server Security Mode` not secure.

    Why it matters
        Without a CTL the phone cannot trust CME's certificates: it registers
        non-secure whatever `device-security-mode` says (or not at all).

    Evidence
        `TFTP: Looking for CTLSEP000E325C9A43.tlv` then `TFTP: Sending error 1
        No such file`; phone status `No Trust List installed`; running-config
        with `device-security-mode encrypted` and no `ctl-client` section;
        `show telephony-service security-info` -> `Server Security Mode: Non-Secure`.

    False positives
        A CME deliberately run without security asks for no CTL; phones still
        look for one and get "No such file", which is normal there. When the
        configuration says no phone is secure, nothing is reported.

    References
        Secure CME primer F22 ctl-not-generated-or-not-served; VRF-aware CME
        design guide (`debug tftp events`); CME Security guide (CTL client).
    """

    id = "CTL001"
    name = "ctl-not-generated-or-not-served"
    title = "CTL file missing or not served to the phones"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("ctl", "tftp")
    requires = ("tftp", "phone.status", "ctl_client", "config.telephony_service", "telephony.security_info")
    explains = ("CFG007", "CFG001")
    collect = ("debug tftp events", "debug ctl-client", "show ctl-client", "show telephony-service security-info",
               "show running-config")
    remediation = (
        Step("config", "ctl-client"),
        Step("config-ctl-client", "server cme {cme_ip} trustpoint {cme_trustpoint}"),
        Step("config-ctl-client", "server tftp {cme_ip} trustpoint {tftp_trustpoint}"),
        Step("config-ctl-client", "server capf {cme_ip} trustpoint {capf_trustpoint}"),
        Step("config-ctl-client", "sast1 trustpoint {sast1}", why="SAST1 signs the CTL"),
        Step("config-ctl-client", "sast2 trustpoint {sast2}", why="the spare; must differ from SAST1"),
        Step("config-ctl-client", "regenerate", why="build the CTL; the phones fetch CTLSEP<MAC>.tlv at boot"),
        *PHONES_RESTART,
    )
    # The configuration was not given: whether CME is meant to be secure, and whether a CTL client is
    # configured (whose SASTs the phones may trust already: typing others breaks the next CTL), is read first.
    READ_FIRST = (
        Step("exec", "show running-config | section ctl-client",
             why="whether a CTL client is configured: a configured one only needs `regenerate`, and typing other "
                 "SAST trustpoints than its own makes the phones refuse the next CTL"),
        Step("exec", "show telephony-service security-info",
             why="whether CME is meant to be secure (its device security mode) and what signs its files; with "
                 "these outputs cmedebug says what to configure"),
    )
    WITH_SERVER_MODE = (*remediation[:-len(PHONES_RESTART)], *SECURE_SERVER_MODE, *PHONES_RESTART)
    variants = (("the configuration was not given (whether CME is meant to be secure is not known)", READ_FIRST),
                ("`show telephony-service security-info` says `Server Security Mode: Non-Secure` once a CTL exists",
                 WITH_SERVER_MODE))
    verify = "Verify with `debug ctl-client` (CTL File Created Successfully) and `debug tftp events` (CTLSEP{mac}.tlv served)."

    def evaluate(self, case):
        intended = secure_mode_intended(case)
        mode, _ = global_security_mode(case)
        if not intended and (mode is not None or full_config_given(case)):
            return  # a non-secure CME publishes no CTL by design
        proofs = [*self._tftp_and_phone(case), *(self._config(case) if intended else [])]
        if not proofs:
            return
        message = "; ".join(text for text, _, _ in proofs) + "."
        message = message[0].upper() + message[1:]
        items = [i for _, found, _ in proofs for i in found]
        confidence = max(c for _, _, c in proofs)
        if not intended:
            message += " This matters if the CME is meant to be secure (its configuration was not provided)."
            yield self.finding(message, evidence_of(items, 6), severity=Severity.MEDIUM, confidence=Confidence.LOW,
                               remediation=self.READ_FIRST)
        else:
            steps = self.WITH_SERVER_MODE if _non_secure_servers(case) else self.remediation
            yield self.finding(message, evidence_of(items, 6), confidence=confidence,
                               first_seen=next((i.ts for i in items if getattr(i, "ts", None)), None),
                               remediation=steps)

    def _tftp_and_phone(self, case):
        # a phone served its CTLSEP<MAC>.tlv has a CTL even if a CTLFile.tlv lookup fails
        served = {e.fields.get("mac") for e in case.events_of("tftp.opened") if e.fields.get("file_type") == "ctl"}
        missing = [pair for pair in tftp_not_served(case, "ctl") if pair[0].fields.get("mac") not in served
                   and not (served and not pair[0].fields.get("mac"))]
        if missing:
            names = sorted({req.fields.get("filename") for req, _ in missing if req.fields.get("filename")})
            yield (f"CME's TFTP server answered 'No such file' to {len(missing)} request(s) for {', '.join(names[:4])}, "
                   f"first at {fmt_time(missing[0][0].ts)}", [e for pair in missing[:2] for e in pair], Confidence.HIGH)
        phone = [e for e in case.events_of("phone.status.no_trust_list", "phone.status.file_not_found")
                 if e.kind.endswith("no_trust_list") or e.fields.get("file_type") == "ctl"]
        if phone:
            yield (f"{phone[0].device or 'the phone'} reports '{(phone[0].raw or ('',))[0].strip()}'", phone[:2],
                   Confidence.HIGH)
        for failed in case.events_of("ctl_client.failed"):
            yield f"the CTL build failed at {fmt_time(failed.ts)}: {failed.fields.get('text')}", [failed], Confidence.HIGH

    def _config(self, case):
        # a CTL provider (`credentials`) takes its CTL from the CTL client on another router
        if full_config_given(case) and not list(case.facts_of("config.ctl_client")) and \
                not case.has("ctl_client", "ctl.file", "credentials.summary"):
            _, source = global_security_mode(case)
            yield ("phones are configured for a secure device-security-mode but the configuration has no "
                   "`ctl-client`, so no CTL can be generated", [source], Confidence.MEDIUM)
        for info in _non_secure_servers(case):
            yield (f"Server Security Mode is {info.fields['server_security_mode']}: no CTL is in force although "
                   "phones are configured secure", [info], Confidence.MEDIUM)


def _non_secure_servers(case) -> list:
    """`show telephony-service security-info` facts whose Server Security Mode is not secure."""
    return [info for info in case.facts_of("telephony.security_info")
            if (info.fields.get("server_security_mode") or "").lower() not in ("", "secure")]
