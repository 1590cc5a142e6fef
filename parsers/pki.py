"""`debug crypto pki transactions | messages | validation | server | callbacks`
lines, the PKI syslogs, and the console messages of the `crypto pki`
authenticate / enroll / certificate-server dialogues.

Never judges: a rejected certificate becomes an event with its serial and dates;
rules decide what that means.
"""
from __future__ import annotations

import base64
import binascii
import re


from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import basename, load_certificate, match_shapes, norm_serial, parse_ios_date, shape
from cmedebug.parsers.show_pki_certificates import decoded_fields

# %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. The certificate (SN: 1A2B) has expired. Validity period ended on 13:09:32 UTC Jun 12 2029
_SN = re.compile(r"\(SN: ?([0-9A-Fa-f: ]+)\)")
# ... Validity period ended on 13:09:32 UTC Jun 12 2029
# ... Validity period starts on 10:00:00 UTC Nov 26 2026
_PERIOD = re.compile(r"Validity period (?:ended|starts) on (.+?)$")
# CRYPTO_PKI: status = 0x762(E_ENCRYPT_ALG_NOT_SUPPORTED : message encryption algorithms not supported): pkcs7 verify data returned status
_STATUS = re.compile(r"status = (0x[0-9A-Fa-f]+)\((E_[A-Z0-9_]+) ?: ?([^)]*)\):? ?(.*)$")
# %PKI-3-PKCS12_IMPORT_FAILURE: PKCS #12 import failed for trustpoint: CME. Reason: Failed to import pkcs12 context
_TRUSTPOINT = re.compile(r"[Tt]rustpoint:? ?([A-Za-z0-9_.\-]+?)\.?(?: |$|,)")
# %PKI-3-CRL_FETCH_FAIL: CRL fetch for trustpoint CME failed Reason : Enrollment URL not configured.
_REASON = re.compile(r"Reason ?: ?(.*)$")

# mnemonic -> event kind
SYSLOG_KINDS = {
    "NON_AUTHORITATIVE_CLOCK": "pki.clock.non_authoritative",
    # msg: PKI-3-CERTIFICATE_INVALID_EXPIRED
    "CERTIFICATE_INVALID_EXPIRED": "pki.cert.invalid_expired",
    # msg: PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID
    "CERTIFICATE_INVALID_NOT_YET_VALID": "pki.cert.invalid_not_yet_valid",
    # msg: PKI-6-CERTRET
    "CERTRET": "pki.enroll.cert_received",
    # msg: PKI-6-CERTFAIL
    "CERTFAIL": "pki.enroll.failed",
    "CERTREJECT": "pki.enroll.rejected",
    "CERTPENDING": "pki.enroll.pending",
    # msg: PKI-3-SOCKETSEND
    "SOCKETSEND": "pki.ca.socket_send_failed",
    # msg: cs.enabled-console, PKI-6-CS_ENABLED
    "CS_ENABLED": "pki.cs.enabled",
    "CS_DISABLED": "pki.cs.disabled",
    # msg: PKI-6-CS_GRANT_AUTO
    "CS_GRANT_AUTO": "pki.cs.grant_auto",
    "TRUSTPOINT_CREATE": "pki.trustpoint.created",
    "PKCS12_IMPORT_FAILURE": "pki.pkcs12.import_failed",
    "PKCS12_IMPORT_SUCCESS": "pki.pkcs12.imported",
    # msg: PKI-3-CRL_FETCH_FAIL
    "CRL_FETCH_FAIL": "pki.crl.fetch_failed",
    # %PKI-3-CERTIFICATE_REVOKED: Certificate chain validation has failed.  The certificate (SN: 03) is revoked
    # (inferred, not in ../shared/domain: written like CERTIFICATE_INVALID_EXPIRED)
    # msg: PKI-3-CERTIFICATE_REVOKED
    "CERTIFICATE_REVOKED": "pki.cert.invalid_revoked",
}
_TRUSTPOINT_MNEMONICS = ("PKCS12_IMPORT_FAILURE", "TRUSTPOINT_CREATE", "PKCS12_IMPORT_SUCCESS", "CRL_FETCH_FAIL")

DEBUG_SHAPES = (
    # CRYPTO_PKI_SCEP: Client sending GetCACert request
    # msg: pki.scep-getcacert, pki.sending-ca-request, pki.http-get, pki.http-user-agent, pki.http-host
    shape("pki.scep.request", r"CRYPTO_PKI_SCEP: Client sending (?P<operation>\w+) request"),
    # CRYPTO_PKI: locked trustpoint CME, refcount is 1
    # msg: pki.locked-trustpoint
    shape("pki.trustpoint.locked", r"CRYPTO_PKI: locked trustpoint (?P<trustpoint>[^,\s]+), refcount is (?P<refcount>\d+)"),
    # CRYPTO_PKI: http connection opened
    # msg: pki.http-opened
    shape("pki.http.connection_opened", r"CRYPTO_PKI: http connection opened"),
    # CRYPTO_PKI: Sending HTTP message
    # msg: pki.http-sending
    shape("pki.http.sent", r"CRYPTO_PKI: Sending HTTP message"),
    # CRYPTO_PKI: Reply HTTP header: HTTP/1.0 200 OK
    shape("pki.http.reply", r"CRYPTO_PKI: (?P<text>Reply HTTP.*)$"),
    # CRYPTO_PKI:  Certificate Request Fingerprint MD5: 8A8B2C1D 0E6F7A8B 9C0D1E2F 3A4B5C6D
    # msg: pki.request-fingerprint-md5, pki.request-fingerprint-sha1
    shape("pki.request.fingerprint",
          r"CRYPTO_PKI: +Certificate Request Fingerprint (?P<algorithm>MD5|SHA1): ?(?P<fingerprint>[0-9A-Fa-f ]+?)$"),
    # CRYPTO_PKI: Prepare global revocation service providers
    # msg: pki.prepare-revocation
    shape("pki.revocation.providers", r"CRYPTO_PKI: (?P<action>Prepare|Remove) global revocation service providers"),
    # CRYPTO_PKI(Cert Lookup) issuer="cn=CME_ROOT" serial number= 01 0A
    shape("pki.cert.lookup",
          r"CRYPTO_PKI\(Cert Lookup\) issuer=\"(?P<issuer>[^\"]*)\" serial number= ?(?P<serial>[0-9A-Fa-f ]*[0-9A-Fa-f])"),
    # CRYPTO_PKI: looking for cert in handle=62F4A7D8, digest= 9E 3A 11 ...
    shape("pki.cert.lookup_handle",
          r"CRYPTO_PKI: looking for cert in handle=(?P<handle>\w+), digest= ?(?P<digest>[0-9A-Fa-f ]*[0-9A-Fa-f])"),
    # CRYPTO_PKI: set re-enroll timer to 3600-second
    shape("pki.reenroll.timer", r"CRYPTO_PKI: set re-enroll timer to (?P<seconds>\d+)"),
    # CRYPTO_PKI_OPSSL - Verifying 1 Certs
    # msg: pki.verifying-certs
    shape("pki.opssl.verifying", r"CRYPTO_PKI_OPSSL - Verifying (?P<count>\d+) Certs?"),
    # CRYPTO_PKI: Sending CA Certificate Request:   (then raw HTTP lines; see PkiParser._scep)
    # msg: pki.status-granted, pki.status-pending
    shape("pki.debug", r"(?P<text>CRYPTO_PKI.*)$"),
    # ../cert-c/source/p7spprt.c(633) : E_ENCRYPT_ALG_NOT_SUPPORTED : message encryption algorithms not supported
    shape("pki.pkcs7.error",
          r"(?P<location>[^\s(]*\.c\(\d+\)) : (?P<error>E_[A-Z0-9_]+) : (?P<reason>.*)$"),
    #  Invalid signer count value 0
    shape("pki.pkcs7.invalid_signer_count", r"Invalid signer count value (?P<count>\d+)"),
    # CRYPTO_CS: enter FSM: input state disabled, input signal no shut
    # msg: cs.fsm-no-shut
    shape("pki.cs.fsm", r"CRYPTO_CS: enter FSM: input state (?P<state>[^,]+), input signal (?P<signal>.*?)$"),
    # CRYPTO_CS: SCEP server stopped
    shape("pki.cs.scep_server_stopped", r"CRYPTO_CS: SCEP server stopped"),
    # CRYPTO_CS: file opened: nvram:cme_root.ser      CRYPTO_CS: closed ser file      CRYPTO_CS: found existing serial file.
    # msg: cs.file-opened, cs.closed-ser
    shape("pki.cs.file", r"CRYPTO_CS: file (?P<action>opened): (?P<path>\S+)"),
    shape("pki.cs.file", r"CRYPTO_CS: (?P<action>closed|found existing) (?P<path>ser|serial) file", ),
    # CRYPTO_CS: authenticating the CA 'cme_root'
    shape("pki.cs.authenticating_ca", r"CRYPTO_CS: authenticating the CA '(?P<issuer>[^']*)'"),
    # CRYPTO_CS: updated crl in memory ..
    shape("pki.cs.crl_updated", r"CRYPTO_CS: updated crl"),
    # CRYPTO_CS: starting enabling checks      All expired database files are deleted.
    # msg: cs.enabling-checks, cs.filesystem
    shape("pki.cs.debug", r"(?P<text>CRYPTO_CS.*|All expired database files are deleted\.?)$"),
)

CONSOLE_SHAPES = (
    # % Failed to find Certificate Server's trustpoint at startup
    # msg: cs.startup-no-trustpoint
    shape("pki.cs.startup_trustpoint_missing", r"% ?Failed to find Certificate Server's trustpoint at startup"),
    # % Failed to find Certificate Server's cert.
    # msg: cs.startup-no-cert
    shape("pki.cs.startup_cert_missing", r"% ?Failed to find Certificate Server's cert"),
    # %Some server settings cannot be changed after CA certificate generation.
    # msg: cs.settings-locked
    shape("pki.cs.settings_locked", r"% ?Some server settings cannot be changed after CA certificate generation"),
    # % Certificate Server enabled.
    shape("pki.cs.enabled", r"% ?Certificate Server enabled"),
    # % Generating 1024 bit RSA keys, keys will be non-exportable...     % Generating 1024 bit RSA keys ...[OK]
    # msg: crypto.generating-keys, crypto.generating-exportable-keys, crypto.generated-ok
    shape("pki.key.generating", r"% ?Generating (?P<key_size>\d+) bit RSA keys(?P<exportable>, keys will be (?:non-)?exportable)?"),
    # Fingerprint MD5: 995C157D AABB8EE2 494E7B35 00A75A88
    # msg: pki.fingerprint-md5, pki.fingerprint-sha1
    shape("pki.ca.fingerprint", r"Fingerprint (?P<algorithm>MD5|SHA1): ?(?P<fingerprint>[0-9A-Fa-f ]+?)$"),
    # Trustpoint CA certificate accepted.
    shape("pki.ca.accepted", r"Trustpoint CA certificate accepted"),
    # % Failed to authenticate the Certificate Authority
    shape("pki.ca.authenticate_failed", r"% ?Failed to authenticate the Certificate Authority"),
    # % Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0
    # msg: pki.ca-receive-error
    shape("pki.ca_cert.receive_failed",
          r"% ?Error in receiving Certificate Authority certificate: status = (?P<result>\w+), cert length = (?P<cert_length>\d+)"),
    # % You must authenticate the Certificate Authority before you can enroll with it.
    shape("pki.ca.not_authenticated", r"% ?You must authenticate the Certificate Authority before you can enroll"),
    # % Attempting authentication first.
    shape("pki.ca.not_authenticated", r"% ?Attempting authentication first", attempting_authentication=True),
    # % Certificate successfully imported
    shape("pki.cert.imported", r"% ?Certificate successfully imported"),
    # % Certificate request sent to Certificate Authority
    # msg: pki.request-sent
    shape("pki.enroll.request_sent", r"% ?Certificate request sent to Certificate Authority"),
    # % The subject name in the certificate will include: CME1.cisco.com
    shape("pki.enroll.subject", r"% ?The subject name in the certificate will include: (?P<subject>.*?)$"),
    # %Error opening tftp://10.1.1.50/cme-root/cme-root.ser (Timed out)      (catalogue cs.file-error, inferred)
    # msg: cs.file-error
    shape("pki.cs.database_unreadable", r"%Error opening (?P<url>\S+?(?P<file>\.ser|\.crl)?) \((?P<reason>[^)]*)\)$"),
)
# The questions and notes of the interactive dialogues: recognised, nothing to report.
# % Please enter a passphrase to protect the private key     % Do you accept this certificate? [yes/no]: yes
# Certificate has the following attributes:                  Are you sure you want to do this? [yes/no]: y
# % The fully-qualified domain name will not be included in the certificate
_DIALOGUE = re.compile(
    r"%$|% ?(?:Please enter a passphrase|or type Return|Do you accept this certificate|Start certificate enrollment"
    r"|Create a challenge password|Include (?:the router serial number|an IP address)|The 'show crypto pki"
    r"|This will cause all certificate requests|Once you start the server|the configuration\.|Exporting Certificate Server"
    r"|The fully-qualified domain name will not be included)"
    r"|Certificate has the following attributes:|Are you sure you want to do this\?|Request certificate from CA\?"
    r"|(?:Re-enter )?[Pp]assword:|End with a blank line or the word \"quit\"|Enter the base 64 encoded")
# Enter the base 64 encoded CA certificate.     (`crypto pki authenticate <tp>` with `enrollment terminal`)
_PASTE_START = re.compile(r"Enter the base 64 encoded (?:CA )?certificate\.?")
# End with a blank line or the word "quit" on a line by itself
_PASTE_HINT = re.compile(r"End with a blank line or the word \"quit\"")
# -----BEGIN CERTIFICATE-----      -----END CERTIFICATE-----      (IOS takes the paste with or without them)
_PASTE_ARMOUR = re.compile(r"-----(?:BEGIN|END) (?:X509 |TRUSTED )?CERTIFICATE-----$")
MAX_PASTE_LINES = 400  # 64-character lines: ~19 kB, far above any real CA certificate
MAX_HTTP_LINES = 8  # the request line and a few headers follow a SCEP request
# MIIDqDCCApCgAwIBAgIQNT+yS9cPFKNGwfOprHJWdTANBgkqhkiG9w0BAQUFADAu
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/]{1,76}={0,2}$")
# crypto pki authenticate CME-TLS        crypto pki enroll CME-TLS
_TRUSTPOINT_COMMAND = re.compile(r"cry(?:pto)? (?:pki|ca) (?:auth(?:enticate)?|enr(?:oll)?) +(?P<trustpoint>\S+)", re.I)
# GET /cgi-bin/pkiclient.exe?operation=GetCACert&message=CME HTTP/1.0
_HTTP_REQUEST = re.compile(r"(?:GET|POST) (?P<url>\S+)")
# /cgi-bin/pkiclient.exe?operation=GetCACert&message=CME
_QUERY = re.compile(r"[?&](?P<key>operation|message)=(?P<value>[^&\s]*)")
# User-Agent: Mozilla/4.0 (compatible; MSIE 5.0; Cisco PKI)        Host: 10.1.1.1
_HTTP_HEADER = re.compile(r"(?P<name>User-Agent|Host): ?(?P<value>.*?)$")


# A client's authenticate or enroll that failed: the events name the trustpoint typed at the prompt.
TRUSTPOINT_FAILURES = ("pki.ca.not_authenticated", "pki.ca_cert.receive_failed", "pki.ca.authenticate_failed")


class PkiParser(LineParser):
    name = "pki"
    description = "debug crypto pki (transactions, messages, validation, server), %PKI- syslogs, crypto pki dialogues"
    keywords = ("%PKI-", "CRYPTO_PKI", "status = 0x", "CRYPTO_CS", "%Error opening", "expired database", ".c(", "signer count",
                "%", "Fingerprint", "Trustpoint CA", "Certificate has", "Are you sure", "assword:",
                "Request certificate", "GET /", "POST /", "User-Agent:", "Host:", "base 64", "End with")
    commands = (r"cry(?:pto)? (?:pki|ca) auth(?:enticate)?",)
    priority = 20

    def __init__(self) -> None:
        self.scep_request = None  # the last `Sending CA Certificate Request:` event, until its HTTP lines are read
        self.http_lines = 0
        self.paste: dict | None = None  # a CA certificate being pasted into `crypto pki authenticate`
        self.finished: list = []  # pastes that ended without `quit`, reported when the block ends

    def declines_message(self, text: str, facility: str | None) -> bool:
        return facility is not None and facility != "PKI" and self.paste is None  # (parse's first two tests)

    def reads_syslogs_now(self) -> bool:
        return self.paste is not None

    def parse(self, rec: Record, ctx: Context):
        text = rec.text
        if self.paste is not None:
            items = self._paste_line(rec, ctx)
            if items is not None:
                return items
        if rec.facility is not None:
            return [self._syslog(rec, ctx)] if rec.facility == "PKI" else None
        if _PASTE_START.match(text) and ctx.block_owner in (None, self):
            m = _TRUSTPOINT_COMMAND.match(ctx.command or "")
            ctx.block_owner = self  # so that end_block reports a paste cut short by the end of the input
            self.paste = {"trustpoint": m.group("trustpoint") if m else None, "first": rec.first_line,
                          "last": rec.last_line, "lines": [], "body": []}
            return []
        if "status = 0x" in text:
            m = _STATUS.search(text)
            if m:
                return [ctx.event("pki.status", rec, code=m.group(1).lower(), error=m.group(2),
                                  reason=m.group(3).strip(), context=m.group(4).strip())]
        if text.startswith("CRYPTO_PKI: Sending CA Certificate Request"):
            event = ctx.open_event("pki.scep.request", rec)  # its HTTP lines come after it
            self.scep_request, self.http_lines = event, len(rec.continuations)
            self._add_http(event, rec.continuations)
            return [event]
        if self.scep_request is not None and self._scep_http_line(rec):
            return []
        found = match_shapes(DEBUG_SHAPES, text) or match_shapes(CONSOLE_SHAPES, text)
        if found is not None:
            kind, fields = found
            return [ctx.event(kind, rec, **self._shape_fields(kind, fields, ctx))]
        return [] if _DIALOGUE.match(text) else None

    def _paste_line(self, rec: Record, ctx: Context):
        """A line while a CA certificate is being pasted: items, or None when the line is not part of it."""
        text, body = rec.text, self.paste["body"]
        armour = _PASTE_ARMOUR.match(text) is not None
        if armour or (_BASE64_LINE.match(text) and text != "quit"):
            self.paste["lines"].append(rec.lines[0])
            self.paste["last"] = rec.last_line
            if not armour:
                body.append(text)
            return self._end_paste(ctx, rec.last_line) if len(body) >= MAX_PASTE_LINES else []
        if not body and (not text or _PASTE_HINT.match(text)):
            return []  # the hint, or blank lines before the data
        if text == "quit":
            return self._end_paste(ctx, rec.last_line)
        # A blank line ends the paste too; anything else cuts it short and is read as usual. Either
        # way the certificate is reported when the block ends (items of a blank line are not kept).
        self.finished.extend(self._end_paste(ctx, None))
        return [] if not text else None

    def _scep_http_line(self, rec: Record) -> bool:
        """Whether ``rec`` is a raw HTTP line of the last SCEP request, printed after a blank line."""
        text = rec.text
        if rec.is_message or self.http_lines >= MAX_HTTP_LINES:
            return False
        if not (_HTTP_REQUEST.match(text) or _HTTP_HEADER.match(text)):
            return False
        self.http_lines += 1
        self._add_http(self.scep_request, [text])
        self.scep_request.raw = self.scep_request.raw + tuple(rec.lines)
        return True

    @staticmethod
    def _shape_fields(kind: str, fields: dict, ctx: Context) -> dict:
        """Vocabulary values of the fields a shape captured as printed."""
        for name in ("fingerprint", "digest"):  # 995C157D AABB8EE2 ... -> 995C157DAABB8EE2...
            if name in fields:
                fields[name] = fields[name].replace(" ", "").upper()
        if "exportable" in fields:
            fields["exportable"] = "non-" not in fields["exportable"]
        if kind == "pki.pkcs7.error":
            fields["location"] = basename(fields["location"])
        if kind in TRUSTPOINT_FAILURES:  # the answer to `crypto pki authenticate|enroll <trustpoint>`
            command = _TRUSTPOINT_COMMAND.match(ctx.command or "")
            if command:
                fields["trustpoint"] = command.group("trustpoint")
        if kind == "pki.cs.file" and fields["path"] in ("ser", "serial"):
            fields.update(action=fields["action"].split()[0], path="serial file")
        return fields

    def end_block(self, ctx: Context):
        out, self.finished = self.finished, []
        return out + (self._end_paste(ctx, None) if self.paste is not None else [])

    def _end_paste(self, ctx: Context, quit_line: int | None):
        """The pasted CA certificate as a `cert` fact (the fields of show crypto pki
        certificates); a paste that does not decode is reported, with its lines."""
        paste, self.paste = self.paste, None
        if not paste["body"]:
            return []
        last = quit_line or paste["last"]
        try:
            cert = load_certificate(base64.b64decode("".join(paste["body"]), validate=True))
        except (binascii.Error, ValueError) as exc:
            ctx.warnings.append(f"{ctx.path}:{paste['first']}-{last}: the CA certificate pasted into "
                                f"crypto pki authenticate does not decode ({exc.__class__.__name__}: {exc})")
            return [ctx.fact("pki.ca.paste_undecodable", first_line=paste["first"], last_line=last,
                             raw=paste["lines"], trustpoint=paste["trustpoint"], reason=str(exc))]
        trustpoints = [paste["trustpoint"]] if paste["trustpoint"] else []
        return [ctx.fact("cert", first_line=paste["first"], last_line=last, raw=paste["lines"], role="ca",
                         trustpoints=trustpoints, origin="crypto pki authenticate", **decoded_fields(cert))]

    @staticmethod
    def _add_http(event, lines) -> None:
        """Fields of a SCEP request from its raw HTTP lines."""
        for line in lines:
            request = _HTTP_REQUEST.match(line)
            if request:
                event.fields["url"] = request.group("url")
                for q in _QUERY.finditer(request.group("url")):
                    event.fields[q.group("key")] = q.group("value")
                continue
            header = _HTTP_HEADER.match(line)
            if header:
                event.fields["host" if header.group("name") == "Host" else "user_agent"] = header.group("value")

    def _syslog(self, rec: Record, ctx: Context):
        kind = SYSLOG_KINDS.get(rec.mnemonic or "", "pki.syslog")
        fields: dict = {"mnemonic": rec.mnemonic, "severity": rec.severity}
        sn = _SN.search(rec.text)
        if sn:
            fields["serial"] = norm_serial(sn.group(1))
        period = _PERIOD.search(rec.text)
        if period:
            parsed = parse_ios_date(period.group(1))
            if parsed:
                fields["not_after" if "ended" in period.group(0) else "not_before"] = parsed[0]
        if rec.mnemonic in _TRUSTPOINT_MNEMONICS:
            tp = _TRUSTPOINT.search(rec.text)
            if tp:
                fields["trustpoint"] = tp.group(1)
        reason = _REASON.search(rec.text)
        if reason:
            fields["reason"] = reason.group(1).strip()
        if kind == "pki.syslog":
            fields["text"] = rec.text.split(":", 1)[1].strip() if ":" in rec.text else ""
        return ctx.event(kind, rec, **fields)
