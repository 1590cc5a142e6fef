from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import PHONE, Step, fill
from cmedebug.remediation_steps import lsc_in_nonsecure_mode
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._device import configured_modes_by_mac
from cmedebug.rules._format import evidence_of, sep
from cmedebug.rules._trust import capf_session_outcome, capf_sessions, configured_capf_auth_modes, session_mac


class CapfAuthStringMismatch(Rule):
    """CAPF authentication by string fails, or no string is set for the phone.

    What it detects
        A CAPF session where the phone answers `AuthMode 1` (authentication
        string) and the server then releases the session without asking for a
        key or a certificate operation: the string the user typed was wrong,
        already used, or never defined. Also, from the configuration: phones
        whose operation uses `auth-mode auth-string` but which have no
        `capf-auth-str` and no row in `show capf-server auth-string`.

    Why it matters
        The phone never gets its LSC; in authenticated or encrypted mode it then
        cannot register securely. Auth strings are one-time values.

    Evidence
        `ephone_capf_process_auth_res_msg: SEP000CCE3A817C AuthMode 1`, then
        `ephone_capf_release_session: SEP000CCE3A817C` and
        `ephone_capf_send_end_session_msg: ...` with no `PhKeyGenReq`;
        `show capf-server summary` -> `Device Authentication Mode: Auth-String`.

    False positives
        A user who cancels the entry on the phone ends the session the same way.

    References
        Secure CME primer F32 capf-auth-string-mismatch; CME Security guide,
        "Enter the Authentication String on the Phone".
    """

    id = "CAPF001"
    name = "capf-auth-string-mismatch"
    title = "CAPF authentication string rejected or not set"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("capf",)
    requires = ("capf", "config.ephone", "capf.auth_string")
    collect = ("debug capf-server all", "show capf-server summary", "show capf-server auth-string",
               "show running-config | section ephone|capf-server")
    remediation = (
        Step("config", "capf-server"),
        Step("config-capf-server", "auth-string generate {ephone}",
             why="a new random string, written as `capf-auth-str` into the ephone's configuration (CMEAUTH); "
                 "`show capf-server auth-string` shows it"),
        *lsc_in_nonsecure_mode(
            Step("config-ephone", "cert-oper upgrade auth-mode auth-string",
                 why="this phone authenticates to CAPF with the string, whatever the capf-server auth-mode"),
            Step("phone", "enter auth-string", device=PHONE,
                 why="Settings > Security Configuration > LSC > Update, and type the string `show capf-server "
                     "auth-string` shows for this phone"),
            Step("phone", "check lsc", device=PHONE, why="`LSC: Installed` before the phone goes back to its secure "
                                                         "mode"),
            why="Cisco's procedure has the user enter the string with the phone in non-secure mode (CUCM security "
                "guide; the CME guide's procedure does the same, inferred): in authenticated or encrypted mode the "
                "phone waits for CAPF before it registers"),
    )
    verify = "Verify with `debug capf-server all` (PhKeyGenReq after AuthMode 1) and the phone (LSC: Installed)."

    def evaluate(self, case):
        modes = {mac: mode for mac, (mode, _) in configured_modes_by_mac(case).items() if mode}
        for session in capf_sessions(case):
            auth = next((e for e in session if e.kind == "capf.auth.result"), None)
            if auth is None or auth.fields.get("auth_mode") != 1 or capf_session_outcome(session) != "ended":
                continue
            mac = session_mac(session)
            yield self.finding(
                f"{sep(mac)} authenticated to CAPF by string (AuthMode 1) at {fmt_time(auth.ts)} and the server "
                "ended the session without a key-generation request: the string was wrong, already used or not set.",
                evidence_of([e for e in session if not e.kind.startswith("capf.ssl")], 6),
                first_seen=auth.ts, device=auth.device, mac=mac, phone_security_mode=modes.get(mac))
        yield from self._strings_not_set(case, modes)

    def _strings_not_set(self, case, modes: dict):
        listed = {f.fields.get("mac") for f in list(case.facts_of("capf.auth_string")) if f.fields.get("auth_string_set")}
        auth_mode_of = configured_capf_auth_modes(case)
        for ephone in list(case.facts_of("config.ephone")):
            mac = ephone.fields.get("mac")
            mode, _ = auth_mode_of(mac)
            if mode != "auth-string" or not ephone.fields.get("cert_oper") or ephone.fields.get("capf_auth_str_set") \
                    or mac in listed:
                continue
            yield self.finding(
                f"ephone {ephone.fields.get('ephone')} ({sep(mac)}) has `cert-oper {ephone.fields['cert_oper']}` with "
                "authentication by string, but no `capf-auth-str` and no entry in `show capf-server auth-string`: "
                "the user has no string to enter.",
                evidence_of([ephone]), confidence=Confidence.MEDIUM, device=ephone.device, mac=mac,
                phone_security_mode=modes.get(mac),
                remediation=fill(self.remediation, {"ephone": ephone.fields.get("ephone")}))
