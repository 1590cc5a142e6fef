"""Masking of secrets in everything a report prints.

Reports are handed to colleagues and customers, so the passwords, CAPF
authentication strings, private keys and SNMP communities that a pasted config
or show output carries are replaced by ``MASK`` in every format (text, JSON,
HTML, Markdown, CSV). Control characters are neutralised on the way
(``cmedebug.safe_output.neutralise``), so no report can drive a terminal.
Masking happens at the report boundary: parsers and rules keep the real values (a rule may need to compare two auth strings), reports never print them.

A private key spans several lines: ``Redactor`` keeps that state across the
lines of one text; ``text``/``lines``/``value`` start a fresh one per call.
"""
from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from typing import Any, Iterable

import ahocorasick
from cryptography import x509

from cmedebug.safe_output import neutralise

MASK = "[redacted]"

# Each pattern keeps group 1 (the keyword) and masks group 2 (the secret).
_SECRETS = [
    # ephone 1 / capf-auth-str 4711
    re.compile(r"(\bcapf-auth-str\s+)(\S+)", re.I),
    # capf-server / auth-string generate all 123456
    re.compile(r"(\bauth-string\s+(?:generate|delete)\s+(?:all|\S+)\s+)(\d+)", re.I),
    # show capf-server auth-string rows: `000CCE3A817C    7012`
    re.compile(r"^(\s*(?:SEP)?(?:[0-9A-F]{12}|[0-9A-F]{4}\.[0-9A-F]{4}\.[0-9A-F]{4})\s+)(\d{1,16})\s*$", re.I),
    # <authenticationString>4711</authenticationString> and other XML secrets (<sshPassword>)
    re.compile(r"(<(\w*(?:authenticationString|[Pp]assword|[Ss]ecret))>)(?:.*?)(?=</\2>)"),
    # authenticationString="4711" / authenticationString: 4711
    re.compile(r"(\bauthenticationString\b\s*[=:]\s*\"?)([^\s\"<]+)"),
    # username admin password 0 cisco / enable secret 5 $1$mERr$... / ctl-service admin cme secret 0 pw
    # cert-enroll-trustpoint iosra password 0 cisco123 / server cme 10.1.1.1 username u password 0 pw
    re.compile(r"(\b(?:password|secret)\s+[0-9#]\s+)(\S+)", re.I),
    # Password: s3cret  (an interactive prompt that echoed what was typed)
    re.compile(r"(^\s*(?:Re-enter )?password:\s*)(\S+)", re.I),
    # snmp-server community public RO
    re.compile(r"(\bsnmp-server\s+community\s+)(\S+)", re.I),
    # snmp-server host 10.1.1.9 version 2c public
    re.compile(r"(\bsnmp-server\s+host\s+\S+\s+(?:(?:informs|traps)\s+)?(?:version\s+\S+\s+)?)(\S+)", re.I),
    # tacacs-server key 7 0822455D0A16 / radius-server key cisco / crypto isakmp key cisco address 0.0.0.0
    re.compile(r"(\b(?:tacacs-server|radius-server|isakmp)\s+key\s+(?:[0-9#]\s+)?)(\S+)", re.I),
    # key 7 0822455D0A16  (under `tacacs server`, `radius server`)
    re.compile(r"(^\s*key\s+[0-9#]\s+)(\S+)", re.I),
    # key-string 7 0822455D0A16  (under `key chain` / `key 1`)
    re.compile(r"(^\s*key-string\s+(?:[0-9#]\s+)?)(\S+)", re.I),
    # crypto pki import cme-tp pem terminal password cisco123
    # crypto pki export cme-tp pkcs12 flash:x password cisco123
    re.compile(r"(\bcrypto\s+pki\s+(?:import|export)\b.*?\bpassword\s+)(\S+)", re.I),
    # database url ftp://causer:Dbpass1@10.1.1.9/ca/  (any URL with user:password@)
    re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)([^\s@/]+)(?=@)", re.I),
    # database archive pkcs12 password 0 Arch1ve / database archive pem password Arch1ve
    re.compile(r"(\bdatabase\s+archive\b.*?\bpassword\s+(?:[0-9#]\s+)?)(\S+)", re.I),
    # snmp-server user u1 g1 v3 auth sha Auth3pw priv aes 128 Pr1vpw
    re.compile(r"(\bauth\s+(?:md5|sha\d*)\s+)(\S+)", re.I),
    re.compile(r"(\bpriv\s+(?:3des|des\d*|aes(?:\s+\d+)?)\s+)(\S+)", re.I),
    # crypto keyring: pre-shared-key address 10.1.1.1 key Psk1; IKEv2: pre-shared-key local 0 Psk2
    re.compile(r"(\bpre-shared-key\b.*?\bkey\s+(?:[0-9#]\s+)?)(\S+)", re.I),
    re.compile(r"(\bpre-shared-key\s+(?:(?:local|remote)\s+)?(?:[0-9#]\s+)?)(?!address\b|hostname\b)(\S+)", re.I),
    # key Radk3y (under `radius server`, no type digit); `key 1` under `key chain` is an id and stays
    re.compile(r"(^\s*key\s+(?:[0-9#]\s+)?)(?!\d+\s*$|chain\b|config-key\b)(\S+)"),  # lower case, as config prints it
    # server-private 10.1.1.5 key Tk3y / server-private 10.1.1.5 timeout 5 key 7 0822
    re.compile(r"(\bserver-private\b.*?\bkey\s+(?:[0-9#]\s+)?)(\S+)", re.I),
    # ntp authentication-key 1 md5 Ntpk3y 7 / ip ospf authentication-key Osp1 / area 0 authentication-key 7 x
    re.compile(r"(\bauthentication-key\s+(?:\d+\s+md5\s+|[0-9#]\s+)?)(\S+)", re.I),
    # ip ospf message-digest-key 1 md5 Md5k3y
    re.compile(r"(\bmessage-digest-key\s+\d+\s+md5\s+(?:[0-9#]\s+)?)(\S+)", re.I),
    # neighbor 10.1.1.2 password Bgpk3y
    re.compile(r"(\bneighbor\s+\S+\s+password\s+(?:[0-9#]\s+)?)(\S+)", re.I),
    # wpa-psk ascii 0 Wpak3y
    re.compile(r"(\bwpa-psk\s+(?:ascii|hex)\s+(?:[0-9#]\s+)?)(\S+)", re.I),
    # authentication username sipuser password Sippw / server ... username u password p
    re.compile(r"(\busername\s+\S+\s+(?:privilege\s+\d+\s+)?password\s+(?:[0-9#]\s+)?)(\S+)", re.I),
    # pin 4821 (ephone, voice register pool)
    re.compile(r"(^\s*pin\s+)(\S+)", re.I),
    # ip ftp password Ftpw / ip http client password 0 Httpw
    re.compile(r"(\bip\s+(?:ftp|http\s+client)\s+password\s+(?:[0-9#]\s+)?)(\S+)", re.I),
]
# Lines that carry a password with no encryption-type digit, only in config shapes
# (prose such as "provide this password to the CA" stays readable):
# enable password cisco / username admin password cisco / password cisco (line vty)
_CONFIG_PASSWORD = re.compile(
    r"^(\s*(?:enable\s+|username\s+\S+\s+(?:privilege\s+\d+\s+)?)?(?:password|secret)\s+)(\S+)\s*$", re.I)

# -----BEGIN RSA PRIVATE KEY----- / -----BEGIN ENCRYPTED PRIVATE KEY----- / -----END PRIVATE KEY-----
_KEY_BEGIN = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_KEY_END = re.compile(r"-----END [A-Z ]*PRIVATE KEY-----")
# A line of base64 alone (the body of a key seen without its BEGIN line, e.g. as an
# unparsed sample or an unparsed shape, where digits print as '#'):
# MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
_BASE64_LINE = re.compile(r"^\s*[A-Za-z0-9+/#]{48,}={0,2}\s*$")
# a whole key inside one string (continuation lines joined with spaces)
_KEY_INLINE = re.compile(r"(-----BEGIN [A-Z ]*PRIVATE KEY-----).*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S)


# Every pattern above needs one of these words (or is an auth-string table row): a cheap
# first look that lets the lines without any pass untouched.
_TRIGGER = re.compile(r"auth|password|secret|snmp|key|priv|psk|://|^\s*pin\s|^\s*(?:SEP)?[0-9A-F.]{12,14}\s+\d", re.I)
# The same look at an ASCII line, several times faster than the case-blind regex (6 us a line):
# the words in the lower-cased line, the two line starts by an anchored match.
_TRIGGER_WORDS = ahocorasick.Automaton()
for _word in ("auth", "password", "secret", "snmp", "key", "priv", "psk", "://"):
    _TRIGGER_WORDS.add_word(_word, _word)
_TRIGGER_WORDS.make_automaton()
_TRIGGER_AT_START = re.compile(r"\s*(?:pin\s|(?:SEP)?[0-9A-F.]{12,14}\s+\d)", re.I)


def _may_hold_secret(line: str) -> bool:
    if not line.isascii():  # case-blind matching knows more than lower() beyond ASCII (K, the Kelvin sign)
        return _TRIGGER.search(line) is not None
    return next(_TRIGGER_WORDS.iter(line.lower()), None) is not None or _TRIGGER_AT_START.match(line) is not None


# A placeholder in a remediation, not a secret: `password 0 <password>`, `capf-auth-str <4-10 digits>`
_PLACEHOLDER = re.compile(r"<[^<>]+>")


def _masked(m: re.Match) -> str:
    """The keyword part of a match kept, the secret after it replaced (placeholders kept)."""
    return m.group(0) if _PLACEHOLDER.match(m.string, m.end(1)) else m.group(1) + MASK


def _mask_line(line: str) -> str:
    if _BASE64_LINE.match(line):
        return MASK
    if not _may_hold_secret(line):
        return line
    for pattern in [*_SECRETS, _CONFIG_PASSWORD]:
        line = pattern.sub(_masked, line)
    return _KEY_INLINE.sub(lambda m: f"{m.group(1)} {MASK} {m.group(2)}".rstrip(), line)


# A report prints the same evidence lines many times (the mixed benchmark's 1M lines: 55,478
# lines printed in its JSON, 2,149 distinct), and masking one costs several microseconds:
# lines outside a private key are remembered, the short ones.
MAX_LINE_REMEMBERED = 1024


@lru_cache(maxsize=4096)
def _clean_line(line: str, keep_sgr: bool) -> str:
    """A line outside a private key, its secrets masked and control characters neutralised."""
    return neutralise(_mask_line(line), keep_sgr)


# A certificate is public, and it is the user's evidence: the base64 lines right after its BEGIN
# line are shown (a lone base64 line stays masked: it may be a key's body seen without its start).
_CERT_BEGIN = "-----BEGIN CERTIFICATE-----"


class Redactor:
    """Masks secrets line by line, remembering whether it is inside a private key
    (masked) or right inside a certificate's body (shown)."""

    def __init__(self) -> None:
        self.in_key = False
        self.in_cert = False

    def track(self, line: str) -> None:
        """Follow a line that will not be printed: only a key's start or end matters."""
        if "-----" in line:
            self.line(line)

    def line(self, line: str, keep_sgr: bool = False) -> str:
        """The line with its secrets masked and its control characters neutralised."""
        if self.in_cert:
            if _BASE64_LINE.match(line) and "#" not in line:
                return neutralise(line, keep_sgr)
            self.in_cert = False  # (a certificate's body is unbroken base64: anything else ends it)
        if not self.in_key and "-----" not in line and len(line) <= MAX_LINE_REMEMBERED:
            return _clean_line(line, keep_sgr)  # (no key begins, ends or goes on here)
        return neutralise(self._masked_line(line), keep_sgr)

    def _masked_line(self, line: str) -> str:
        if self.in_key:
            if _KEY_END.search(line):
                self.in_key = False
                return line[line.index("-----END"):]
            return MASK
        if _KEY_BEGIN.search(line) and not _KEY_END.search(line):
            self.in_key = True
            return line
        self.in_cert = line.rstrip().endswith(_CERT_BEGIN)
        return _mask_line(line)


def text(value: str, keep_sgr: bool = False) -> str:
    """A multi-line string with its secrets masked and its control characters
    neutralised (line feeds kept; ``keep_sgr`` keeps colour sequences)."""
    redactor = Redactor()
    return "\n".join(redactor.line(part, keep_sgr) for part in value.split("\n"))


SHORT_TEXT = 200  # characters: a report's keys, kinds, states and names repeat; their masked forms are remembered
_short_text = lru_cache(maxsize=8192)(text)


def _masked_text(value: str) -> str:
    """``text(value)``, remembered for a short one."""
    return _short_text(value) if len(value) <= SHORT_TEXT else text(value)


def lines(values: Iterable[str]) -> list[str]:
    """Consecutive lines (a log excerpt) with their secrets masked; the body of a certificate
    pasted without its BEGIN line (at `Enter the base 64 encoded CA certificate.`) is shown."""
    values = list(values)
    public = _certificate_bodies(values)
    redactor = Redactor()
    return [neutralise(v) if i in public else redactor.line(v) for i, v in enumerate(values)]


# A line of a base64 body, its short last line included
_BASE64_PART = re.compile(r"^\s*[A-Za-z0-9+/]+={0,2}\s*$")


def _certificate_bodies(values: list[str]) -> set[int]:
    """The indexes of the lines of each run of base64 lines that decodes to an X.509
    certificate: public, and the evidence itself. Any other run (a key's body seen without
    its BEGIN line) stays masked."""
    public: set[int] = set()
    i = 0
    while i < len(values):
        if not _BASE64_LINE.match(values[i]) or "#" in values[i]:
            i += 1
            continue
        # (a wrapped body: lines as wide as its first, then at most one shorter line; `quit`
        # after it is base64 too)
        width, end = len(values[i].strip()), i + 1
        while end < len(values) and _BASE64_PART.match(values[end]) and len(values[end - 1].strip()) == width:
            end += 1
        if _is_certificate("".join(v.strip() for v in values[i:end])):
            public.update(range(i, end))
        i = max(end, i + 1)
    return public


def _is_certificate(body: str) -> bool:
    try:
        x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
    except (ValueError, binascii.Error):
        return False
    return True


# Field names whose text value is a secret (`ssh_password`, `community`, `auth_string`);
# `*_set` / `*_length` companions are booleans and numbers and stay.
_SECRET_FIELD = re.compile(r"password|secret|passphrase|community|auth_?str(?:ing)?$|private_?key", re.I)


def field(name: str, data: Any) -> Any:
    """A named value: masked whole when the name says it is a secret, else as ``value``."""
    if isinstance(data, str) and data and _names_secret(name):
        return MASK
    return value(data)


@lru_cache(maxsize=4096)  # (a report names the same few fields thousands of times)
def _names_secret(name: str) -> bool:
    return _SECRET_FIELD.search(name) is not None


def value(data: Any) -> Any:
    """A JSON-like structure with every string masked; a list of strings is read as
    consecutive lines so that a private key spread over it is masked whole."""
    if isinstance(data, str):
        return _masked_text(data)
    if isinstance(data, dict):  # keys too: coverage tables are keyed by line shapes
        return {_masked_text(k) if isinstance(k, str) else k: field(str(k), v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        if data and all(isinstance(v, str) for v in data):
            return lines(data)
        return [value(v) for v in data]
    return data
