"""Evidence of a revocation and what it hits (issue #14 class 6): the serials a CA
revoked (`crypto pki server <cs> revoke <serial>` typed at a prompt, the revoked
entries of a CRL), the certificates that a checking side refused as revoked
(%PKI-3-CERTIFICATE_REVOKED), the certificates of the case under those serials,
and the handshake failures of the device that presented one, after the revocation."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from cmedebug.formatting import common_name
from cmedebug.rules._certs import HANDSHAKE_SECONDS, certificates, is_ca_cert, is_phone_cert
from cmedebug.rules._trust import TLS_CERTIFICATE_REASON, capf_sessions, session_mac

# the transient CAPF error before a successful handshake (ios-commands.md, CAPF)
_TRANSIENT_CAPF_CODE = -6983
# a phone's MAC in a certificate subject (CN=SEP001B535CDA32) or a MAC field
_MAC = re.compile(r"(?:SEP)?([0-9A-F]{12})\b", re.IGNORECASE)
# how the evidence says a serial was revoked, strongest first
HOW = ("revoke", "crl", "refused")


@dataclass
class Revocation:
    """One revoked serial of one CA, with every item of the evidence that says so."""

    serial: str
    ca: str | None  # the CA's name (certificate server name or issuer CN); None when only a refusal names it
    items: list = field(default_factory=list)  # (how, item, when)

    @property
    def when(self) -> datetime | None:
        """The earliest known time of the revocation."""
        times = [when for _, _, when in self.items if when is not None]
        return min(times) if times else None

    def first(self, how: str):
        return next((item for h, item, _ in self.items if h == how), None)

    @property
    def device(self) -> str | None:
        return self.items[0][1].device if self.items else None


def revocations(case) -> list[Revocation]:
    """The revoked serials of the case, one Revocation per (serial, CA). A revocation IOS
    refused (a `% ` answer under the command) revoked nothing and is left out. A refusal
    (%PKI-3-CERTIFICATE_REVOKED names no issuer) joins the revocation of the same serial
    when exactly one CA of the case revoked it."""
    refused = {(e.source.path, e.fields.get("command")) for e in case.events_of("console.error")}
    found: dict[tuple, Revocation] = {}

    def add(serial, ca, how, item, when):
        if not serial:
            return
        key = (serial, (ca or "").lower() or None)
        found.setdefault(key, Revocation(serial, ca)).items.append((how, item, when))

    for ev in case.events_of("pki.cs.revoke"):
        if (ev.source.path, ev.fields.get("command")) not in refused:
            add(ev.fields.get("serial"), ev.fields.get("ca"), "revoke", ev, ev.ts)
    for crl in case.facts_of("pki.crl"):
        for entry in crl.fields.get("revoked") or []:
            add(entry.get("serial"), common_name(crl.fields.get("issuer")), "crl", crl, entry.get("revoked_at"))
    for ev in case.events_of("pki.cert.invalid_revoked"):
        named = [r for (serial, _), r in found.items() if serial == ev.fields.get("serial")]
        if len(named) == 1:  # the refused serial is one a CA of the case revoked
            named[0].items.append(("refused", ev, ev.ts))
        else:
            add(ev.fields.get("serial"), None, "refused", ev, ev.ts)
    for r in found.values():
        r.items.sort(key=lambda entry: HOW.index(entry[0]))
    return list(found.values())


def revoked_certificates(case, revocation: Revocation) -> list:
    """The `cert` facts under the revoked serial, issued by that CA when it is known."""
    ca = (revocation.ca or "").lower()
    return [c for c in certificates(case) if c.fields.get("serial") == revocation.serial
            and (not ca or common_name(c.fields.get("issuer")).lower() == ca) and not is_ca_cert(c)]


def lookups(case, revocation: Revocation) -> list:
    """`CRYPTO_PKI(Cert Lookup) issuer="cn=<CA>" serial number= <hex>` lines (debug crypto pki)
    naming the revoked certificate: a device validating it, as a peer presented it."""
    ca = (revocation.ca or "").lower()
    return [e for e in case.events_of("pki.cert.lookup") if ca and e.fields.get("serial") == revocation.serial
            and common_name(e.fields.get("issuer")).lower() == ca]


def phone_macs(certs) -> list[str]:
    """The MACs (12 upper-case hex digits) of the phones whose certificates (LSC, MIC) these are."""
    macs = []
    for c in certs:
        m = _MAC.search(common_name(c.fields.get("subject"))) if is_phone_cert(c) else None
        if m and m.group(1).upper() not in macs:
            macs.append(m.group(1).upper())
    return macs


def phone_addresses(case, macs: list[str]) -> set[tuple]:
    """(device, IP address) of each registration of those phones: the CME a phone registered
    with, and the address it came from (a failure from that address on that CME is the phone's)."""
    wanted = set(macs)
    addresses = set()
    for ev in case.events_of("ephone.registered"):
        m = _MAC.search(ev.fields.get("mac") or "")
        if m and m.group(1).upper() in wanted and ev.fields.get("peer_ip"):
            addresses.add((ev.device, ev.fields["peer_ip"]))
    return addresses


def failures_after(case, revocation: Revocation, certs, looked_up=()) -> list:
    """The certificate failures of the device whose certificate was revoked, after the
    revocation (a refusal naming the serial is one of the revocation's own items): a
    handshake failure whose reason says revoked, on a device that holds the certificate
    or the evidence of its revocation; a handshake failure from one of the revoked
    phones' addresses, or in a CAPF session that names the phone; for the router's own certificate (one with a trustpoint), the
    failures of its
    TLS and CAPF services that its peers refused (an alert they sent; CAPF errors); a
    failure on a device that looked the certificate up (``looked_up``) within a
    handshake's time after. A failure before the revocation (by time, else by line in
    the same file) is not its, nor one whose order nothing proves (no time, another
    file) unless its reason says revoked."""
    macs = phone_macs(certs)
    addresses = phone_addresses(case, macs)
    # CAPF errors carry no phone: the MAC its session names later (ephone_capf_... SEP<mac>)
    capf_phone = {id(e): (session_mac(s) or "").upper().removeprefix("SEP") for s in capf_sessions(case) for e in s}
    router_devices = {c.device for c in certs if c.fields.get("trustpoints")}
    concerned = {c.device for c in certs} | {item.device for _, item, _ in revocation.items} | \
        {e.device for e in looked_up}
    start = revocation.when
    anchor = revocation.items[0][1]
    out = []
    for ev in case.events_of("tls.handshake.failed", "capf.tls.handshake_error"):
        if ev.fields.get("code") == _TRANSIENT_CAPF_CODE:
            continue
        reason = ev.fields.get("reason") or ""
        # the router's own certificate refused by its peers: an alert they sent, or CAPF never up
        refused_by_peer = ev.fields.get("rejected_by") == "peer" or (
            ev.fields.get("rejected_by") is None and re.search(r"\balert\b", reason, re.IGNORECASE))
        own_service = ev.device in router_devices and (
            ev.kind == "capf.tls.handshake_error" or bool(TLS_CERTIFICATE_REASON.search(reason) and refused_by_peer))
        said_revoked = "revoked" in reason.lower() and ev.device in concerned
        validated = any(ev.device == e.device and ev.ts is not None and e.ts is not None
                        and 0 <= (ev.ts - e.ts).total_seconds() <= HANDSHAKE_SECONDS for e in looked_up)
        phone = (ev.device, ev.fields.get("peer_ip")) in addresses or capf_phone.get(id(ev)) in macs
        if not (said_revoked or validated or phone or own_service):
            continue
        if start is not None and ev.ts is not None:
            if ev.ts < start:
                continue
        elif ev.source.path == anchor.source.path:
            if ev.source.first_line < anchor.source.first_line:
                continue
        elif not said_revoked:
            continue  # no time and another file: nothing proves it came after (a `revoked` reason does)
        out.append(ev)
    return out
