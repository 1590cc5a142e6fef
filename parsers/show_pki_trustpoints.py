"""`show crypto pki trustpoints [status]`: one `pki.trustpoint` fact per trustpoint.

Real shapes: ../shared/corpus/16 and 32 (`status`: the issuing CA, the router
certificate, the State lines). Without `status`, IOS prints the CA subject and
serial and `Certificate configured.` once the router certificate is enrolled.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import norm_serial
from cmedebug.parsers.show_block import ShowBlockParser, hex_compact, key_value, yes_no

# Trustpoint SLA-TrustPoint:
_HEADING = re.compile(r"Trustpoint (?P<name>\S+?):$")
# Issuing CA certificate configured:       Router General Purpose certificate configured:
# Router Signature certificate configured:  Router Encryption certificate configured:
_CERT_SECTION = re.compile(r"(?P<who>Issuing CA|Router [A-Za-z ]{1,30}?|CA) certificate configured:?$")
# Keys generated ............. Yes (General Purpose, non-exportable)
# Issuing CA authenticated ....... Yes        Certificate request(s) ..... None
_DOTTED = re.compile(r"(?P<key>[A-Za-z()' ]{3,40}?) \.{2,} ?(?P<value>.*)$")
# cn=Cisco Licensing Root CA,o=Cisco        serialNumber=F3246544+hostname=c2611XM-sSRST.cisco.com
_DN_LINE = re.compile(r"[A-Za-z][A-Za-z0-9.]{0,40}=\S")
# Certificate configured.   Persistent self-signed certificate trust point   Not authenticated.
_STATEMENTS = {
    "Certificate configured.": {"enrolled": True},
    "Persistent self-signed certificate trust point": {"self_signed": True, "enrolled": True},
    "Not authenticated.": {"ca_authenticated": False},
    "State:": {},
}
# every field of a `pki.trustpoint` fact; None until the output prints it
_UNPRINTED = dict.fromkeys(("ca_authenticated", "enrolled", "keys_generated", "key_usage", "ca_subject",
                            "ca_fingerprint_md5", "ca_fingerprint_sha1", "ca_serial", "id_subject", "id_fingerprint_md5",
                            "id_fingerprint_sha1", "id_serial", "certificate_requests", "last_enrollment_status",
                            "key_label", "enrollment_url", "exportable"))
# Using key label TP-self-signed-1215158049
_KEY_LABEL = re.compile(r"Using key label (?P<label>\S+)$")


class ShowPkiTrustpointsParser(ShowBlockParser):
    name = "show-pki-trustpoints"
    description = "show crypto pki trustpoints [status]"
    # Router# show crypto pki trustpoint status
    commands = (r"sh\w* cry\w* (?:pki|ca) trust\w*",)
    block_start = _HEADING

    def __init__(self) -> None:
        super().__init__()
        self.tp: dict | None = None

    def take(self, text, rec: Record, ctx: Context):
        m = _HEADING.match(text)
        if m:
            done = self.flush(ctx)
            self.tp = {"fields": dict(_UNPRINTED, name=m.group("name"), self_signed=False),
                       "section": "ca", "saw_state": False,
                       "first": rec.first_line, "last": rec.last_line, "raw": list(rec.lines)}
            return done
        if self.tp is None or not self._line(text, self.tp):
            return None
        self.tp["last"] = rec.last_line
        self.tp["raw"].extend(rec.lines)
        return []

    def flush(self, ctx: Context):
        tp, self.tp = self.tp, None
        if tp is None:
            return []
        fields = tp["fields"]
        if tp["saw_state"] and fields["enrolled"] is None:
            fields["enrolled"] = False  # the status form lists the router certificate when there is one
        if fields["ca_authenticated"] is None and fields.get("ca_subject"):
            fields["ca_authenticated"] = True
        return [ctx.fact("pki.trustpoint", first_line=tp["first"], last_line=tp["last"], raw=tp["raw"], **fields)]

    def _line(self, text: str, tp: dict) -> bool:
        fields = tp["fields"]
        m = _CERT_SECTION.match(text)
        if m:
            tp["section"] = "ca" if "CA" in m.group("who") else "id"
            if tp["section"] == "id":
                fields["enrolled"] = True
            return True
        if text in _STATEMENTS:
            fields.update(_STATEMENTS[text])
            tp["saw_state"] = tp["saw_state"] or text == "State:"
            return True
        m = _KEY_LABEL.match(text)
        if m:
            fields["key_label"] = m.group("label")
            return True
        prefix = tp["section"]
        if _DN_LINE.match(text):
            fields[f"{prefix}_subject"] = text
            return True
        m = _DOTTED.match(text)
        if m:
            key, value = m.group("key").strip().lower(), m.group("value").strip()
            if key == "keys generated":
                fields["keys_generated"] = yes_no(value)
                usage = re.search(r"\((.*)\)", value)
                fields["key_usage"] = usage.group(1) if usage else None
                if usage and "exportable" in usage.group(1):  # (General Purpose, non-exportable)
                    fields["exportable"] = "non-exportable" not in usage.group(1)
            elif key == "issuing ca authenticated":
                fields["ca_authenticated"] = yes_no(value)
            elif key == "certificate request(s)":
                fields["certificate_requests"] = value
            else:
                return False
            return True
        kv = key_value(text)
        if kv is None:
            return False
        key, value = kv
        if key == "subject name":
            if value:
                fields[f"{prefix}_subject"] = value
        elif key in ("fingerprint md5", "fingerprint sha1"):
            fields[f"{prefix}_{key.replace(' ', '_')}"] = hex_compact(value)
        elif key == "fingerprint":  # the router certificate prints one unnamed MD5 fingerprint
            fields[f"{prefix}_fingerprint_md5"] = hex_compact(value)
        elif key.startswith("serial number"):
            fields[f"{prefix}_serial"] = norm_serial(value)
        elif key == "last enrollment status":
            fields["last_enrollment_status"] = value
        elif key == "scep url":  # SCEP URL: http://10.1.1.1:80/cgi-bin
            fields["enrollment_url"] = value
        else:
            return False
        return True
