from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.model import Confidence, Severity
from cmedebug.rules._device import secure_mode_intended
from cmedebug.rules._format import evidence_of


class LoadCfgFileNotSigned(Rule):
    """A file CME serves to secure phones with `load-cfg-file` is not signed.

    What it detects
        `telephony-service` / `load-cfg-file <url> alias <name>` without the
        `sign` keyword on a system whose phones are in authenticated or
        encrypted mode.

    Why it matters
        CME signs the files it generates itself; files it did not generate
        (ring lists, audio, firmware companions) are signed only when loaded
        with `sign` (and `create` the first time). A secure phone asks for the
        signed `.sgn` version and ignores the rest, so custom rings and other
        files never arrive.

    Evidence
        running-config `load-cfg-file flash:DistinctiveRinglist.xml alias
        DistinctiveRinglist.xml` (no `sign`); `debug tftp events` showing
        `TFTP: Looking for DistinctiveRinglist.xml.sgn` answered `No such file`.

    False positives
        Files only non-secure phones use.

    References
        Secure CME primer §2.4 (signed configuration files); CME Security guide
        (`load-cfg-file ... sign create`).
    """

    id = "CFG009"
    name = "load-cfg-file-not-signed"
    title = "load-cfg-file served to secure phones without signing"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    tags = ("config", "tftp", "signed-config")
    requires = ("config.telephony_service",)
    collect = ("show running-config | section telephony-service", "show telephony-service tftp-bindings")
    remediation = (
        Step("config", "telephony-service"),
        Step("config-telephony", "no load-cfg-file {url} alias {alias}"),
        Step("config-telephony", "load-cfg-file {url} alias {alias} sign create",
             why="`sign` serves a signed copy; `create` is not kept in running-config (CR-L)"),
    )
    verify = "Verify with `show telephony-service tftp-bindings` ({alias}.sgn bound) and `debug tftp events` (served)."

    def evaluate(self, case):
        if not secure_mode_intended(case):
            return
        for tel in list(case.facts_of("config.telephony_service")):
            unsigned = [f for f in tel.fields.get("load_cfg_files") or [] if f.get("sign") is False]
            if unsigned:
                names = ", ".join(f.get("alias") or f.get("file") or "?" for f in unsigned[:6])
                yield self.finding(f"telephony-service serves {names} with `load-cfg-file` but without `sign`: secure "
                                   "phones ask for the signed .sgn file and never get it.", evidence_of([tel]),
                                   files=[f.get("alias") for f in unsigned])
