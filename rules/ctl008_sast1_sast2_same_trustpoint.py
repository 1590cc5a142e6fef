from __future__ import annotations

from collections import Counter

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import PHONES_RESTART, authenticate_steps, trustpoint_steps
from cmedebug.model import Confidence, Severity
from cmedebug.rules._format import evidence_of


class Sast1Sast2SameTrustpoint(Rule):
    """SAST1 and SAST2 are the same certificate: the CTL has no recovery path.

    What it detects
        `ctl-client` with `sast1 trustpoint X` and `sast2 trustpoint X`, the same
        in `show ctl-client`, two SAST records built from one trustpoint in
        `debug ctl-client` (`create_ctl_record: Function 0 Trustpoint X` twice),
        or a CTL file whose SAST records carry the same serial (or only one).

    Why it matters
        SAST2 exists so that a new CTL can still be signed by a key the phones
        trust when SAST1 is lost or renewed. With one certificate in both roles,
        replacing it makes every phone refuse the next CTL (CTL005), and the
        only way out is erasing the CTL on each phone. Cisco requires SAST1 and
        SAST2 to differ.

    Evidence
        running-config `sast1 trustpoint cmeserver` / `sast2 trustpoint
        cmeserver`; the CTL's SAST records `SN 3` and `SN 3`.

    False positives
        `show ctl-client` prints `SAST 1 Certificate Trustpoint:` on both lines in
        some releases; only the trustpoint names are compared.

    References
        Secure CME primer F27, §1.1 (SAST1/SAST2 must differ); CME Security guide (`sast2`).
    """

    id = "CTL008"
    name = "sast1-sast2-same-trustpoint"
    title = "SAST1 and SAST2 use the same certificate (no recovery path)"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    tags = ("ctl", "sast")
    requires = ("config.ctl_client", "ctl_client.summary", "ctl_client.record_requested", "ctl.file")
    collect = ("show running-config | section ctl-client", "show ctl-client", "debug ctl-client")
    remediation = (
        Step("config", "crypto key generate rsa general-keys label {new_sast} exportable modulus 2048",
             why="a key of its own for SAST2, exportable so it can be backed up"),
        *trustpoint_steps("new_sast", "enrollment url {ca_url}", "rsakeypair {new_sast}", "serial-number none",
                    "ip-address none"),
        *authenticate_steps("new_sast"),
        Step("config", "crypto pki enroll {new_sast}", why="then enroll: SCEP needs the CA authenticated first"),
        Step("config", "ctl-client"),
        Step("config-ctl-client", "sast2 trustpoint {new_sast}", why="SAST2 now differs from SAST1"),
        Step("config-ctl-client", "regenerate", why="SAST1, which the phones trust, signs the CTL that brings the "
                                                    "new SAST2"),
        Step("config", "crypto key export rsa {new_sast} pem terminal 3des {export_passphrase}",
             why="keep a copy of the SAST2 key off the router"),
        *PHONES_RESTART,
    )
    verify = "Verify with `show ctl-client` (two different SAST trustpoints) and `debug ctl-client`."

    def evaluate(self, case):
        for kind in ("config.ctl_client", "ctl_client.summary"):
            for f in list(case.facts_of(kind)):
                s1, s2 = f.fields.get("sast1_trustpoint"), f.fields.get("sast2_trustpoint")
                if s1 and s1 == s2:
                    yield self.finding(f"SAST1 and SAST2 both use trustpoint {s1}: if its certificate is lost or "
                                       "renewed, no trusted key is left to sign the next CTL.", evidence_of([f]),
                                       trustpoint=s1)
                    return
        requested = Counter(e.fields.get("trustpoint") for e in case.events_of("ctl_client.record_requested")
                            if e.fields.get("function") == 0)
        doubled = [tp for tp, n in requested.items() if tp and n > 1]
        if doubled:
            events = [e for e in case.events_of("ctl_client.record_requested") if e.fields.get("trustpoint") in doubled
                      and e.fields.get("function") == 0]
            yield self.finding(f"The CTL client built both SAST records (function 0) from trustpoint {doubled[0]}: "
                               "SAST1 and SAST2 are the same certificate.", evidence_of(events, 2), trustpoint=doubled[0])
            return
        for ctl in list(case.facts_of("ctl.file")):
            sasts = ctl.fields.get("sast_serials") or []
            if ctl.fields.get("kind") != "itl" and 0 < len(set(sasts)) < 2:
                yield self.finding(f"CTL file {ctl.fields.get('filename')} has {len(sasts)} SAST record(s) with one "
                                   f"serial (SN {sasts[0]}): there is no second SAST to sign a future CTL.",
                                   evidence_of([ctl]), confidence=Confidence.MEDIUM)
                return
