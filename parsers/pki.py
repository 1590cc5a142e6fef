"""`debug crypto pki transactions | messages | validation` lines and the PKI syslogs.

Never judges: a rejected certificate becomes an event with its serial and dates;
rules decide what that means.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import norm_serial, parse_ios_date

# %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. The certificate (SN: 1A2B) has expired. Validity period ended on 13:09:32 UTC Jun 12 2029
_SN = re.compile(r"\(SN: ?([0-9A-Fa-f: ]+)\)")
# ... Validity period ended on 13:09:32 UTC Jun 12 2029
# ... Validity period starts on 10:00:00 UTC Nov 26 2026
_PERIOD = re.compile(r"Validity period (?:ended|starts) on (.+?)\s*$")
# CRYPTO_PKI: status = 0x762(E_ENCRYPT_ALG_NOT_SUPPORTED : message encryption algorithms not supported): pkcs7 verify data returned status
_STATUS = re.compile(r"status = (0x[0-9A-Fa-f]+)\((E_[A-Z0-9_]+) ?: ?([^)]*)\):? ?(.*)$")
# %PKI-3-PKCS12_IMPORT_FAILURE: PKCS #12 import failed for trustpoint: CME. Reason: Failed to import pkcs12 context
_TRUSTPOINT = re.compile(r"[Tt]rustpoint:? ?([A-Za-z0-9_.\-]+?)\.?(?: |$|,)")
_REASON = re.compile(r"Reason: ?(.*)$")

# mnemonic -> event kind
SYSLOG_KINDS = {
    "NON_AUTHORITATIVE_CLOCK": "pki.clock.non_authoritative",
    "CERTIFICATE_INVALID_EXPIRED": "pki.cert.invalid_expired",
    "CERTIFICATE_INVALID_NOT_YET_VALID": "pki.cert.invalid_not_yet_valid",
    "CERTRET": "pki.enroll.cert_received",
    "CERTFAIL": "pki.enroll.failed",
    "CERTREJECT": "pki.enroll.rejected",
    "CERTPENDING": "pki.enroll.pending",
    "SOCKETSEND": "pki.ca.socket_send_failed",
    "CS_ENABLED": "pki.cs.enabled",
    "CS_DISABLED": "pki.cs.disabled",
    "CS_GRANT_AUTO": "pki.cs.grant_auto",
    "TRUSTPOINT_CREATE": "pki.trustpoint.created",
    "PKCS12_IMPORT_FAILURE": "pki.pkcs12.import_failed",
    "PKCS12_IMPORT_SUCCESS": "pki.pkcs12.imported",
    "CRL_FETCH_FAIL": "pki.crl.fetch_failed",
}


class PkiParser(LineParser):
    name = "pki"
    description = "debug crypto pki (transactions, messages, validation) and %PKI- syslogs"
    keywords = ("%PKI-", "CRYPTO_PKI", "status = 0x")
    priority = 20

    def parse(self, rec: Record, ctx: Context):
        text = rec.text
        if rec.facility == "PKI":
            return [self._syslog(rec, ctx)]
        if "status = 0x" in text:
            m = _STATUS.search(text)
            if m:
                return [ctx.event("pki.status", rec, code=m.group(1).lower(), error=m.group(2),
                                  reason=m.group(3).strip(), context=m.group(4).strip())]
        if text.startswith("CRYPTO_PKI"):
            # CRYPTO_PKI: Sending CA Certificate Request:   (the rest are parsed by the full PKI parser)
            return [ctx.event("pki.debug", rec, text=text)]
        return None

    def _syslog(self, rec: Record, ctx: Context):
        kind = SYSLOG_KINDS.get(rec.mnemonic or "", "pki.syslog")
        fields: dict = {"mnemonic": rec.mnemonic, "severity": rec.severity}
        sn = _SN.search(rec.text)
        if sn:
            fields["serial"] = norm_serial(sn.group(1))
        period = _PERIOD.search(rec.text)
        if period:
            parsed = parse_ios_date(period.group(1))
            if parsed:
                fields["not_after" if "ended" in period.group(0) else "not_before"] = parsed[0]
        if rec.mnemonic in ("PKCS12_IMPORT_FAILURE", "TRUSTPOINT_CREATE", "PKCS12_IMPORT_SUCCESS"):
            tp = _TRUSTPOINT.search(rec.text)
            if tp:
                fields["trustpoint"] = tp.group(1)
        reason = _REASON.search(rec.text)
        if reason:
            fields["reason"] = reason.group(1).strip()
        return ctx.event(kind, rec, **fields)
