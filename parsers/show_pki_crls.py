"""`show crypto pki crls` (the CRLs a router holds, one ``pki.crl`` fact each) and
`crypto pki server <cs> info crl` (the CRL a certificate server issues, with its
revoked serials) (issue #14 class 6).

Both shapes are inferred (not in ../shared/domain): written from the examples
of Cisco's IOS PKI configuration guide (Configuring Revocation for a PKI;
Configuring and Managing a Cisco IOS Certificate Server), to the best of our
knowledge:

    CRL Issuer Name:
        cn=R1CA
        LastUpdate: 11:58:03 UTC Jan 24 2013
        NextUpdate: 17:58:03 UTC Jan 24 2013
        Retrieved from CRL Distribution Point:
          ** CDP Not Published - Retrieved via SCEP
        CRL downloaded at: 11:59:40 UTC Jan 24 2013
        CRL DER is 229 bytes
        CRL is stored in parsed CRL cache

    Certificate Revocation List:
        Issuer: cn=mycs
        This Update: 07:44:11 UTC Apr 29 2011
        Next Update: 13:44:11 UTC Apr 29 2011
        Number of CRL entries: 1
        CRL size: 243 bytes
    Revoked Certificates:
        Serial Number: 0x02
        Revocation Date: 07:44:02 UTC Apr 29 2011
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import norm_serial, parse_ios_date
from cmedebug.parsers.show_block import ShowBlockParser, key_value, to_int

# CRL Issuer Name:        Certificate Revocation List:
_HEADING = re.compile(r"(?P<heading>CRL Issuer Name|Certificate Revocation List) ?:(?P<rest>.*)$")
# ** CDP Not Published - Retrieved via SCEP
_VIA_SCEP = re.compile(r"\*\* *CDP Not Published.*SCEP", re.IGNORECASE)
# http://10.1.1.1/cgi-bin/pkiclient.exe?operation=GetCRL    ldap://ca.example.com/...
_URL = re.compile(r"(?P<url>(?:https?|ldap|ftp|tftp)://\S+)")
# CRL DER is 229 bytes    CRL is stored in parsed CRL cache    Revoked Certificates:
_UNDERSTOOD = re.compile(r"CRL DER is \d+ bytes|CRL is stored in .*|Revoked [Cc]ertificates:$|"
                         r"There are no CRLs$|CRL size: \d+ bytes$")
_DATES = {"lastupdate": "last_update", "this update": "last_update", "nextupdate": "next_update",
          "next update": "next_update", "crl downloaded at": "downloaded_at"}


def _dn(text: str) -> str:
    """'CN = R1CA, OU = lab' -> 'CN=R1CA, OU=lab' (IOS prints both)."""
    return re.sub(r"\s*=\s*", "=", text.strip())


class ShowPkiCrlsParser(ShowBlockParser):
    name = "show-pki-crls"
    description = "show crypto pki crls; crypto pki server <cs> info crl (shapes inferred)"
    # Router#show crypto pki crls      Router#crypto pki server mycs info crl
    commands = (r"sh\w* +cry\w* +pki +crls?", r"cry\w* +pki +ser\w* +\S+ +info +crl")
    block_start = re.compile(r"(?:CRL Issuer Name|Certificate Revocation List) ?:")

    def __init__(self) -> None:
        super().__init__()
        self.crl: dict | None = None
        self.expect: str | None = None  # the field the next bare line gives: issuer, retrieved

    def take(self, text, rec: Record, ctx: Context):
        m = _HEADING.match(text)
        if m:
            done = self.flush(ctx)
            self.crl = {"fields": {"issuer": None, "last_update": None, "next_update": None, "downloaded_at": None,
                                   "retrieved_via": None, "cdp_url": None, "entries": None, "revoked": [],
                                   "held_by": "ca" if m.group("heading").startswith("Certificate") else "router"},
                        "first": rec.first_line, "last": rec.last_line, "raw": list(rec.lines)}
            self.expect = "issuer" if m.group("heading") == "CRL Issuer Name" else None
            if m.group("rest").strip():
                self.crl["fields"]["issuer"], self.expect = _dn(m.group("rest")), None
            return done
        if self.crl is None or not self._line(text, self.crl["fields"]):
            return None
        self.crl["last"] = rec.last_line
        self.crl["raw"].extend(rec.lines)
        return []

    def _line(self, text: str, fields: dict) -> bool:
        expect, self.expect = self.expect, None
        if _UNDERSTOOD.match(text):
            return True
        if expect == "retrieved" and (_VIA_SCEP.search(text) or _URL.match(text)):
            self._retrieved(text, fields)
            return True
        kv = key_value(text)
        if kv is None:
            if expect == "issuer" and "=" in text:
                fields["issuer"] = _dn(text)
                return True
            return False
        key, value = kv
        if key in _DATES:
            parsed = parse_ios_date(value)
            fields[_DATES[key]] = parsed[0] if parsed else None
        elif key == "issuer":
            fields["issuer"] = _dn(value)
        elif key == "retrieved from crl distribution point":
            if value:
                self._retrieved(value, fields)
            else:
                self.expect = "retrieved"
        elif key == "number of crl entries":
            fields["entries"] = to_int(value)
        elif key == "serial number":
            fields["revoked"].append({"serial": norm_serial(value.removeprefix("0x")), "revoked_at": None})
        elif key == "revocation date" and fields["revoked"]:
            parsed = parse_ios_date(value)
            fields["revoked"][-1]["revoked_at"] = parsed[0] if parsed else None
        else:
            return False
        return True

    @staticmethod
    def _retrieved(text: str, fields: dict) -> None:
        url = _URL.search(text)
        fields["retrieved_via"] = "scep" if _VIA_SCEP.search(text) else "cdp" if url else None
        fields["cdp_url"] = url.group("url") if url else None

    def flush(self, ctx: Context):
        crl, self.crl, self.expect = self.crl, None, None
        if crl is None:
            return []
        return [ctx.fact("pki.crl", first_line=crl["first"], last_line=crl["last"], raw=crl["raw"], **crl["fields"])]
