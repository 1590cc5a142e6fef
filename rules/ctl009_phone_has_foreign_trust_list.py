from __future__ import annotations

from collections import Counter

from cmedebug.engine import Rule
from cmedebug.remediation import Step, PHONE
from cmedebug.model import Confidence, Severity
from cmedebug.formatting import fmt_time
from cmedebug.rules._format import at_time, evidence_of, sep
from cmedebug.rules._trust import sast_continuity_proven, trust_list_refusals, TRUST_LIST_REFUSED

# A phone rebooting normally fetches its signed config once per boot.
REPEATED_FETCHES = 5


class PhoneHasForeignTrustList(Rule):
    """A phone holds a trust list from CUCM or another CME and refuses this CME's files.

    What it detects
        Phones refusing the CTL (`Trust List Update Failed`, `CTL update
        failed`) although this CME's own CTLs chain correctly (each new CTL is
        signed by a SAST of the previous one), so the list the phone holds did
        not come from this system; and phones fetching their
        `SEP<mac>.cnf.xml.sgn` again and again from CME's TFTP server.

    Why it matters
        A phone moved from CUCM or another CME keeps that system's CTL/ITL and
        accepts only files signed by its signers: it never takes this CME's CTL,
        loops on its signed config, and never registers securely.

    Evidence
        Phone status `Trust List Update Failed`; `debug tftp events` with
        `TFTP: Looking for SEP000E325C9A43.cnf.xml.sgn` many times for one
        phone; the phone's security menu shows a CTL checksum that does not
        match CME's.

    False positives
        A SAST change on this CME (CTL005) gives the same phone message; it is
        reported here only when the CME's own CTL files prove SAST continuity
        or when the only evidence is repeated signed-config fetches (low).

    References
        Secure CME primer F28 phone-has-foreign-trust-list; formats.md §7.2-7.6.
    """

    id = "CTL009"
    name = "phone-has-foreign-trust-list"
    title = "Phone holds a trust list from another system"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("ctl", "phone")
    requires = (*TRUST_LIST_REFUSED, "phone.status.file_auth_failed", "tftp.request")
    explains = ("CFG002", "CFG007")
    collect = ("the phone's status messages", "debug tftp events", "CTLSEP<MAC>.tlv files before and after changes",
               "the phone's Security Configuration menu (CTL/ITL checksums)")
    remediation = (
        Step("phone", "erase ctl", device=PHONE,
             why="Settings > Security Configuration > CTL File (or Trust List), unlock with **#, Erase; "
                 "or factory reset the phone",
             warning="a phone without a CTL trusts the next CTL it is given: do it on a network you control"),
        Step("config", "ephone {ephone}"),
        Step("config-ephone", "reset", why="the phone takes CME's CTL on first use"),
    )
    verify = "Verify with the phone's status messages (CTL Installed) and `show ephone` (+ Authentication)."

    def evaluate(self, case):
        refused = trust_list_refusals(case)
        if refused and sast_continuity_proven(case):
            first = refused[0]
            yield self.finding(
                f"Phone {first.device or ''} reported '{(first.raw or (first.kind,))[0].strip()}'"
                f"{at_time(first.ts)} although every CTL of this CME is signed by a SAST of the previous one: the "
                "phone holds a trust list from another system (CUCM or another CME).".replace("Phone  ", "A phone "),
                evidence_of(refused, 3), first_seen=first.ts)
            return
        fetches = Counter(e.fields.get("mac") for e in case.events_of("tftp.request")
                          if e.fields.get("file_type") == "cnf_xml_sgn" and e.fields.get("mac"))
        for mac, count in fetches.items():
            if count >= REPEATED_FETCHES:
                events = [e for e in case.events_of("tftp.request") if e.fields.get("mac") == mac
                          and e.fields.get("file_type") == "cnf_xml_sgn"]
                yield self.finding(
                    f"{sep(mac)} fetched its signed configuration {count} times, from {fmt_time(events[0].ts)} to "
                    f"{fmt_time(events[-1].ts)}: it keeps refusing it, typical of a phone holding another system's "
                    "trust list.", evidence_of(events, 3), confidence=Confidence.LOW, first_seen=events[0].ts, mac=mac)
