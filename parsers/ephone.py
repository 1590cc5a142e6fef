"""`debug ephone register | detail | state | error`: skinny sockets, the secure
(TLS) skinny session set-up, StationRegister / RegisterAck, and the security
key messages of a secure call. Call-progress chatter (``SetCallState``, ``OFFHOOK``,
``DN 2 chan 1 Voice_Mode``, tones...) is recognised and counted as understood but
not kept as events: no rule reads it, and on a busy CME it is most of the log
(87% of the lines of the benchmark log, whose events then filled 900 MB)."""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import IPV4, SEP_NAME, find_shape, shape

# ephone-(1)[1]     ephone-1[-1]:     ephone-2[2]:     ephone-3[3][SEP000DEDAB3EBF]:
_EPHONE = (rf"ephone-\(?(?P<ephone>\d+)\)?(?:\[(?P<socket>-?\d+)\])?(?:\[(?P<mac>{SEP_NAME})\])?"
           r"(?::{1,2}| )")
SOCKET_SHAPES = (
    # New Skinny socket accepted [2] (0 active)
    # msg: ephone.socket-accepted
    shape("ephone.socket.accepted", r"New Skinny socket accepted \[(?P<socket>\d+)\] \((?P<active>\d+) active\)"),
    # sin_family 2, sin_port 51617, in_addr 10.5.43.177
    # msg: ephone.sin-family
    shape("ephone.socket.address", rf"sin_family \d+, sin_port (?P<peer_port>\d+), in_addr (?P<peer_ip>{IPV4})"),
    # skinny_add_socket 1 10.1.0.21 50778
    # msg: ephone.add-socket
    shape("ephone.socket.added", rf"skinny_add_socket (?P<socket>\d+) (?P<peer_ip>{IPV4}) (?P<peer_port>\d+)"),
    # skinny_socket_process: secure skinny sessions = 1
    # msg: ephone.secure-sessions
    shape("ephone.secure.sessions", r"skinny_socket_process: secure skinny sessions = (?P<count>\d+)"),
    # add_skinny_secure_socket: pid =155, new_sock=0, ip address = 10.5.43.177
    # msg: ephone.add-secure-socket
    shape("ephone.secure.socket_added",
          rf"add_skinny_secure_socket: pid ?= ?(?P<pid>\d+), new_sock ?= ?(?P<socket>-?\d+), ip address = (?P<peer_ip>{IPV4})"),
    # skinny_secure_handshake: pid =155, sock=0, args->pid=155, ip address = 10.5.43.177
    # msg: ephone.secure-handshake
    shape("ephone.secure.handshake",
          rf"skinny_secure_handshake: pid ?= ?(?P<pid>\d+), sock ?= ?(?P<socket>-?\d+),.*?ip address = (?P<peer_ip>{IPV4})"),
    # socket [3] send ERROR 11
    shape("ephone.socket.error", r"socket \[(?P<socket>\d+)\] send ERROR (?P<code>\S+)"),
    # Skinny Socket [3] retry failure
    shape("ephone.socket.error", r"Skinny Socket \[(?P<socket>\d+)\] (?P<text>.*)$"),
)
# how every SOCKET_SHAPES pattern starts
_SOCKET_START = re.compile(r"New Skinny socket accepted |sin_family |skinny_add_socket |skinny_socket_process: secure "
                           r"|add_skinny_secure_socket: |skinny_secure_handshake: |socket \[|Skinny Socket \[")
EPHONE_SHAPES = (  # lines that start with the ephone tag
    # ephone-(1)[1] StationRegisterMessage (2/3/12) from 10.1.0.21
    # msg: ephone.station-register
    shape("ephone.register.message",
          _EPHONE + rf"StationRegisterMessage \((?P<version>[\d/]+)\) from (?P<peer_ip>{IPV4})"),
    # ephone-(1)[1] Register StationIdentifier DeviceName SEP003094C3E1A8
    # msg: ephone.register-identifier
    shape("ephone.register.identifier", _EPHONE + rf"Register StationIdentifier DeviceName (?P<device_name>{SEP_NAME})"),
    # ephone-1[1]:RegisterAck sent to ephone 1: keepalive period 30
    # msg: ephone.register-ack
    shape("ephone.register_ack", _EPHONE + r"RegisterAck sent to ephone \d+: keepalive period (?P<keepalive>\d+)"),
    # ephone-2[2]:Security Key Generation
    shape("ephone.security.key_generated", _EPHONE + r"Security Key Generation"),
    # ephone-2[2]:Send Decryption Key
    shape("ephone.security.decryption_key_sent", _EPHONE + r"Send Decryption Key"),
    # ephone-3[3]:Send Encryption Key
    shape("ephone.security.encryption_key_sent", _EPHONE + r"Send Encryption Key"),
    # ephone-2[2]:SetCallState line 1 DN 2(-1) chan 1 ref 6 TsOffHook
    shape("ephone.call.state",
          _EPHONE + r"SetCallState line (?P<line>\d+) DN (?P<dn>\d+)\(-?\d+\) chan \d+ ref \d+ (?P<state>\w+)"),
    # ephone-2[2]:OFFHOOK     ephone-(1) Allow any Skinny Server IP address 10.1.0.6
    shape("ephone.debug", _EPHONE + r"(?!Mac:)(?P<text>.*)$"),  # `ephone-1[0] Mac:...` is show ephone output
)
DN_SHAPES = (
    # DN 2 chan 1 Voice_Mode        dn_tone_control DN=2 chan 1 tonetype=0:DtSilence onoff=0 pid=232
    # defer_start for DN 2 chan 1 at CONNECTED
    shape("ephone.dn.debug", r"(?P<text>(?:DN |dn_tone_control DN=|defer_start for DN )(?P<dn>\d+) chan .*)$"),
)

_GENERIC = ("ephone.debug", "ephone.dn.debug")
_CHATTER = frozenset((*_GENERIC, "ephone.call.state"))  # recognised, not kept
# The message bodies (as printed after the prefix, one line) that `parse` returns [] for
# whatever they say: framing's quick path counts them without building a Record
# (ingest). It may refuse some chatter (that goes through `parse`), never accept more.
CHATTER = re.compile(
    _EPHONE + r"(?!:?(?:Mac:|StationRegisterMessage|Register StationIdentifier|RegisterAck|Security Key"
    r"|Send Decryption|Send Encryption))"
    r"|(?:DN |dn_tone_control DN=|defer_start for DN )\d+ chan ")


class EphoneDebugParser(LineParser):
    name = "ephone"
    description = "debug ephone register | detail | state | error"
    keywords = ("ephone-", "kinny", "sin_family", "DN ", "DN=", "socket [")
    priority = 15  # first: its chatter is most of a busy log, and it returns None for what is not its own
    chatter = CHATTER

    def declines_message(self, text: str, facility: str | None) -> bool:
        # (parse's first tests: a syslog, or a one-line message that is no ephone, DN nor socket shape)
        return facility is not None or not text.startswith("ephone-") and "DN" not in text[:20] \
            and _SOCKET_START.match(text) is None

    def parse(self, rec: Record, ctx: Context):
        if rec.facility is not None:
            return None  # %IPPHONE- syslogs mention ephone-N too; security_syslogs reads them
        text = rec.text
        shapes = EPHONE_SHAPES if text.startswith("ephone-") else DN_SHAPES if "DN" in text[:20] else SOCKET_SHAPES
        if shapes is SOCKET_SHAPES and not rec.continuations and _SOCKET_START.match(text) is None:
            return None  # `skinny_socket_process: keepalive socket ...`: one test instead of eight shapes
        found = find_shape(shapes, rec)
        if found is None:
            return None
        kind = found[0].kind
        if kind in _GENERIC and not rec.is_message:
            return None  # unstamped `ephone-N ...` / `DN N chan N` lines are show output, not debugs
        if kind in _CHATTER:
            return []  # fields never converted: chatter is most of a busy log (a seventh of its time)
        fields = found[0].fields(found[1])
        if "device_name" in fields:
            fields["mac"] = fields.pop("device_name")[3:].upper()
        if fields.get("socket") == -1:
            del fields["socket"]  # ephone-1[-1]: no socket yet
        return [ctx.event(kind, rec, **fields)]
