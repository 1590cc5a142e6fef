"""`debug credentials`: TLS sessions of the credentials service (CME CTL
provider on 2444, Secure SRST on 2445), printed as
`Credentials service: Start TLS Handshake 1 10.5.43.174 4374` ... `TLS Handshake completes`."""
from __future__ import annotations

from cmedebug.parsers.tls import TlsDebugParser, handshake_shapes


class CredentialsDebugParser(TlsDebugParser):
    name = "credentials"
    description = "debug credentials (CTL provider / SRST credentials service TLS)"
    keywords = ("Credentials service:",)
    priority = 34  # before the bare TLS lines
    service = "credentials"
    # Credentials service: TLS Handshake returns OPSSLReadWouldBlockErr
    shapes = handshake_shapes("Credentials service: ")
