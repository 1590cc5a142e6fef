"""The phone console log of a problem report:
`<seq> <INF|NOT|WRN|ERR|DEB|CRT> <Mon dd hh:mm:ss.uuuuuu> SECUREAPP-...` and the
`dgetfile(...)` TFTP/HTTP download lines. Framing parses the prefix; lines whose
day is padded (`Nov 29  06:34:00.499372`, as in Cisco's tech note) are framed
here."""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import MONTHS, Record, Stamp
from cmedebug.parsers.grammar import IPV4, match_shapes, shape
from cmedebug.parsers.phone_status import phone_event

SHAPES = (
    # SECUREAPP-TVS added cert to TVS cache - expires in 24 hours
    shape("phone.tvs.cert_cached", r"SECUREAPP-TVS added cert to TVS cache - expires in (?P<hours>\d+) hours"),
    # SECUREAPP-Hashes match... authentication successful.
    shape("phone.trust_list.hash_match", r"SECUREAPP-Hashes match\.*\s*authentication successful"),
    # SECUREAPP-updateFromFile: TL parse to table: CTL_SUCCESS
    shape("phone.trust_list.parsed", r"SECUREAPP-updateFromFile: TL parse to table: (?P<result>\w+)"),
    # SECUREAPP-TL file verified successfully.
    shape("phone.trust_list.verified", r"SECUREAPP-TL file verified successfully"),
    # SECUREAPP-TL file updated.
    shape("phone.trust_list.updated", r"SECUREAPP-TL file updated"),
    # SECUREAPP-AUTH: hdr ver 1.2 (knows only upto 1.1)
    shape("phone.secureapp", r"SECUREAPP-(?P<text>.*?)$"),
    # dgetfile(877)-GETXXTP [GT877][src=ITLSEPB000B4BA0AEE.tlv][dest=/tmp/ITLFile.tlv][serv=][serv6=][sec=0]
    shape("phone.tftp.get",
          r"dgetfile\(\d+\)-GETXXTP \[[^\]]*\]\[src=(?P<file>[^\]]*)\]\[dest=(?P<dest>[^\]]*)\]"
          r"(?:\[serv=(?P<server>[^\]]*)\])?"),
    # dgetfile(851)-XXTP complete - status = 100
    shape("phone.tftp.complete", r"dgetfile\(\d+\)-XXTP complete - status = (?P<code>\d+)"),
    # dgetfile(851)-XXTP actualserver [192.168.11.51]
    shape("phone.tftp.server", rf"dgetfile\(\d+\)-XXTP actualserver \[(?P<peer_ip>{IPV4}|[0-9A-Fa-f:.]{{2,45}})\]"),
    # dgetfile(877)-In normal mode, call - > makeXXTPrequest (V6...)
    shape("phone.tftp.debug", r"dgetfile\(\d+\)-(?P<text>.*?)$"),
)
_LEVELS = ("INF", "NOT", "WRN", "ERR", "DEB", "CRT")
# 3287 NOT Nov 29  06:34:00.499372 SECUREAPP-Hashes match... authentication successful.
# (the padding may be a no-break space, as in pages copied from a browser)
_PADDED_PREFIX = re.compile(
    r"(?P<seq>\d+) (?P<level>INF|NOT|WRN|ERR|DEB|CRT) (?P<mon>[A-Z][a-z]{2})\s+(?P<day>\d{1,2})\s+"
    r"(?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)\.(?P<frac>\d{1,6}) (?P<rest>.*)$")


class PhoneConsoleParser(LineParser):
    name = "phone-console"
    description = "phone console log (SECUREAPP-, dgetfile)"
    keywords = ("SECUREAPP-", "dgetfile(")
    priority = 50

    def __init__(self) -> None:
        self.mac: str | None = None  # the phone's MAC once a line named it (ITLSEP<mac>.tlv)

    def parse(self, rec: Record, ctx: Context):
        text, level = rec.text, rec.mnemonic
        if rec.seq is None or level not in _LEVELS:
            padded = _PADDED_PREFIX.match(text)
            if padded is None:
                return None
            text, level = padded.group("rest").strip(), padded.group("level")
            rec.seq = int(padded.group("seq"))
            rec.stamp = Stamp(MONTHS.get(padded.group("mon"), 1), int(padded.group("day")), int(padded.group("h")),
                              int(padded.group("m")), int(padded.group("s")),
                              int(padded.group("frac").ljust(6, "0")))
        found = match_shapes(SHAPES, text)
        if found is None:
            return None
        kind, fields = found
        fields.update(level=level, seq=rec.seq)
        event = phone_event(ctx, kind, rec, fields, self.mac)
        self.mac = event.fields.get("mac") or self.mac
        return [event]
