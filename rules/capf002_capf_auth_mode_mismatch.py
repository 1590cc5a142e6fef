from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONE_FILE_THEN_RESET, null_string_upgrade
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._format import evidence_of, sep
from cmedebug.rules._trust import (
    CAPF_AUTH_MODES, capf_session_outcome, capf_sessions, configured_capf_auth_modes, session_mac,
)

MODE_NAMES = {v: k for k, v in CAPF_AUTH_MODES.items()}
# What a failed session in each certificate-based mode usually means.
CERT_MODE_CAUSE = {
    3: "the phone has no valid LSC to authenticate with (use null-string or auth-string for a first install)",
    4: "CME cannot validate the phone's MIC (MIC root not imported or expired, see PKI019)",
}


class CapfAuthModeMismatch(Rule):
    """The CAPF authentication mode cannot work for the phone.

    What it detects
        A phone authenticating to CAPF in another mode than the one configured
        for it (`AuthMode <n>` in `debug capf-server` against `cert-oper ...
        auth-mode` / `capf-server` `auth-mode`, or the `capfAuthMode` of its
        signed config), and sessions in LSC (3) or MIC (4) mode that end right
        after authentication without any operation.

    Why it matters
        The phone's mode comes from its configuration file: after a change
        without `create cnf-files` it still uses the old one. LSC mode fails on
        a phone without an LSC, MIC mode without the MIC roots on CME. The LSC
        never installs and secure phones wait for CAPF before registering.

    Evidence
        `ephone_capf_process_auth_res_msg: SEP000E325C9A43 AuthMode 3` followed
        by `ephone_capf_release_session`; `show capf-server summary` ->
        `Device Authentication Mode: Null-String`; `<capfAuthMode>` in
        `SEP<mac>.cnf.xml` (1 string, 2 null, 3 LSC, 4 MIC).

    False positives
        None known for the mismatch; a session ended in LSC mode can also be a
        phone whose LSC was issued by a CA that was since rebuilt.

    References
        Secure CME primer F33 capf-auth-mode-mismatch, F37; seed article (capfAuthMode 1-4).
    """

    id = "CAPF002"
    name = "capf-auth-mode-mismatch"
    title = "CAPF authentication mode mismatch"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("capf",)
    explains = ("CAPF001",)
    requires = ("capf", "phone.config")
    collect = ("debug capf-server all", "show capf-server summary", "show running-config | section ephone|capf-server",
               "SEP<mac>.cnf.xml from CME's TFTP server")
    remediation = (
        Step("config", "ephone {ephone}"),
        null_string_upgrade(
            why="first install: null-string (auth-string with a string; LSC only renews a valid LSC; MIC needs the "
                 "MIC roots on the router)"),
        *PHONE_FILE_THEN_RESET,
    )
    verify = "Verify with `debug capf-server all` (AuthMode as configured, then PhKeyGenReq) and the phone (LSC: Installed)."

    def evaluate(self, case):
        reported = set()
        auth_mode_of = configured_capf_auth_modes(case)
        for session in capf_sessions(case):
            auth = next((e for e in session if e.kind == "capf.auth.result"), None)
            if auth is None:
                continue
            mac, used = session_mac(session), auth.fields.get("auth_mode")
            wanted, source = auth_mode_of(mac)
            wanted_no = CAPF_AUTH_MODES.get(wanted or "")
            ended = capf_session_outcome(session) == "ended"
            if wanted_no not in (None, 0) and used is not None and used != wanted_no:
                reported.add(mac)
                yield self.finding(
                    f"{sep(mac)} authenticated to CAPF with AuthMode {used} ({MODE_NAMES.get(used, '?')}) at "
                    f"{fmt_time(auth.ts)} but auth-mode {wanted} is configured: the phone's configuration file is "
                    "stale or the ephone overrides the global mode.",
                    evidence_of([auth, source]), first_seen=auth.ts, device=auth.device, mac=mac)
            elif ended and used in CERT_MODE_CAUSE:
                reported.add(mac)
                yield self.finding(
                    f"{sep(mac)}'s CAPF session in AuthMode {used} ({MODE_NAMES[used]}) ended right after "
                    f"authentication at {fmt_time(auth.ts)}: {CERT_MODE_CAUSE[used]}.",
                    evidence_of([e for e in session if not e.kind.startswith("capf.ssl")], 6),
                    confidence=Confidence.MEDIUM, first_seen=auth.ts, device=auth.device, mac=mac)
        for cnf in list(case.facts_of("phone.config")):
            mac, used = cnf.fields.get("mac"), cnf.fields.get("capf_auth_mode")
            wanted, source = auth_mode_of(mac)
            wanted_no = CAPF_AUTH_MODES.get(wanted or "")
            if mac in reported or not isinstance(used, int) or used == 0 or wanted_no in (None, 0) or used == wanted_no:
                continue
            yield self.finding(
                f"{cnf.fields.get('filename') or sep(mac)} tells the phone capfAuthMode {used} "
                f"({MODE_NAMES.get(used, '?')}) but auth-mode {wanted} is configured: run `create cnf-files` and reset.",
                evidence_of([cnf, source]), device=cnf.device, mac=mac)

    def links(self, cause, symptom, case) -> bool:
        return super().links(cause, symptom, case) and cause.data.get("mac") == symptom.data.get("mac")
