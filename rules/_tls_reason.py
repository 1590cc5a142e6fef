"""Reading a TLS failure reason (OpenSSL's words, as IOS prints them after `Reason:`,
`SSL Handshake Error` or `debug ssl openssl errors`): who rejected whose
certificate, and the likely cause (issue #14 class 4).

%DTLS- lines say themselves whether the alert was received or sent
(`parsers/tls_syslogs.py`: the event's ``rejected_by``); that wins over the words.

An alert named in the reason (`sslv3 alert bad certificate`, `tlsv1 alert unknown
ca`) was *received*: the peer refused the router's certificate. A verify error
(`certificate verify failed`, `unable to get local issuer certificate`,
`certificate has expired`) is the router's own check: it refused the peer's.
"""
from __future__ import annotations

import re

# OpenSSL alert names (RFC 5246 §7.2) and verify errors, -> likely cause
_CAUSES = (
    (re.compile(r"expired|not yet valid", re.I), "validity against the checking side's clock"),
    (re.compile(r"unknown ca|unable to get (?:local )?issuer|self.signed|untrusted|chain", re.I),
     "missing trust: the issuer is not trusted on the checking side (trustpoint, CTL)"),
    (re.compile(r"revoked", re.I), "revocation: the certificate's serial is on its CA's CRL (PKI023)"),
    (re.compile(r"bad certificate|unsupported certificate|certificate unknown", re.I),
     "the certificate itself (key usage, key size, revocation) as the checking side judged it"),
    (re.compile(r"verif(?:y|ication) failed", re.I),
     "the checking side could not validate the certificate: an untrusted issuer, dates outside the validity on "
     "its clock, or revocation (`debug crypto pki validation` names which)"),
    (re.compile(r"protocol version|unsupported protocol|wrong version|no shared cipher|handshake failure", re.I),
     "protocol version or cipher suites"),
)


def read_reason(reason: str | None, service: str | None = None, rejected_by: str | None = None) -> str:
    """'the peer refused the router's certificate (...); likely cause: ...' or '' when
    the reason names no certificate, version or cipher problem. ``rejected_by``
    (``peer`` / ``local``, from lines that say whether the alert was received or
    sent: %DTLS-) overrides the reading of the reason's words."""
    text = reason or ""
    cause = next((why for pattern, why in _CAUSES if pattern.search(text)), "")
    if not cause:
        return ""
    where = f"the {service} service" if service else "the router"
    if cause.startswith("protocol"):
        return f"no common TLS version or cipher with {where}'s peer; likely cause: {cause}"
    if rejected_by == "peer" or (rejected_by is None and re.search(r"\balert\b", text, re.I)):
        who = f"the peer refused the certificate of {where} (it sent the alert)"
    else:
        who = f"{where} refused the peer's certificate (its own verification failed)"
    return f"{who}; likely cause: {cause}"
