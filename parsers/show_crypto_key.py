"""`show crypto key mypubkey rsa [label]`: one `platform.key` per key pair
(label, size, usage, exportable, when it was generated).

Real shape: ../shared/corpus/21. The `% Key pair was generated at:` line
starts a record that the framing continues with the following lines, so a
record is read line by line.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import parse_ios_date
from cmedebug.parsers.show_block import ShowBlockParser, key_value

# % Key pair was generated at: 22:20:02 UTC Feb 19 2024
_GENERATED = re.compile(r"% Key pair was generated at: (?P<date>.+)$")
# Key name: 4k_keypair
_NAME = re.compile(r"Key name: (?P<label>\S+)")
# Key type: RSA KEYS      4096 bits
_TYPE = re.compile(r"Key type: .*?(?P<bits>\d+) bits")
# Key is exportable. Redundancy enabled.      Key is not exportable.
_EXPORTABLE = re.compile(r"Key is (?P<not>not )?exportable")
# 30820222 300D0609 2A864886 F70D0101 01050003 82020F00 3082020A 02820201      Key Data:
_KEY_DATA = re.compile(r"Key Data:$|[0-9A-F]{2,8}(?: [0-9A-F]{2,8}){0,7}$")
# Storage Device: private-config      Usage: General Purpose Key      Key Id: ...
_KEYS = {"storage device": "storage", "usage": "usage"}
_OTHER_KEYS = {"key id", "key label"}


class ShowCryptoKeyParser(ShowBlockParser):
    name = "show-crypto-key"
    description = "show crypto key mypubkey rsa"
    # vg400# show crypto key mypubkey rsa 4k_keypair
    commands = (r"sh\w* cry\w* key mypub\w*(?: rsa)?",)
    block_start = re.compile(r"% Key pair was generated at: |Key name: ")

    def __init__(self) -> None:
        super().__init__()
        self.key: dict | None = None

    def take(self, text, rec: Record, ctx: Context):
        lines = [line.strip() for line in rec.lines if line.strip()] or [text]
        out: list = []
        for i, line in enumerate(lines):
            done = self._line(line, rec, ctx)
            if done is None:  # the framing joined lines that are not this output's to a key
                return out if i else None
            out.extend(done)
        return out

    def _line(self, line: str, rec: Record, ctx: Context):
        done: list = []
        m = _GENERATED.match(line)
        if m or (_NAME.match(line) and (self.key is None or self.key["fields"]["label"] is not None)):
            done = self.flush(ctx)
            self.key = {"fields": {"label": None, "key_size": None, "usage": None, "exportable": None,
                                   "generated_at": None, "storage": None},
                        "first": rec.first_line, "last": rec.last_line, "raw": []}
        if self.key is None:
            return None
        fields = self.key["fields"]
        if m:
            parsed = parse_ios_date(m.group("date"))
            fields["generated_at"] = parsed[0] if parsed else None
        elif n := _NAME.match(line):
            fields["label"] = n.group("label")
        elif t := _TYPE.match(line):
            fields["key_size"] = int(t.group("bits"))
        elif e := _EXPORTABLE.match(line):
            fields["exportable"] = not e.group("not")
        elif _KEY_DATA.match(line):
            pass
        elif (kv := key_value(line)) and kv[0] in _KEYS:
            fields[_KEYS[kv[0]]] = kv[1]
        elif not (kv and kv[0] in _OTHER_KEYS):
            return None
        if not self.key["raw"] or self.key["last"] != rec.last_line:
            self.key["raw"].extend(rec.lines)
        self.key["last"] = rec.last_line
        return done

    def flush(self, ctx: Context):
        key, self.key = self.key, None
        if key is None:
            return []
        return [ctx.fact("platform.key", first_line=key["first"], last_line=key["last"], raw=key["raw"],
                         **key["fields"])]
