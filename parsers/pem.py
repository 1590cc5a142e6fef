"""PEM blocks anywhere in a text log.

A certificate becomes a `cert` fact (decoded with `cryptography`, `der` kept);
a private key block becomes only a `private_key` fact saying that one was
there: its lines are never stored, neither in fields nor as raw lines.

`show crypto pki certificates` and the `crypto pki authenticate` paste read
their own PEM (they own their blocks); this parser takes the others: a
certificate pasted by itself, or printed by `crypto pki export <tp> pem terminal`
or `crypto key export rsa <label> pem terminal`.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from cryptography import x509

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import load_certificate
from cmedebug.parsers.show_pki_certificates import decoded_fields

# -----BEGIN CERTIFICATE-----      -----BEGIN RSA PRIVATE KEY-----      -----BEGIN ENCRYPTED PRIVATE KEY-----
_BEGIN = re.compile(r"-----BEGIN (?P<label>(?:X509 |TRUSTED )?CERTIFICATE|(?:[A-Z0-9]+ )?PRIVATE KEY)-----$")
# -----END RSA PRIVATE KEY-----
_END = re.compile(r"-----END [A-Z0-9 ]{1,40}-----$")
# MIIDqDCCApCgAwIBAgIQNT+yS9cPFKNGwfOprHJWdTANBgkqhkiG9w0BAQUFADAu
_BASE64 = re.compile(r"[A-Za-z0-9+/]{1,76}={0,2}$")
# Proc-Type: 4,ENCRYPTED      DEK-Info: DES-EDE3-CBC,F2B5A0B4E6FB5C2E      (an encrypted key's headers)
_KEY_HEADER = re.compile(r"(?:Proc-Type|DEK-Info): \S+$")
# % CA certificate:      % Certificate:      (crypto pki export cme_root pem terminal)
_CERT_LABEL = re.compile(r"% (?P<ca>CA )?[Cc]ertificate:$")
# % Key name: cme_root Usage: General Purpose Key      (the Usage line is joined to it by framing)
_KEY_NAME = re.compile(r"% Key name: (?P<name>\S+)(?: Usage: .*)?$")
# crypto pki export cme_root pem terminal 3des <passphrase>      crypto key export rsa cme_root pem terminal
_EXPORT = re.compile(r"cry(?:pto)? (?:pki|key) exp\w* +(?:rsa +)?(?P<label>\S+) +pem\b", re.I)


class PemParser(LineParser):
    name = "pem"
    description = "PEM certificates (and private key blocks, recorded as present only) in a text log"
    keywords = ("-----BEGIN", "% CA certificate:", "% Certificate:", "% certificate:", "% Key name:")
    block_start = _BEGIN
    priority = 30  # before the generic readers of `%` lines

    def __init__(self) -> None:
        self.block: dict | None = None  # the PEM block being read
        self.role: str | None = None  # from `% CA certificate:` just before a certificate
        self.key_name: str | None = None
        self.cut_short: list = []  # facts of a block that another line cut short, given with the next items

    def parse(self, rec: Record, ctx: Context):
        text = rec.text
        if self.block is not None:
            items = self._block_line(rec, ctx)
            if items is not None:
                return items
        if rec.is_message:
            return None
        begin = _BEGIN.match(text)
        if begin:
            self.block = {"label": begin.group("label"), "first": rec.first_line, "last": rec.last_line,
                          "lines": [text], "raw": list(rec.lines), "encrypted": "ENCRYPTED" in text}
            return self._take_cut_short()
        label = _CERT_LABEL.match(text)
        if label:
            self.role = "ca" if label.group("ca") else "id"
            return self._take_cut_short()
        key_name = _KEY_NAME.match(text)
        if key_name:
            self.key_name = key_name.group("name")
            return self._take_cut_short()
        return None

    def end_block(self, ctx: Context):
        if self.block is not None:
            self.cut_short.extend(self._finish(ctx, complete=False))
        return self._take_cut_short()

    def _take_cut_short(self) -> list:
        items, self.cut_short = self.cut_short, []
        return items

    def _block_line(self, rec: Record, ctx: Context):
        """A line inside a block: its items, or None when the line ends the block without belonging to it."""
        block, text = self.block, rec.text
        if _END.match(text):
            block["lines"].append(text)
            block["raw"].extend(rec.lines)
            block["last"] = rec.last_line
            return self._take_cut_short() + self._finish(ctx, complete=True)
        is_key = block["label"].endswith("PRIVATE KEY")
        if (_BASE64.match(text) or (is_key and (not text or _KEY_HEADER.match(text)))) \
                and len(block["lines"]) <= MAX_PEM_LINES:
            block["lines"].append(text)
            block["raw"].extend(rec.lines)
            block["last"] = rec.last_line
            block["encrypted"] = block["encrypted"] or text.endswith(",ENCRYPTED")
            return []
        self.cut_short.extend(self._finish(ctx, complete=False))
        return None

    def _finish(self, ctx: Context, complete: bool) -> list:
        block, self.block = self.block, None
        span = {"first_line": block["first"], "last_line": block["last"]}
        if block["label"].endswith("PRIVATE KEY"):
            key_name, self.key_name = self.key_name or _export_label(ctx), None
            return [ctx.fact("private_key", **span, label=block["label"], key_name=key_name,
                             encrypted=block["encrypted"], complete=complete)]  # no raw: never keep key lines
        role, self.role = self.role, None
        if not complete:
            block["lines"].append("")  # find_pem_blocks then says where the text stopped
        pem, = find_pem_blocks(block["lines"])
        trustpoint = _export_label(ctx)
        fields = {"role": role, "trustpoints": [trustpoint] if trustpoint else [], "origin": "pem"}
        if pem.certificate is None:
            ctx.warnings.append(f"{ctx.path}:{block['first']}-{block['last']}: a PEM certificate block "
                                f"could not be read ({pem.error})")
            return [ctx.fact("pem.undecodable", **span, raw=block["raw"], reason=pem.error, **fields)]
        return [ctx.fact("cert", **span, raw=block["raw"], **fields, **decoded_fields(pem.certificate))]


def _export_label(ctx: Context) -> str | None:
    m = _EXPORT.match(ctx.command or "")
    return m.group("label") if m else None


# -- PEM blocks in text ----------------------------------------------------------

# -----BEGIN CERTIFICATE-----
# MIIB7jCCAVegAwIBAgIBATANBgkqhkiG9w0BAQQFADAPMQ0wCwYDVQQDEwRDTUVD
# -----END CERTIFICATE-----
_PEM_BEGIN = re.compile(r"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----")
_PEM_END = re.compile(r"-----END (?:X509 |TRUSTED )?CERTIFICATE-----")
MAX_PEM_LINES = 400  # a certificate is a few dozen lines; a missing END must not swallow a log


@dataclass
class PemBlock:
    first_line: int
    last_line: int
    certificate: x509.Certificate | None
    error: str | None = None


def find_pem_blocks(lines: Iterable[str]) -> Iterator[PemBlock]:
    """PEM certificate blocks in a stream of lines (1-based line numbers); a block
    that does not decode is yielded with ``error`` set."""
    start, body = None, []
    for number, line in enumerate(lines, start=1):
        if start is None:
            if _PEM_BEGIN.search(line):
                start, body = number, []
            continue
        if _PEM_END.search(line):
            yield _pem_block(start, number, body)
            start = None
        elif number - start > MAX_PEM_LINES:
            yield PemBlock(start, number, None, f"no END CERTIFICATE line within {MAX_PEM_LINES} lines")
            start = None
        else:
            body.append(line.strip())
    if start is not None:
        yield PemBlock(start, start + len(body), None, "the text ends inside the certificate block")


def _pem_block(first: int, last: int, body: list[str]) -> PemBlock:
    try:
        der = base64.b64decode("".join(body), validate=True)
        return PemBlock(first, last, load_certificate(der))
    except (binascii.Error, ValueError) as exc:
        return PemBlock(first, last, None, f"certificate block does not decode: {exc}")
