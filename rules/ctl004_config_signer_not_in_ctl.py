from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import CNF_FILES, PHONES_RESTART
from cmedebug.model import Confidence, Severity
from cmedebug.rules._device import telephony_trustpoint
from cmedebug.rules._format import evidence_of
from cmedebug.rules._trust import ctl_entry_problems


class ConfigSignerNotInCtl(Rule):
    """The configuration files are signed by a certificate that is not the CTL's TFTP record.

    What it detects
        `tftp-server-credentials trustpoint` (the signer of every
        `SEP<mac>.cnf.xml.sgn`) differing from the CTL client's TFTP entry, a
        CTL without a TFTP record, a decoded CTL whose TFTP record carries
        another serial than the signer's certificate, and signed config files
        whose signer is not a TFTP record of the CTL.

    Why it matters
        The phone checks the config signature against the TFTP record of its
        CTL. Signed by anything else, the config is refused: changes never
        reach the phone, or it never asks for signed files at all.

    Evidence
        `show ctl-client` row `TFTP 10.1.1.1 cmeserver` against
        `show telephony-service security-info` -> `TFTP Credentials Trustpoint:
        cme-tftp`; `SEP<mac>.cnf.xml.sgn` header signer SN not among the CTL's
        TFTP / CCM+TFTP record serials.

    False positives
        None known: when the names match but the serials differ, the CTL is
        stale (CTL002), which ranks as the cause.

    References
        Secure CME primer F25 config-signer-not-in-ctl; formats.md §3, §7.4.
    """

    id = "CTL004"
    name = "config-signer-not-in-ctl"
    title = "Config signer (TFTP credentials) not in the CTL"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("ctl", "signed-config")
    requires = ("ctl.record", "ctl_client.summary", "config.ctl_client", "crosscheck.config_signer")
    explains = ("CFG002",)
    collect = ("show ctl-client", "show telephony-service security-info", "show crypto pki certificates",
               "CTLSEP<MAC>.tlv and SEP<MAC>.cnf.xml.sgn from CME's TFTP server")
    remediation = (
        Step("config", "ctl-client"),
        Step("config-ctl-client", "server tftp {cme_ip} trustpoint {trustpoint}",
             why="the TFTP record must hold the certificate that signs the files"),
        Step("config-ctl-client", "regenerate"),
        *CNF_FILES,
        *PHONES_RESTART,
    )
    verify = "Verify with `show ctl-client` (TFTP row = TFTP Credentials Trustpoint) and a test change reaching the phone."

    def evaluate(self, case):
        trustpoint, source = telephony_trustpoint(case, "tftp_server_credentials_trustpoint")
        problems = ctl_entry_problems(case, "tftp", trustpoint)
        foreign = [f for f in list(case.facts_of("crosscheck.config_signer"))
                   if f.fields.get("signer_source") == "sgn" and f.fields.get("verdict") == "signer-not-found"]
        if foreign:
            f = foreign[0].fields
            problems.append((f"{f.get('filename')} is signed by SN {f.get('signer_serial')}, which is no TFTP record of "
                             f"the CTL (TFTP records: {', '.join(f.get('ctl_tftp_serials') or []) or 'none'})",
                             foreign[:2]))
        if problems:
            yield self.finding(
                f"The phone configuration files are signed with trustpoint {trustpoint or '(unknown)'}, but "
                + "; ".join(m for m, _ in problems) + ": phones refuse the signed configs.",
                evidence_of([source, *(i for _, items in problems for i in items)], 5), trustpoint=trustpoint)
