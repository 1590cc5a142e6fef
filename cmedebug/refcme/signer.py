"""The telephony-service signer: `SEP<mac>.cnf.xml` and `SEP<mac>.cnf.xml.sgn`.

The XML carries what the phone needs for security (formats.md §5):
``deviceSecurityMode`` (1 none, 2 authenticated, 3 encrypted), ``capfAuthMode``
(0 no operation, 1 auth string, 2 null string, 3 LSC, 4 MIC) and the CAPF
address and port. The ``.sgn`` is signed with the `tftp-server-credentials`
trustpoint by the project's own writer (``cmedebug.parsers.signed_file.sign_file``).
Ports in the XML are the nominal ones; the model's network maps them to the
loopback ports the listeners really use.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from cmedebug.parsers.signed_file import sign_file
from cmedebug.refcme.sccp import PHONE_LOAD

SECURITY_MODES = {"none": 1, "authenticated": 2, "encrypted": 3}


def cnf_xml(mac: str, cme_ip: str, security_mode: str, capf_auth_mode: int, capf_port: int = 3804,
            load: str = PHONE_LOAD) -> bytes:
    lines = [
        "<device>",
        "<deviceProtocol>SCCP</deviceProtocol>",
        "<devicePool>",
        "<callManagerGroup>",
        "<members>",
        '<member priority="0">',
        "<callManager>",
        "<ports>",
        "<ethernetPhonePort>2000</ethernetPhonePort>",
        "</ports>",
        f"<processNodeName>{escape(cme_ip)}</processNodeName>",
        "</callManager>",
        "</member>",
        "</members>",
        "</callManagerGroup>",
        "</devicePool>",
        f"<deviceSecurityMode>{SECURITY_MODES[security_mode]}</deviceSecurityMode>",
        f"<capfAuthMode>{capf_auth_mode}</capfAuthMode>",
        "<capfList>",
        "<capf>",
        f"<phonePort>{capf_port}</phonePort>",
        f"<processNodeName>{escape(cme_ip)}</processNodeName>",
        "</capf>",
        "</capfList>",
        f"<loadInformation>{escape(load)}</loadInformation>",
        "<encrConfig>false</encrConfig>",
        "<fullConfig>true</fullConfig>",
        "</device>",
    ]
    return ("\n".join(lines) + "\n").encode()


def signed_cnf(mac: str, xml: bytes, trustpoint, now) -> bytes | None:
    """The `.sgn`, or None when the TFTP trustpoint cannot sign (no certificate or key)."""
    if trustpoint is None or trustpoint.cert is None or trustpoint.key is None:
        return None
    return sign_file(xml, f"SEP{mac}.cnf.xml.sgn", trustpoint.cert, trustpoint.key, timestamp=now)
