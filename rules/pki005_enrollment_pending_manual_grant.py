from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.remediation import WAIT, Step
from cmedebug.remediation_steps import CNF_FILES, CTL_REGENERATE, PHONES_RESTART, SIGNALING_REAPPLIED, grant_automatically
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._evidence import happened_before
from cmedebug.rules._links import same_device


# cn=sep001122334455: the subject CAPF gives a phone's LSC request
_PHONE_SUBJECT = re.compile(r"(?:cn=)?sep([0-9a-f]{12})", re.IGNORECASE)


class EnrollmentPendingManualGrant(Rule):
    """Enrollment requests wait on a CA in manual granting mode.

    What it detects
        A certificate server in manual granting mode (`Granting mode is:
        manual`, or a configuration without `grant auto`) holding requests in
        state `pending` (`show crypto pki server <CA> requests`), or
        `%PKI-6-CERTPENDING`, or a client that printed `% Certificate request
        sent to Certificate Authority` and never received a certificate.

    Why it matters
        The trustpoint never gets its certificate, so whatever uses it (TLS on
        2443, config signing, CAPF, the CTL) cannot start; CAPF sessions wait
        on the CA for LSCs. Nothing fails loudly: the request just waits for an
        operator. A phone's LSC request (`cn=sep<mac>`, sent by CAPF) outlives
        its CAPF session: granted later, it reaches no phone. Where only such
        requests wait, the fix removes them, grants automatically and restarts
        the phones, which ask again (the steps below are for a trustpoint's
        request).

    Evidence
        `Granting mode is: manual`; a row `1  pending  <fingerprint>
        hostname=CME1` under `Router certificates requests:`; client console `%
        Certificate request sent to Certificate Authority` with no
        `%PKI-6-CERTRET` afterwards.

    False positives
        Manual granting is Cisco's recommendation once the build is finished;
        the mode alone, without a waiting request, is not reported. A request
        pending on a CA that says it grants automatically (it may wait at an RA)
        is reported at medium severity, low confidence.

    References
        Secure CME primer F11 enrollment-pending-manual-grant, §2.2 step 4;
        CME Security guide (manual approval step).
    """

    id = "PKI005"
    name = "enrollment-pending-manual-grant"
    title = "Enrollment pending: CA waits for a manual grant"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "ca", "enrollment")
    requires = ("pki.server_request", "pki.enroll.pending", "pki.enroll.request_sent")
    explains = ("PKI016", "PKI007", "CAPF005", "TLS001", "CFG004", "CFG005", "CTL001")
    collect = ("show crypto pki server", "show crypto pki server <CA> requests", "show running-config | section crypto pki server")
    GRANT_AUTO = grant_automatically(
        "ca", why="a phone's CAPF session waits on the CA for its LSC and ends before a manual grant comes: grant "
                  "automatically while the phones enroll (Cisco's build steps; an RA serving CAPF needs it too)",
        warning="every enrollment request is then granted without review: once the phones hold their LSCs, return "
                "to manual granting (`shutdown`, `no grant auto`, `no shutdown` under `crypto pki server {ca}`)")
    # Only phones' LSC requests wait (subject cn=SEP<mac>, sent by CAPF): their sessions have ended,
    # so a grant now reaches no phone; the requests go, and each phone asks again at its restart,
    # granted at once.
    PHONES_ASK_AGAIN = (
        Step("exec", "crypto pki server {ca} remove {request_id}",
             why="the request of a CAPF session that has ended: no phone would collect its certificate"),
        *GRANT_AUTO,
        Step("config", "ephone {ephone}"),
        Step("config-ephone", "reset", why="the phone opens a new CAPF session when it restarts, and the CA grants "
                                           "its LSC at once now: the request that waited belonged to a session "
                                           "that has ended"),
    )
    remediation = (
        Step("exec", "crypto pki server {ca} grant {request_id}",
             why="on the CA: grant the request that waits (`grant all` grants every waiting request)"),
        *GRANT_AUTO,
        Step(WAIT, "wait until the granted certificates are installed", device=WAIT,
             why="`show crypto pki certificates` lists a certificate for each trustpoint that waited: the router "
                 "collects a granted request when it next polls the CA (`enrollment retry period`, 1 minute by "
                 "default: inferred); a CTL regenerated before then carries none of them"),
        *SIGNALING_REAPPLIED,
        *CTL_REGENERATE,
        *CNF_FILES,
        *PHONES_RESTART,
    )
    variants = (("every request that waits is a phone's LSC request from a CAPF session that has ended",
                 PHONES_ASK_AGAIN),)
    verify = "Verify with `show crypto pki server {ca} requests` (state granted) and `show crypto pki certificates {trustpoint}` on the client."
    PHONES_VERIFY = "Verify with `show capf-server sessions` (a session for the phone) and the phone (LSC: Installed)."

    def evaluate(self, case):
        manual, mode_fact = self._manual_mode(case)
        pending = [f for f in list(case.facts_of("pki.server_request")) if (f.fields.get("state") or "").lower() == "pending"]
        pending_events = list(case.events_of("pki.enroll.pending"))
        waiting = self._requests_never_answered(case)
        if not (pending or pending_events or (waiting and manual)):
            return
        ca = (mode_fact.fields.get("name") if mode_fact is not None else None) or "<CA>"
        details, evidence = [], []
        confidence = self.confidence
        if pending:
            details.append(f"{len(pending)} request(s) pending on the CA: " + ", ".join(
                f"id {f.fields.get('id')} ({f.fields.get('subject') or 'no subject'})" for f in pending[:5]))
            evidence += [Evidence.of(f) for f in pending[:3]]
        if pending_events:
            details.append(f"the client logged %PKI-6-CERTPENDING {len(pending_events)} time(s)")
            evidence += [Evidence.of(e) for e in pending_events[:2]]
        if waiting and not (pending or pending_events):
            details.append(f"{len(waiting)} request(s) were sent to the CA and no certificate came back")
            evidence += [Evidence.of(e) for e in waiting[:2]]
            confidence = Confidence.MEDIUM
        severity = self.severity
        if manual:
            details.append("the CA grants manually (" + ("`Granting mode is: manual`" if mode_fact.kind == "pki.server"
                                                        else "no `grant auto` in its configuration") + ")")
            evidence.append(Evidence.of(mode_fact))
        elif self._auto_mode(case):
            details.append("although the CA says it grants automatically: check that the request reached this CA "
                           "(an RA in front of it, or a second certificate server)")
            severity, confidence = Severity.MEDIUM, Confidence.LOW
        ids = [str(f.fields.get("id")) for f in pending if f.fields.get("id") is not None]
        first = pending_events[0].ts if pending_events else (waiting[0].ts if waiting else None)
        phones = [_PHONE_SUBJECT.fullmatch(f.fields.get("subject") or "") for f in pending]
        only_phones = bool(phones) and all(phones) and not (pending_events or waiting)
        message = f"Enrollment is waiting for a manual grant on CA {ca}: " + "; ".join(details) + "."
        if only_phones:
            message += " Every request that waits is a phone's LSC request sent by CAPF, whose session has ended."
        macs = sorted({m.group(1).upper() for m in phones}) if only_phones else []
        # the router's trustpoints without a certificate: the grant gives them one (secure-signaling's among them
        # is applied again: SIGNALING_REAPPLIED)
        waiting_trustpoints = [f.fields["name"] for f in case.facts_of("pki.trustpoint")
                               if f.fields.get("enrolled") is False and f.fields.get("name")]
        yield self.finding(message, evidence, severity=severity, confidence=confidence, first_seen=first, ca=ca,
                           request_ids=ids, remediation=self.PHONES_ASK_AGAIN if only_phones else None,
                           trustpoints=[] if only_phones else waiting_trustpoints,
                           verify=self.PHONES_VERIFY if only_phones else None,
                           **({"mac": macs[0]} if len(macs) == 1 else {"macs": macs} if macs else {}))

    @staticmethod
    def _manual_mode(case):
        for f in list(case.facts_of("pki.server")):
            if (f.fields.get("grant_mode") or "").lower().startswith("manual"):
                return True, f
        partial = {p.source.path for p in list(case.facts_of("config.present")) if p.fields.get("partial")}
        for f in list(case.facts_of("config.pki_server")):
            if f.fields.get("grant_auto") is False and f.fields.get("grant_mode") in (None, "none") \
                    and f.source.path not in partial:
                return True, f
        return False, None

    @staticmethod
    def _auto_mode(case) -> bool:
        return any((f.fields.get("grant_mode") or "").lower() == "auto" for f in list(case.facts_of("pki.server")))

    @staticmethod
    def _requests_never_answered(case):
        answers = list(case.events_of("pki.enroll.cert_received", "pki.enroll.failed", "pki.enroll.rejected"))
        return [sent for sent in case.events_of("pki.enroll.request_sent")
                if not any(same_device(a.device, sent.device) and happened_before(sent, a) for a in answers)]
