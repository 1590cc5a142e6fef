"""Certificate classification and the time each device judged validity at."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from cmedebug.formatting import common_name
from cmedebug.rules._evidence import adjacent_events


# Subjects of the Cisco manufacturing roots that phone MICs chain to (sample 16:
# cn=CAP-RTP-002,o=Cisco Systems / cn=CAPF-508A3754,o=Cisco Systems Inc,c=US).
_MIC_ROOT = re.compile(r"CAP-RTP-|CAPF-[0-9A-F]|Cisco Manufacturing CA", re.IGNORECASE)


def device_now(case, device: str | None) -> tuple[datetime | None, str]:
    """(what ``device`` believed the time was, the basis of that belief for messages):
    its latest `show clock`; the only `show clock` of the case when either side
    was printed without a prompt (no device name); else the latest time a
    trusted clock vouched for (case.reference_time); (None, "") when the
    evidence holds no time."""
    from cmedebug.clock import DEFAULT_DEVICE, clock_of

    clock = clock_of(case, device)
    if clock is None or clock.believed_time is None:
        shown = [c for c in case.clocks.values() if c.believed_time is not None]
        unnamed = device in (None, DEFAULT_DEVICE) or (len(shown) == 1 and shown[0].device == DEFAULT_DEVICE)
        clock = shown[0] if len(shown) == 1 and unnamed else None
    if clock is not None and clock.believed_time is not None:
        return clock.believed_time, f"`show clock` on {clock.device}"
    if case.reference_time is not None:
        if case.reference_borrowed:
            return case.reference_time, BORROWED_BASIS
        if case.reference_assumed:
            return case.reference_time, f"the latest log stamp, its year {case.reference_assumed}"
        return case.reference_time, "the latest trusted time in the evidence"
    return None, ""


# The basis quoted in messages when a date had to be compared with today.
TODAY_BASIS = "today's date: the evidence holds no device clock"
# ... with the time another device of the case showed (this one's evidence holds none).
BORROWED_BASIS = "the latest trusted time of another device in the evidence: this device's shows none"


def not_its_own_time(basis: str) -> bool:
    """Whether a date was judged against a time the device did not show (today's, another
    device's): the device may have changed since its capture, so findings say so at low
    confidence, and what deletes anything waits until the device's own output confirms it."""
    return basis in (TODAY_BASIS, BORROWED_BASIS)


def judging_time(case, device: str | None, ends: datetime | None = None) -> tuple[datetime, str]:
    """The time to judge a validity end ``ends`` against: what the device believed
    (``device_now``); else, when ``ends`` lies before it, the latest date the
    evidence proves had passed (the capture came later, so the date had passed
    then too); else today's date (midnight UTC, so that two runs agree), with
    TODAY_BASIS, which callers report at low confidence."""
    now, basis = device_now(case, device)
    if now is not None:
        return now, basis
    floor = case.capture_floor
    if floor is not None and ends is not None and ends < floor.when:
        return floor.when, f"{floor.basis}, which the capture followed"
    return datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0), TODAY_BASIS


def is_boot_default(when: datetime | None) -> bool:
    from cmedebug.clock import BOOT_DEFAULT_YEARS

    return when is not None and when.year in BOOT_DEFAULT_YEARS


def certificates(case) -> list:
    """`cert` facts, one per (serial, issuer): a certificate printed twice (by `show crypto pki
    certificates` and inside a CTL) counts once, as the copy that names its trustpoints."""
    kept: dict[tuple, object] = {}
    for f in list(case.facts_of("cert")):
        key = (f.fields.get("serial"), common_name(f.fields.get("issuer")).lower())
        if key not in kept or (f.fields.get("trustpoints") and not kept[key].fields.get("trustpoints")):
            kept[key] = f
    return list(kept.values())


def is_ca_cert(cert) -> bool:
    f = cert.fields
    if f.get("role") == "ca" or f.get("is_ca"):
        return True
    return f.get("role") is None and bool(f.get("subject")) and \
        common_name(f.get("subject")).lower() == common_name(f.get("issuer")).lower()


# TP-self-signed-1215158049: the trustpoint IOS makes for its own HTTPS server (corpus 32). Its
# certificate (IOS-Self-Signed-Certificate-<n>, the one that expired on 2020-01-01 on older releases)
# serves no Secure CME function unless the configuration names the trustpoint for one.
_IOS_SELF_SIGNED_TRUSTPOINT = re.compile(r"TP-self-signed-\d+$")


def serves_no_cme_function(cert, uses) -> bool:
    """Whether ``cert`` is only IOS's self-signed HTTPS certificate: every trustpoint that holds it
    is a `TP-self-signed-<n>` no Secure CME function uses (``uses``: functional_trustpoints)."""
    held = cert.fields.get("trustpoints") or []
    return bool(held) and all(_IOS_SELF_SIGNED_TRUSTPOINT.match(tp) and tp not in uses for tp in held)


def is_mic_root(cert) -> bool:
    return is_ca_cert(cert) and bool(_MIC_ROOT.search(cert.fields.get("subject") or ""))


def describe_cert(cert) -> str:
    """'SN 07 (trustpoint cisco2, subject CME1.cisco.com, issued by cme_root)'."""
    f = cert.fields
    parts = []
    if f.get("trustpoints"):
        parts.append(f"trustpoint{'s' if len(f['trustpoints']) > 1 else ''} {', '.join(f['trustpoints'])}")
    if f.get("subject"):
        parts.append(f"subject {common_name(f['subject'])}")
    if f.get("issuer"):
        parts.append(f"issued by {common_name(f['issuer'])}")
    kind = "CA certificate" if is_ca_cert(cert) else "certificate"
    return f"{kind} SN {f.get('serial', '?')}" + (f" ({', '.join(parts)})" if parts else "")


def certs_by_serial(case) -> dict[str, list]:
    out: dict[str, list] = {}
    for c in certificates(case):
        if c.fields.get("serial"):
            out.setdefault(c.fields["serial"], []).append(c)
    return out


# How long a TLS handshake takes at most, so that lines around it belong to it.
HANDSHAKE_SECONDS = 5


# A phone's LSC: CN=SEP001B535CDA32
_PHONE_SUBJECT = re.compile(r"\bcn=SEP[0-9A-F]{12}\b", re.IGNORECASE)


def is_phone_cert(cert) -> bool:
    return bool(_PHONE_SUBJECT.search(cert.fields.get("subject") or ""))


def in_peer_handshake(event, before, after) -> bool:
    """Whether a certificate verdict was printed inside a TLS handshake with a
    peer (CME checking the phone's certificate): the event just before it in
    the file is `CRYPTO_PKI_OPSSL - Verifying 1 Certs` or another handshake
    line, or the one just after is a handshake failure, within a few seconds."""

    def close(other) -> bool:
        return other.ts is None or event.ts is None or abs((other.ts - event.ts).total_seconds()) <= HANDSHAKE_SECONDS

    if before is not None and close(before) and \
            (before.kind == "pki.opssl.verifying" or before.kind.startswith(("tls.handshake.", "capf."))):
        return True
    return after is not None and close(after) and after.kind == "tls.handshake.failed"


# An IOS certificate server numbers its own certificate 1 (`nvram:cme_root#1CA.cer`, corpus 19 and 21) and
# what it issues from 2: a serial 1 the evidence holds no certificate for is as likely the CA's as a phone's.
IOS_CA_OWN_SERIAL = "1"


def classify_certificate_event(case, event, known: dict | None = None, adjacent: dict | None = None) -> str:
    """What a `%PKI-3-CERTIFICATE_INVALID_*` serial is: 'ca', 'mic_root', 'phone'
    (an LSC/MIC checked in a handshake), 'router' (one of the router's own
    certificates) or 'unknown'. ``known`` / ``adjacent`` are precomputed
    certs_by_serial() / adjacent_events() when classifying many events."""
    known = certs_by_serial(case) if known is None else known
    certs = known.get(event.fields.get("serial") or "")
    if certs:
        if any(is_mic_root(c) for c in certs):
            return "mic_root"
        if any(is_ca_cert(c) for c in certs):
            return "ca"
        return "phone" if any(is_phone_cert(c) for c in certs) else "router"
    if (event.fields.get("serial") or "").lstrip("0") == IOS_CA_OWN_SERIAL:
        return "unknown"  # in a phone's chain, maybe its issuer's: the evidence does not say
    adjacent = adjacent_events(case, [event]) if adjacent is None else adjacent
    return "phone" if in_peer_handshake(event, *adjacent[id(event)]) else "unknown"


def validity_failures(case, kind: str, classes: tuple[str, ...]) -> dict[str, list]:
    """Certificate-verdict events of ``kind`` grouped by serial, keeping the
    serials whose class (see classify_certificate_event) is in ``classes``."""
    by_serial: dict[str, list] = {}
    for ev in case.events_of(kind):
        by_serial.setdefault(ev.fields.get("serial") or "?", []).append(ev)
    known = certs_by_serial(case)
    adjacent = adjacent_events(case, [evs[0] for evs in by_serial.values()])
    return {s: evs for s, evs in by_serial.items()
            if classify_certificate_event(case, evs[0], known, adjacent) in classes}
