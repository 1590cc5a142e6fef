"""`debug tftp events | packets` on CME (which files phones ask for, whether
they exist) and the two CUCM TFTP trace lines about the CTL file."""
from __future__ import annotations

from cmedebug.parsers.grammar import IPV4, ShapeParser, file_fields, norm_mac, shape

SHAPES = (
    # TFTP: Looking for CTLSEP000E325C9A43.tlv
    # msg: tftp.looking-for
    shape("tftp.request", r"TFTP: Looking for (?P<file>\S+)"),
    # TFTP: Opened system:/its/SEP000E325C9A43.cnf.xml.sgn, fd 5, size 3872 for process 121
    shape("tftp.opened", r"TFTP: Opened (?P<file>[^,\s]+), fd \d+, size (?P<size>\d+) for process (?P<process>\d+)"),
    # TFTP: Finished system:/its/SEP000E325C9A43.cnf.xml.sgn, time 00:00:00 for process 121
    shape("tftp.finished", r"TFTP: Finished (?P<file>[^,\s]+), time [\d:]+ for process (?P<process>\d+)"),
    # TFTP: read request from host 10.1.0.21(50779) via Vlan1
    # msg: tftp.read-request
    shape("tftp.read_request",
          rf"TFTP: read request from host (?P<peer_ip>{IPV4})\((?P<peer_port>\d+)\)(?: via (?P<interface>\S+))?"),
    # TFTP: Server request for port 50779, socket_id 0x6552AC74 for process 121
    # msg: tftp.server-request
    shape("tftp.server_request",
          r"TFTP: Server request for port (?P<local_port>\d+), socket_id (?P<socket_id>\S+) for process (?P<process>\d+)"),
    # TFTP: Sending error 1 No such file
    # msg: tftp.no-such-file
    shape("tftp.error_sent", r"TFTP: Sending error (?P<code>\d+) ?(?P<reason>.*?)$"),
    # TFTP|TFTPEngine::sendNAK[0x8a5d2c8], File[CTLFile.tlv], Error(1)      (CUCM trace)
    shape("tftp.error_sent", r"[^|]*TFTP\|\s*TFTPEngine::sendNAK\S*, File\[(?P<file>[^\]]+)\], Error\((?P<code>\d+)\)"),
    # TFTP|   CReqContext::tftp[0x8a3b240] HandleCTL: Match[SEP001122334455] Found, looking for [CTLFile.tlv] to serve
    shape("tftp.ctl_lookup",
          r"[^|]*TFTP\|[^|]*?HandleCTL: Match\[(?P<device_name>[^\]]+)\] Found, looking for \[(?P<file>[^\]]+)\]"),
    # TFTP: <any other event>
    shape("tftp.debug", r"(?P<text>TFTP: .*)$"),
)


class TftpParser(ShapeParser):
    name = "tftp"
    description = "debug tftp events | packets (and CUCM TFTP CTL trace lines)"
    keywords = ("TFTP: ", "TFTP|")
    priority = 40
    shapes = SHAPES

    def refine(self, kind, fields, rec):
        if "file" in fields:
            fields.update(file_fields(fields.pop("file")))
        if fields.get("device_name", "").startswith("SEP"):
            fields["mac"] = norm_mac(fields["device_name"])
        return fields
