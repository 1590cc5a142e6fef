"""`cmedebug ctl show|verify` and `cmedebug config show`: thin commands over the
trust-list, signed-file and phone-config decoders.

Exit codes as for `cmedebug analyze`: 0 good, 1 the file decodes but fails its
check (signature, signer, damage), 2 the file could not be read or is not of
this kind.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import click

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
MAX_FILE_BYTES = 4 * 1024 * 1024


def _read(path: str) -> bytes:
    """A small binary file, refused when it is larger than any trust artifact."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}")
    if len(data) > MAX_FILE_BYTES:
        _fail(f"{path} is larger than {MAX_FILE_BYTES} bytes, which no CTL, ITL or config file is")
    return data


def _fail(message: str) -> None:
    click.echo(f"cmedebug: {message}", err=True)
    sys.exit(EXIT_INPUT)


def _json(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex().upper()
    return str(value)


def _when(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def _colon_hex(text: str | None) -> str:
    return ":".join(text[i:i + 2] for i in range(0, len(text), 2)) if text else "-"


_AT = click.option("--at", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
                   help="Check certificate validity at this UTC time (default: now).")
_FORMAT = click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                       show_default=True)


@click.group()
def ctl():
    """Read and verify CTL/ITL trust lists (CTLFile.tlv, CTLSEP<mac>.tlv, ITLFile.tlv)."""


def _decode_trust_list(path: str):
    from cmedebug.parsers.tlv import header_end
    from cmedebug.parsers.trustlist import decode_trust_list

    data = _read(path)
    end = header_end(data[:10])
    if end is None:
        _fail(f"{path} is not a Cisco TLV trust list (it does not start with the VERSION and HEADER LENGTH elements)")
    tl = decode_trust_list(data)
    named = (tl.header.filename or "").lower()
    if named and not named.endswith(".tlv") and data[end:end + 3] != b"\x01\x00\x02":
        _fail(f"{path} is a signed file ({tl.header.filename}), not a trust list; try `cmedebug config show {path}`")
    return tl


@ctl.command("show")
@click.argument("file", type=click.Path(dir_okay=False))
@_AT
@_FORMAT
def ctl_show(file, at, fmt):
    """Print FILE like Cisco's `show ctl`: header, signature verdict, and each record
    with role, subject, issuer, serial, validity, SHA-1 fingerprint and IP address,
    plus the problems of each certificate.

    \b
    Examples:
      cmedebug ctl show CTLSEP000E325C9A43.tlv
      cmedebug ctl show --at 2026-01-15 --format json CTLFile.tlv
    """
    from cmedebug.parsers.trustlist import verify_trust_list

    tl = _decode_trust_list(file)
    verdict = verify_trust_list(tl)
    when = at.replace(tzinfo=timezone.utc) if at else datetime.now(timezone.utc)
    label = "the --at time" if at else "now"
    if fmt == "json":
        click.echo(json.dumps(_trust_list_json(file, tl, verdict, when, label), indent=2, default=_json))
    else:
        click.echo(_trust_list_text(file, tl, verdict, when, label), nl=False)
    sys.exit(EXIT_FAILED if tl.error else EXIT_OK)


def _header_lines(path: str, tl, verdict) -> list[str]:
    from cmedebug.parsers.tlv import MODULUS_BITS

    h = tl.header
    bits = MODULUS_BITS.get(h.modulus, "?")
    lines = [
        f"{path}: {tl.kind.upper()} file {h.filename or '-'}, version {h.version_text or '-'}, "
        f"header length {h.header_length}",
        f"  Signer:     {h.signer_name or '-'}",
        f"  Serial:     {h.signer_serial or '-'}   Issuer: {h.issuer_name or '-'}",
        f"  Signature:  {(h.hash_name or '-').upper()} with RSA {bits}, {len(h.signature or b'')} bytes",
        f"  Timestamp:  {_when(h.timestamp)}",
        f"  Verdict:    {verdict.status} ({verdict.reason})",
    ]
    if h.signer_version:
        lines.insert(4, f"  Signer version: {h.signer_version[0]}.{h.signer_version[1]}")
    return lines


def _trust_list_text(path: str, tl, verdict, when: datetime, label: str) -> str:
    from cmedebug.certs import cert_fields
    from cmedebug.parsers.trustlist import record_inconsistencies

    lines = _header_lines(path, tl, verdict) + [f"  Records:    {len(tl.records)}", ""]
    for rec in tl.records:
        cert = rec.cert
        fields = cert_fields(cert) if cert is not None else {}
        lines += [
            f"Record {rec.index} (offset {rec.offset}, {rec.length} bytes): {rec.role_name}",
            f"  Subject:     {rec.subject or '-'}",
            f"  Issuer:      {rec.issuer or '-'}",
            f"  Serial:      {rec.serial or '-'}",
            f"  Validity:    {_when(fields.get('not_before'))} to {_when(fields.get('not_after'))}",
            f"  SHA-1:       {_colon_hex(fields.get('fingerprint_sha1'))}",
            f"  IP address:  {rec.ip_address or '-'}",
            f"  DNS name:    {rec.dns_name or '-'}",
            f"  Key:         {fields.get('key_type', '-')} {fields.get('key_size') or ''}".rstrip(),
        ]
        if cert is None:
            lines.append(f"  Certificate: {rec.cert_error}")
        analysis = _analysis(tl, rec, when, label)
        if analysis is not None:
            lines += [f"  {p.severity.upper():<8}     {p.message}" for p in analysis.problems]
            lines.append(f"  Strict X.509 verifier: {analysis.strict}")
        lines += [f"  INCONSISTENT {text}" for text in record_inconsistencies(rec)]
        lines.append("")
    lines += [f"Unknown element: {u.where} tag {u.tag} at offset {u.offset} ({len(u.value)} bytes)"
              for u in tl.unknown_tags]
    lines += [f"Warning: {w}" for w in tl.warnings]
    if tl.error:
        lines.append(f"DAMAGED at {tl.error}; the records above were decoded before it")
    return "\n".join(lines) + "\n"


def _analysis(tl, rec, when: datetime, label: str):
    """The analysis of a record's certificate (None without one), its issuer looked
    for among the list's certificates."""
    from cmedebug.certs import CTL_ROLES, analyze_certificate

    if rec.cert is None:
        return None
    issuers = [r.cert for r in tl.records if r.cert is not None]
    return analyze_certificate(rec.cert, at=when, issuers=issuers, role=CTL_ROLES.get(rec.role_name), at_label=label)


def _trust_list_json(path: str, tl, verdict, when: datetime, label: str) -> dict:
    from cmedebug.certs import cert_fields
    from cmedebug.parsers.trustlist import record_inconsistencies

    h = tl.header
    records = []
    for rec in tl.records:
        cert = rec.cert
        entry = {"index": rec.index, "offset": rec.offset, "length": rec.length, "role": rec.role,
                 "role_name": rec.role_name, "subject": rec.subject, "issuer": rec.issuer, "serial": rec.serial,
                 "ip_address": rec.ip_address, "dns_name": rec.dns_name, "cert_error": rec.cert_error,
                 "inconsistencies": record_inconsistencies(rec)}
        entry["certificate"] = cert_fields(cert) if cert is not None else None
        analysis = _analysis(tl, rec, when, label)
        entry["problems"] = [p.to_dict() for p in analysis.problems] if analysis else []
        entry["strict_verifier"] = analysis.strict if analysis else None
        records.append(entry)
    return {"path": path, "kind": tl.kind, "filename": h.filename, "version": h.version_text,
            "header_length": h.header_length, "signer_name": h.signer_name, "signer_serial": h.signer_serial,
            "signer_issuer": h.issuer_name, "hash_alg": h.hash_name, "timestamp": h.timestamp,
            "verdict": verdict.status, "verdict_reason": verdict.reason, "checked_at": when,
            "records": records, "error": str(tl.error) if tl.error else None, "warnings": tl.warnings,
            "unknown_tags": [{"where": u.where, "offset": u.offset, "tag": u.tag, "value": u.value}
                             for u in tl.unknown_tags]}


@ctl.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--trusted", type=click.Path(dir_okay=False),
              help="The trust list the phone already holds: FILE must be signed by one of its SAST records.")
def ctl_verify(file, trusted):
    """Check FILE's signature: with its own SAST record, or as an update of --trusted.

    Exit 0 when valid, 1 when not (invalid, signer not found, unsupported
    algorithm, damaged), 2 when a file cannot be read.

    \b
    Examples:
      cmedebug ctl verify CTLFile.tlv
      cmedebug ctl verify --trusted phone-had/CTLFile.tlv new/CTLFile.tlv
    """
    from cmedebug.parsers.trustlist import verify_trust_list

    tl = _decode_trust_list(file)
    anchor = _decode_trust_list(trusted) if trusted else None
    verdict = verify_trust_list(tl, trusted=anchor)
    click.echo(f"{file}: {verdict.status}: {verdict.reason}")
    sys.exit(EXIT_OK if verdict.ok else EXIT_FAILED)


@click.group("config")
def config():
    """Read phone configuration files (SEP<mac>.cnf.xml and .cnf.xml.sgn)."""


@config.command("show")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--ctl", "ctl_file", type=click.Path(dir_okay=False),
              help="Verify a signed file against this CTL/ITL (the signer must be its TFTP or CCM+TFTP record).")
@_FORMAT
def config_show(file, ctl_file, fmt):
    """Print the security settings of FILE with their meanings, and for a signed file
    its signer and, with --ctl, whether the phone would accept the signature.
    The CAPF authentication string is never printed, only whether one is present.

    \b
    Examples:
      cmedebug config show SEP000E325C9A43.cnf.xml
      cmedebug config show --ctl CTLSEP000E325C9A43.tlv SEP000E325C9A43.cnf.xml.sgn
    """
    from cmedebug.parsers.phone_config import ConfigError, looks_like_phone_config, mac_from_name, read_phone_config
    from cmedebug.parsers.signed_file import decode_signed_file, verify_signed_file
    from cmedebug.parsers.tlv import header_end

    data = _read(file)
    result: dict = {"path": file, "mac": mac_from_name(file), "signed": header_end(data[:10]) is not None}
    xml = data
    status = EXIT_OK
    if result["signed"]:
        sf = decode_signed_file(data)
        h = sf.header
        result.update(filename=h.filename, signer_name=h.signer_name, signer_serial=h.signer_serial,
                      signer_issuer=h.issuer_name, signed_at=h.timestamp, hash_alg=h.hash_name,
                      error=str(sf.error) if sf.error else None)
        result["mac"] = mac_from_name(h.filename) or result["mac"]
        result["encrypted"] = bool(h.encryption)
        if ctl_file:
            verdict = verify_signed_file(sf, _decode_trust_list(ctl_file))
            result.update(verdict=verdict.status, verdict_reason=verdict.reason)
            status = EXIT_OK if verdict.ok else EXIT_FAILED
        if sf.error:
            status = EXIT_FAILED
        xml = sf.content
    elif ctl_file:
        result.update(verdict="unsigned", verdict_reason="the file carries no signature to check")
    if result.get("encrypted"):
        result["config"] = None  # AES ciphertext: only the phone's private key opens it
    elif not looks_like_phone_config(xml[:4096]):
        _fail(f"{file} holds no phone configuration (no <device> XML)" if not result.get("error")
              else f"{file}: signed file damaged at {result['error']}")
    else:
        try:
            result["config"] = read_phone_config(xml).fields()
        except ConfigError as exc:
            _fail(f"{file}: {exc}")
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, default=_json))
    else:
        click.echo(_config_text(result), nl=False)
    sys.exit(status)


def _config_text(r: dict) -> str:
    c = r["config"]
    lines = [f"{r['path']}: phone configuration{' for SEP' + r['mac'] if r['mac'] else ''}, "
             f"{'signed' if r['signed'] else 'not signed'}"]
    if r["signed"]:
        lines += [f"  Signer:               {r['signer_name'] or '-'}",
                  f"  Signer serial:        {r['signer_serial'] or '-'}",
                  f"  Signed at:            {_when(r['signed_at'])} ({(r['hash_alg'] or '-').upper()})"]
    if "verdict" in r:
        lines.append(f"  Verdict:              {r['verdict']} ({r['verdict_reason']})")
    if c is None:
        lines.append("  Encrypted payload:    not readable without the phone's private key (.enc.sgn)")
        return "\n".join(lines) + "\n"
    capf = ", ".join(f"{s['host']}:{s['port']}" for s in c["capf_servers"]) or "-"
    managers = ", ".join(f"{m['host']} {m['ports']}" for m in c["call_managers"]) or "-"
    tvs = ", ".join(f"{t['address']}:{t['port']}" for t in c["tvs_servers"]) or "-"
    load = (c["load_information"] or "-") + (f" ({c['load_model']})" if c["load_model"] else "")
    lines += [
        f"  Protocol:             {c['device_protocol'] or '-'}",
        f"  deviceSecurityMode:   {_coded(c['device_security_mode'], c['device_security_mode_name'])}",
        f"  transportLayerProtocol: {_coded(c['transport'], c['transport_name'])}",
        f"  capfAuthMode:         {_coded(c['capf_auth_mode'], c['capf_auth_mode_name'])}",
        f"  CAPF servers:         {capf}",
        f"  Auth string present:  {'yes' if c['auth_string_present'] else 'no'}",
        f"  certHash:             {c['cert_hash'] or '-'}",
        f"  Encrypted config:     {_flag(c['encr_config'])}",
        f"  Call managers:        {managers}",
        f"  TVS servers:          {tvs}",
        f"  Load:                 {load}",
        f"  Secure URLs:          {', '.join(c['secure_urls']) or '-'}",
    ]
    return "\n".join(lines) + "\n"


def _coded(code, name) -> str:
    return "-" if code is None else f"{code} ({name})"


def _flag(value) -> str:
    return "-" if value is None else ("yes" if value else "no")
