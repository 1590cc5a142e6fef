"""Phone status messages (Settings > Status > Status Messages), one per line as
a user copies them: trust-list installation and update results, missing files,
and signed-file authentication failures.

Phone events carry ``device`` = ``SEP<MAC>`` when the MAC is known (from the
line, or from a ``SEP<mac>`` in the input's file name) and kinds starting with
``phone.``, which the clock model keeps apart from router clocks.
"""
from __future__ import annotations

import re

from cmedebug.model import Event
from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import SEP_NAME, file_fields, match_shapes, norm_mac, shape

# Trust List Updated.      (a message may end with a full stop)
_END = r"\.?$"
SHAPES = (
    # CTL and ITL installed
    shape("phone.status.ctl_itl_installed", r"(?i)CTL and ITL installed" + _END),
    # CTL Installed
    shape("phone.status.ctl_installed", r"(?i)CTL installed" + _END),
    # ITL installed
    shape("phone.status.itl_installed", r"(?i)ITL installed" + _END),
    # CTL update failed
    shape("phone.status.ctl_update_failed", r"(?i)CTL update failed" + _END),
    # Trust List Update Failed
    shape("phone.status.trust_list_update_failed", r"(?i)Trust List update failed" + _END),
    # Trust List Updated
    shape("phone.status.trust_list_updated", r"(?i)Trust List updated" + _END),
    # No Trust List installed
    shape("phone.status.no_trust_list", r"(?i)No Trust List installed" + _END),
    # Erasing CTL and ITL files
    shape("phone.status.erasing_trust_lists", r"(?i)Erasing CTL and ITL files" + _END),
    # File Not Found CTLFile.tlv       File Not Found : CTLSEP000E325C9A43.tlv
    shape("phone.status.file_not_found", r"(?i)File Not Found\s*:?\s*<?(?P<file>[^\s<>]+?)>?" + _END),
    # invalid file SEP001122334455.cnf.xml.sgn, authenticated fail. Reason:14.
    shape("phone.status.file_auth_failed",
          r"(?i)invalid file (?P<file>[^\s,]+),? authenticated fail\.?(?: Reason ?: ?(?P<code>\d+))?" + _END),
    # SEP001122334455.cnf.xml.sgn(HTTP)
    shape("phone.status.file_received", r"(?P<file>\S+?\.(?:xml|sgn|tlv))\((?P<protocol>HTTP|HTTPS|TFTP)\)" + _END),
    # Phone failed to register. Cert key size is not FIPS compliant.
    shape("phone.status.cert_key_size_not_fips", r"(?i)Phone failed to register\. Cert key size is not FIPS compliant" + _END),
)
# 10:15:32a CTL Installed     (the time some phones print before a status message)
_LEADING_TIME = re.compile(r"\d{1,2}:\d\d(?::\d\d)?\s?[ap]?m?\s+", re.I)
# case/SEP0023EBC1D2A7-status-messages.txt
_SEP_IN_PATH = re.compile(SEP_NAME, re.I)


def phone_device(ctx: Context, mac: str | None) -> str | None:
    """``SEP<MAC>`` for a phone event: from the event's own MAC, else from the input file name."""
    if mac is None:
        found = _SEP_IN_PATH.search(ctx.path)
        mac = norm_mac(found.group(0)) if found else None
    return f"SEP{mac}" if mac else None


def phone_event(ctx: Context, kind: str, rec: Record, fields: dict, mac: str | None = None) -> Event:
    if "file" in fields:
        fields.update(file_fields(fields.pop("file")))
    event = ctx.event(kind, rec, **fields)
    event.device = phone_device(ctx, fields.get("mac") or mac)
    return event


class PhoneStatusParser(LineParser):
    name = "phone-status"
    description = "phone status messages (CTL / Trust List / File Not Found / authenticated fail)"
    keywords = ("CTL", "ITL", "rust List", "rust list", "ile Not Found", "ile not found", "nvalid file", "(HTTP",
                "(TFTP", "FIPS")
    priority = 55

    def parse(self, rec: Record, ctx: Context):
        if rec.is_message:
            return None  # status messages are bare lines; stamped records are router or console logs
        text = _LEADING_TIME.sub("", rec.text, count=1) if rec.text[:1].isdigit() else rec.text
        found = match_shapes(SHAPES, text)
        if found is None:
            return None
        kind, fields = found
        return [phone_event(ctx, kind, rec, fields)]
