"""The CME security show commands: `show telephony-service security-info`,
`show credentials`, `show ctl-client`, `show capf-server summary|sessions|auth-string`.

Real shapes: ../shared/corpus/02, 04, 06 and 14.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import norm_mac
from cmedebug.parsers.show_block import (KeyValueShowParser, ShowBlockParser, TableShowParser, lower_or_none,
                                         text_or_none, to_int)


class ShowTelephonySecurityInfoParser(KeyValueShowParser):
    name = "show-telephony-security-info"
    description = "show telephony-service security-info"
    # Router# show telephony-service security-info
    commands = (r"sh\w* telephony-s[\w-]* sec[\w-]*",)
    # Skinny Server Trustpoint for TLS: cme-sccp
    block_start = re.compile(r"Skinny Server Trustpoint for TLS:")
    fact_kind = "telephony.security_info"
    keys = {
        # Skinny Server Trustpoint for TLS: cme-sccp
        "skinny server trustpoint for tls": ("secure_signaling_trustpoint", text_or_none),
        # TFTP Credentials Trustpoint: cme-tftp
        "tftp credentials trustpoint": ("tftp_server_credentials_trustpoint", text_or_none),
        # Server Security Mode: Secure
        "server security mode": ("server_security_mode", lower_or_none),
        # Global Device Security Mode: Authenticated
        "global device security mode": ("device_security_mode", lower_or_none),
    }


class ShowCredentialsParser(KeyValueShowParser):
    name = "show-credentials"
    description = "show credentials (CTL provider / SRST credentials service)"
    # Router# show credentials
    commands = (r"sh\w* cred\w*",)
    # Credentials IP: 172.19.245.1
    block_start = re.compile(r"Credentials IP:")
    fact_kind = "credentials.summary"
    keys = {
        # Credentials IP: 172.19.245.1
        "credentials ip": ("ip", text_or_none),
        # Credentials PORT: 2444
        "credentials port": ("port", to_int),
        # Trustpoint: ctlpv
        "trustpoint": ("trustpoint", text_or_none),
    }


class ShowCapfSummaryParser(KeyValueShowParser):
    name = "show-capf-summary"
    description = "show capf-server summary"
    # Router# show capf-server summary
    commands = (r"sh\w* capf-s[\w-]* sum\w*",)
    # CAPF Server Configuration Details
    block_start = re.compile(r"CAPF Server Configuration Details$")
    banners = block_start
    fact_kind = "capf.summary"
    keys = {
        # Trustpoint for TLS With Phone: cmeserver
        "trustpoint for tls with phone": ("trustpoint_label", text_or_none),
        # Trustpoint for CA operation: iosra
        "trustpoint for ca operation": ("cert_enroll_trustpoint", text_or_none),
        # Source Address: 10.1.1.1
        "source address": ("source_address", text_or_none),
        # Listening Port: 3804
        "listening port": ("port", to_int),
        # Phone Key Size: 1024
        "phone key size": ("phone_key_size", to_int),
        # Phone KeyGen Retries: 100
        "phone keygen retries": ("keygen_retry", to_int),
        # Phone KeyGen Timeout: 120 minutes
        "phone keygen timeout": ("keygen_timeout", to_int),
        # Device Authentication Mode: Auth-String
        "device authentication mode": ("auth_mode", lower_or_none),
    }


# Active CAPF Sessions        Phone ID                State
_SESSIONS_BANNER = re.compile(r"Active CAPF Sessions$|Phone ID +State$")
# SEP000CCE3A817C         AWAIT-KEYGEN-RES      SEP001122334455         AWAIT ENCRYPT MSG RESP
# (the Command Reference names states in words, the sample of corpus 02 joins them: messages.md)
_SESSION_ROW = re.compile(r"(?P<phone>SEP[0-9A-Fa-f]{12}|[0-9A-Fa-f]{12}) +(?P<state>[A-Z][A-Z0-9_\-]*(?: [A-Z][A-Z0-9_\-]*)*)$")


class ShowCapfSessionsParser(TableShowParser):
    name = "show-capf-sessions"
    description = "show capf-server sessions"
    # Router# show capf-server sessions
    commands = (r"sh\w* capf-s[\w-]* sess\w*",)
    block_start = re.compile(r"Active CAPF Sessions$")
    fact_kind, headers, row = "capf.session", (_SESSIONS_BANNER,), _SESSION_ROW

    def row_fields(self, m):
        return {"mac": norm_mac(m.group("phone")), "state": m.group("state")}


# Authentication Strings for configured Ephones      Mac-Addr        Auth-String      --------        -----------
_AUTH_BANNER = re.compile(r"Authentication Strings for configured Ephones$|Mac-Addr +Auth-String$|-+ +-+$")
# 000CCE3A817C    7012          (the value is a secret: only its presence and length are kept)
_AUTH_ROW = re.compile(r"(?P<mac>[0-9A-Fa-f]{12}) *(?P<secret>\S*)$")


class ShowCapfAuthStringParser(TableShowParser):
    name = "show-capf-auth-string"
    description = "show capf-server auth-string"
    # Router# show capf-server auth-string
    commands = (r"sh\w* capf-s[\w-]* auth[\w-]*",)
    block_start = re.compile(r"Authentication Strings for configured Ephones$")
    fact_kind, headers, row = "capf.auth_string", (_AUTH_BANNER,), _AUTH_ROW

    def row_fields(self, m):
        secret = m.group("secret")
        return {"mac": m.group("mac").upper(), "auth_string_set": bool(secret), "auth_string_length": len(secret)}


# CTL Client Information      -----------------------------      List of Trusted Servers in the CTL
_CTL_BANNER = re.compile(r"CTL Client Information$|-{5,}$|List of Trusted Servers in the CTL$")
# SAST 1 Certificate Trustpoint: cmeserver
_SAST = re.compile(r"SAST ?(?P<n>\d) Certificate Trustpoint: *(?P<tp>\S+)$")
# CME     10.1.1.1        cmeserver
_SERVER = re.compile(r"(?P<role>[A-Za-z][A-Za-z\-]*) +(?P<ip>\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}) +"
                     r"(?P<tp>\S+)$")


class ShowCtlClientParser(ShowBlockParser):
    name = "show-ctl-client"
    description = "show ctl-client"
    # Router# show ctl-client
    commands = (r"sh\w* ctl-c[\w-]*",)
    block_start = re.compile(r"CTL Client Information$")

    def __init__(self) -> None:
        super().__init__()
        self.ctl: dict | None = None

    def take(self, text, rec: Record, ctx: Context):
        if text.startswith("CTL Client Information"):
            done = self.flush(ctx)
            self._extend(rec)
            return done
        if _CTL_BANNER.match(text):
            self._extend(rec)
            return []
        m = _SAST.match(text)
        if m:
            self._extend(rec)
            self.ctl["sasts"].append(m.group("tp"))
            return []
        m = _SERVER.match(text)
        if m and self.ctl is not None:
            self._extend(rec)
            self.ctl["servers"].append({"role": m.group("role").lower(), "ip": m.group("ip"), "trustpoint": m.group("tp")})
            return []
        return None

    def _extend(self, rec: Record) -> None:
        if self.ctl is None:
            self.ctl = {"sasts": [], "servers": [], "first": rec.first_line, "last": rec.last_line, "raw": []}
        self.ctl["last"] = rec.last_line
        self.ctl["raw"].extend(rec.lines)

    def flush(self, ctx: Context):
        ctl, self.ctl = self.ctl, None
        if ctl is None or not (ctl["sasts"] or ctl["servers"]):
            return []
        # IOS prints "SAST 1" on both lines on some releases: the slots are taken in printed order
        sasts = ctl["sasts"] + [None, None]
        return [ctx.fact("ctl_client.summary", first_line=ctl["first"], last_line=ctl["last"], raw=ctl["raw"],
                         sast1_trustpoint=sasts[0], sast2_trustpoint=sasts[1], servers=ctl["servers"])]
