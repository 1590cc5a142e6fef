"""`show crypto pki certificates [verbose] [trustpoint]`: one `cert` fact per certificate.

Real shapes: ../shared/corpus/19 (plain, PST dates) and 21 (verbose, key size,
signature algorithm, key usage, basic constraints). A PEM block printed in the
output is kept and decoded with `cryptography` to fill what the text lacks.
"""
from __future__ import annotations

import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import cert_fields, load_certificate, norm_serial, parse_ios_date
from cmedebug.parsers.show_block import ShowBlockParser, hex_compact, key_value

# Certificate      CA Certificate      RA Signature Certificate      Router Self-Signed Certificate
_HEADING = re.compile(r"(?P<kind>CA |RA [A-Za-z ]{0,30}|Router Self-Signed |Router )?Certificate$")
# start date: 15:32:23 PST Apr 1 2010      end   date: 08:48:45 UTC Aug 12 2033
_DATE_LINE = re.compile(r"(?P<which>start|end|renew) +date: *(?P<date>.+)$")
# cn=cme_root      hostname=CME1.cisco.com      serialNumber=F3246544+hostname=c2611XM-sSRST.cisco.com
_DN_LINE = re.compile(r"[A-Za-z][A-Za-z0-9.]{0,40}=\S")
# RSA Public Key: (4096 bit)
_KEY_BITS = re.compile(r"\((\d+) bit\)")
# Digital Signature      Key Encipherment      Key Cert Sign      CRL Signature
_KEY_USAGE_NAME = re.compile(r"(?:Digital Signature|Non Repudiation|Key Encipherment|Data Encipherment|"
                             r"Key Agreement|Key Cert Sign|CRL Signature|Encipher Only|Decipher Only)$")
# http://192.168.20.1/cgi-bin/pkiclient.exe?operation=GetCRL   (CRL distribution point, AIA entries)
_URL_LINE = re.compile(r"(?:URI:|URL=)?(?:https?|ldap|tftp|nvram|flash\d?):\S*$")
# -----BEGIN CERTIFICATE-----  ...  -----END CERTIFICATE-----
_PEM_BEGIN, _PEM_END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
_BASE64 = re.compile(r"[A-Za-z0-9+/=]{4,80}$")

# key of a "key: value" line -> field it sets (or the section it opens, value empty)
_FIELDS = {
    "status": "status",
    "certificate usage": "usage",
    "key usage": "usage",
    "signature algorithm": "sig_alg",
    "storage": "storage",
    "key label": "key_label",
    "key storage device": "key_storage",
}
_SECTIONS = {"issuer": "issuer", "subject": "subject", "validity date": "validity",
             "subject key info": "key_info", "x509v3 extensions": "extensions",
             "crl distribution points": "urls", "authority info access": "urls",
             "x509v3 key usage": "key_usage", "x509v3 basic constraints": "basic_constraints",
             "extended key usage": "ext_key_usage"}
# every field of a `cert` fact; None until the output prints it
_UNPRINTED = dict.fromkeys(("status", "serial", "usage", "subject", "subject_name", "issuer", "not_before", "not_after",
                            "renew_date", "key_size", "sig_alg", "fingerprint_md5", "fingerprint_sha1", "is_ca",
                            "storage", "key_label", "key_storage", "install_time", "pem", "request_fingerprint_md5",
                            "request_fingerprint_sha1"))
# lines understood but carrying nothing a rule needs
_IGNORED_KEYS = {"version", "public key algorithm", "x509v3 subject key id", "x509v3 authority key id",
                 "key pair", "name", "ip address",
                 "serial number", "ca", "path length", "x509v3 subject alternative name", "pathlen",
                 "ocsp", "ca issuers"}


class ShowPkiCertificatesParser(ShowBlockParser):
    name = "show-pki-certificates"
    description = "show crypto pki certificates [verbose]"
    # Router# sh crypto pki certificates      vg400# show crypto pki certificates verbose 4k_keypair
    commands = (r"sh\w* cry\w* (?:pki|ca) cert\w*",)
    block_start = _HEADING

    def __init__(self) -> None:
        super().__init__()
        self.cert: dict | None = None

    def take(self, text, rec: Record, ctx: Context):
        m = _HEADING.match(text)
        if m:
            done = self.flush(ctx)
            kind = (m.group("kind") or "").strip()
            role = "ca" if kind == "CA" else "ra" if kind.startswith("RA") else "id"
            self.cert = {"fields": dict(_UNPRINTED, role=role, heading=text, trustpoints=[], key_usage=[]),
                         "section": None, "pem": None, "first": rec.first_line, "last": rec.last_line,
                         "raw": list(rec.lines)}
            return done
        if self.cert is None:
            return None
        if self._line(text, self.cert):
            self.cert["last"] = rec.last_line
            self.cert["raw"].extend(rec.lines)
            return []
        return None

    def flush(self, ctx: Context):
        cert, self.cert = self.cert, None
        if cert is None:
            return []
        fields = cert["fields"]
        for dn in ("subject", "issuer"):
            if isinstance(fields.get(dn), list):
                fields[dn] = ",".join(fields[dn]) or None
        if cert["pem"]:
            fields["pem"] = "\n".join(cert["pem"])
            _fill_from_pem(fields)
        return [ctx.fact("cert", first_line=cert["first"], last_line=cert["last"], raw=cert["raw"], **fields)]

    # -- one line of a certificate -------------------------------------------------
    def _line(self, text: str, cert: dict) -> bool:
        fields = cert["fields"]
        if cert["pem"] is not None and not cert["pem"][-1] == _PEM_END:
            if text == _PEM_END or _BASE64.match(text):
                cert["pem"].append(text)
                return True
        if text == _PEM_BEGIN:
            cert["pem"] = [text]
            return True
        section = cert["section"]
        m = _DATE_LINE.match(text)
        if m:
            parsed = parse_ios_date(m.group("date"))
            if parsed is None:
                return False
            fields[{"start": "not_before", "end": "not_after", "renew": "renew_date"}[m.group("which")]] = parsed[0]
            return True
        if section in ("issuer", "subject") and _DN_LINE.match(text) and isinstance(fields[section], list):
            fields[section].append(text)
            return True
        if section == "key_usage" and _KEY_USAGE_NAME.match(text):
            fields["key_usage"].append(text)
            return True
        if section in ("urls", "ext_key_usage") and (_URL_LINE.match(text) or section == "ext_key_usage"):
            return True
        kv = key_value(text)
        if kv is None:
            return False
        key, value = kv
        if key in _SECTIONS:
            cert["section"] = _SECTIONS[key]
            if key in ("issuer", "subject"):
                fields[key] = [value] if value else []  # DN lines follow; joined in flush
            return True
        if key.startswith("certificate serial number"):
            fields["serial"] = norm_serial(value.removeprefix("0x"))
        elif key in ("fingerprint md5", "fingerprint sha1"):
            fields[key.replace(" ", "_")] = hex_compact(value)
        elif key.startswith("certificate request fingerprint "):  # a pending enrollment
            fields["request_fingerprint_" + key.rsplit(" ", 1)[1]] = hex_compact(value)
        elif key in _FIELDS:
            fields[_FIELDS[key]] = value
        elif key in ("associated trustpoints", "associated trustpoint"):
            fields["trustpoints"] = value.split()
        elif key == "name" and section == "subject":
            fields["subject_name"] = value
        elif key == "rsa public key" or key.endswith("public key"):
            bits = _KEY_BITS.search(value)
            fields["key_size"] = int(bits.group(1)) if bits else None
        elif key == "cert install time":
            parsed = parse_ios_date(value)
            if parsed is None:
                return False
            fields["install_time"] = parsed[0]
        elif key == "ca" and section == "basic_constraints":
            fields["is_ca"] = value.upper() == "TRUE"
        elif key not in _IGNORED_KEYS:
            return False
        return True


def _fill_from_pem(fields: dict) -> None:
    """Fill what the text did not print from the PEM certificate; a damaged PEM fills nothing."""
    try:
        cert = load_certificate(fields["pem"].encode("ascii"))
    except ValueError:
        return
    for name, value in decoded_fields(cert).items():
        if fields.get(name) is None:
            fields[name] = value


def decoded_fields(cert: x509.Certificate) -> dict:
    """The `cert` fact fields of a decoded certificate (running-config chains, the
    `crypto pki authenticate` paste, PEM blocks): the fields every decoded
    certificate has (`grammar.cert_fields`, as a CTL's certificates), plus what
    `show crypto pki certificates verbose` prints (`sig_alg`, `is_ca`) and the DER."""
    fields = cert_fields(cert)
    hash_name = fields["signature_hash"]
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = None
    algorithm = "RSA Encryption" if fields["key_type"] == "RSA" else "ECDSA"
    return {
        **fields,
        "sig_alg": f"{hash_name.upper()} with {algorithm}" if hash_name and hash_name != "unknown" else None,
        "is_ca": is_ca,
        "der": cert.public_bytes(serialization.Encoding.DER),
    }
