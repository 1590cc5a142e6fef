"""The security-relevant syslogs other than %PKI- (which `pki.py` reads):
TLS handshake failures of the secure SCCP listener, the credentials service and
the HTTPS client, key generation, phone registration, and clock / config changes.

Facilities not listed here stay with the generic `%FAC-SEV-MNEMONIC` parser.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import IPV4, IPV6, SEP_NAME, SyslogBody, match_record, parse_ios_date, shape

# 10.1.20.11    2001:10:5:10::50
_ADDR = rf"(?:{IPV4}|{IPV6})"
# which TLS endpoint each facility's TLS_HANDSHAKE_FAILED is about
TLS_SERVICES = {"SKINNYSECURESERVICE": "skinny-secure", "EPHONE_CRED": "credentials", "HTTPC": "http-client"}
# generic kinds for the messages of a known facility that have no shape of their own
GENERIC_KINDS = {"SKINNYSECURESERVICE": "skinny_secure.syslog", "EPHONE_CRED": "ephone_cred.syslog",
                 "HTTPC": "httpc.syslog", "CRYPTO": "crypto.syslog", "CRYPTO_ENGINE": "crypto.syslog",
                 "SSL": "ssl.syslog", "IPPHONE": "ipphone.syslog"}

# ephone-1:SEP000E325C9A43 IP:10.10.10.194 Socket:2 DeviceType:Phone
_PHONE = rf"ephone-(?P<ephone>\d+):(?P<mac>{SEP_NAME}) IP:(?P<peer_ip>\S+) Socket:(?P<socket>\d+) DeviceType:(?P<device_type>\S+)"
# The message text after `%FAC-SEV-MNEMONIC:`, by `FACILITY-MNEMONIC` (`TLS_HANDSHAKE_FAILED` for the
# three TLS facilities, whose mnemonics differ: CTL_TLS_HANDSHAKE_FAILED, TLS_HANDSHAKE_FAILED).
SHAPES = {
    # %SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: unsupported protocol, SocketID: 0, local address : 10.1.20.11:2443 and  remote address : 10.1.20.179:12239
    # %EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED: Reason: unsupported protocol, Socket ID: 1, local address : 10.1.20.11:2445 and  remote address : 10.5.10.50:56372
    # %HTTPC-6-TLS_HANDSHAKE_FAILED:  Reason: sslv3 alert handshake failure, Connection ID: 0, remote address : [2001:10:5:10::50]:8443
    "TLS_HANDSHAKE_FAILED": (
        # msg: SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED
        shape("tls.handshake.failed",
              rf"Reason: (?P<reason>[^,]*), (?:Socket ?ID|Connection ID): (?P<socket>\d+),"
              rf"(?: local address : \[?(?P<local_ip>{_ADDR})\]?:(?P<local_port>\d+) and)?"
              rf" +remote address : \[?(?P<peer_ip>{_ADDR})\]?:(?P<peer_port>\d+)"),
        shape("tls.handshake.failed", r"(?:Reason: (?P<reason>[^,]*))?"),  # truncated: keep what is there
    ),
    # %IPPHONE-6-REGISTER: ephone-1:SEP000E325C9A43 IP:10.10.10.194 Socket:2 DeviceType:Phone has registered.
    # msg: IPPHONE-6-REGISTER
    "IPPHONE-REGISTER": (shape("ephone.registered", _PHONE + r" has registered", new=False),
                 shape("ephone.registered", r"", new=False)),
    "IPPHONE-REGISTER_NEW": (shape("ephone.registered", _PHONE, new=True), shape("ephone.registered", r"", new=True)),
    # %IPPHONE-6-UNREGISTER_NORMAL: ephone-1:SEP000E325C9A43 IP:10.10.10.194 Socket:3 DeviceType:Phone has unregistered normally.
    "IPPHONE-UNREGISTER_NORMAL": (shape("ephone.unregistered", _PHONE, normal=True),
                          shape("ephone.unregistered", r"", normal=True)),
    "IPPHONE-UNREGISTER_ABNORMAL": (shape("ephone.unregistered", _PHONE, normal=False),
                            shape("ephone.unregistered", r"", normal=False)),
    # %IPPHONE-6-REG_ALARM: 22: Name=SEP000E325C9A43 Load=7.2(2.0) Last=Reset-Reset
    # msg: IPPHONE-6-REG_ALARM
    "IPPHONE-REG_ALARM": (shape("ephone.reg_alarm",
                        rf"(?P<code>\d+): Name=(?P<mac>{SEP_NAME}) Load=(?P<load>\S+) Last=(?P<last>\S+)$"),
                  shape("ephone.reg_alarm", r"(?P<code>\d+)?")),
    # %CRYPTO-6-AUTOGEN: Generated new 512 bit key pair
    # msg: CRYPTO-6-AUTOGEN
    "CRYPTO-AUTOGEN": (shape("crypto.key.autogen", r"Generated new (?P<key_size>\d+) bit key pair"),),
    # %CRYPTO_ENGINE-5-KEY_ADDITION: A key named CME has been generated or imported by crypto-engine
    # msg: CRYPTO_ENGINE-5-KEY_ADDITION
    "CRYPTO_ENGINE-KEY_ADDITION": (shape("crypto.key.added",
                           r"A key named (?P<label>\S+) has been generated or imported by (?P<by>\S+)"),),
    # %SYS-6-CLOCKUPDATE: System clock has been updated from 00:24:57 UTC Fri Mar 1 2002 to 10:00:00 UTC Thu Nov 26 2026, configured from console by admin on console.
    # msg: SYS-6-CLOCKUPDATE
    "SYS-CLOCKUPDATE": (shape("sys.clock.updated",
                          r"System clock has been updated from (?P<old_time>[^,]{1,60}?) to (?P<new_time>[^,]{1,60}?),"
                          r" configured from (?P<origin>\S+)(?: by (?P<by>[^\n]+?))?\.?$"),
                    shape("sys.clock.updated", r"")),
    # %SYS-5-CONFIG_I: Configured from console by user1 on console
    "SYS-CONFIG_I": (shape("sys.config.changed", r"Configured from (?P<origin>\S+)(?: by (?P<by>[^\n]+?))?\.?$"),),
}
# %SSL-3-SSL_HANDSHAKE_FAIL: Reason: no shared cipher, peer 192.0.2.44   (any syslog with a reason)
_REASON = re.compile(r"Reason ?: ?([^,]*)")


class SecuritySyslogParser(LineParser):
    name = "security-syslog"
    description = "%SKINNYSECURESERVICE-, %EPHONE_CRED-, %HTTPC-, %CRYPTO-, %CRYPTO_ENGINE-, %SSL-, %IPPHONE-, %SYS- syslogs"
    keywords = ("%SKINNYSECURESERVICE-", "%EPHONE_CRED-", "%HTTPC-", "%CRYPTO", "%SSL-", "%IPPHONE-", "%SYS-")
    priority = 40
    parses_messages_alone = True

    def parse(self, rec: Record, ctx: Context):
        facility, mnemonic = rec.facility, rec.mnemonic or ""
        if facility is None:
            return None
        tls = facility in TLS_SERVICES and mnemonic.endswith("TLS_HANDSHAKE_FAILED")
        key = "TLS_HANDSHAKE_FAILED" if tls else f"{facility}-{mnemonic}"
        shapes = SHAPES.get(key)
        found = match_record(shapes, SyslogBody(rec)) if shapes else None
        if found is None:
            generic = GENERIC_KINDS.get(facility)
            if generic is None:
                return None  # %SYS-... messages without a shape: the generic parser keeps them
            found = generic, {"facility": facility, "text": SyslogBody(rec).text}
            reason = _REASON.search(rec.text)
            if reason:
                found[1]["reason"] = reason.group(1).strip()
        kind, fields = found
        if kind == "tls.handshake.failed":
            fields["service"] = TLS_SERVICES[facility]
        for name in ("old_time", "new_time"):
            if name in fields:
                parsed = parse_ios_date(fields[name])
                fields[name] = parsed[0] if parsed else fields[name]
        fields.update(mnemonic=mnemonic, severity=rec.severity)
        return [ctx.event(kind, rec, **fields)]
