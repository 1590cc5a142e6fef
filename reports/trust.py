"""Trust lists and phone configuration files as text or JSON (``cmedebug ctl show``,
``cmedebug config show``), from the views of ``cmedebug.trust_files``.

The text of a trust list reads like Cisco's ``show ctl``: header, signature
verdict, then each record with role, subject, issuer, serial, validity, SHA-1
fingerprint, addresses, key and the problems of its certificate. The CAPF
authentication string of a configuration is never in a view, only whether one
is present.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone


def to_json(view: dict) -> str:
    """A view as indented JSON: dates in ISO 8601, bytes in upper hex."""
    return json.dumps(view, indent=2, default=_json_value)


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex().upper()
    return str(value)


def trust_list_text(v: dict) -> str:
    """A trust-list view (``trust_list_view``) as ``show ctl``-like text."""
    lines = [
        f"{v['path']}: {v['kind'].upper()} file {v['filename'] or '-'}, version {v['version'] or '-'}, "
        f"header length {v['header_length']}",
        f"  Signer:     {v['signer_name'] or '-'}",
        f"  Serial:     {v['signer_serial'] or '-'}   Issuer: {v['signer_issuer'] or '-'}",
        f"  Signature:  {(v['hash_alg'] or '-').upper()} with RSA {v['signature_bits'] or '?'}, "
        f"{v['signature_length']} bytes",
        f"  Timestamp:  {_when(v['timestamp'])}",
        f"  Verdict:    {v['verdict']} ({v['verdict_reason']})",
    ]
    if v["signer_version"]:
        major, minor = v["signer_version"]
        lines.insert(4, f"  Signer version: {major}.{minor}")
    lines += [f"  Records:    {v.get('records_total', len(v['records']))}", ""]
    for r in v["records"]:
        lines += _record_lines(r) + [""]
    if v.get("records_not_listed"):
        lines += [v["records_not_listed"], ""]
    lines += [f"Unknown element: {u['where']} tag {u['tag']} at offset {u['offset']} ({len(u['value'])} bytes)"
              for u in v["unknown_tags"]]
    lines += [f"Warning: {w}" for w in v["warnings"]]
    if v["error"]:
        lines.append(f"DAMAGED at {v['error']}; the records above were decoded before it")
    return "\n".join(lines) + "\n"


def _record_lines(r: dict) -> list[str]:
    cert = r["certificate"] or {}
    lines = [
        f"Record {r['index']} (offset {r['offset']}, {r['length']} bytes): {r['role_name']}",
        f"  Subject:     {r['subject'] or '-'}",
        f"  Issuer:      {r['issuer'] or '-'}",
        f"  Serial:      {r['serial'] or '-'}",
        f"  Validity:    {_when(cert.get('not_before'))} to {_when(cert.get('not_after'))}",
        f"  SHA-1:       {_colon_hex(cert.get('fingerprint_sha1'))}",
        f"  IP address:  {r['ip_address'] or '-'}",
        f"  DNS name:    {r['dns_name'] or '-'}",
        f"  Key:         {cert.get('key_type', '-')} {cert.get('key_size') or ''}".rstrip(),
    ]
    if r["certificate"] is None:
        lines.append(f"  Certificate: {r['cert_error']}")
    if r["strict_verifier"] is not None:
        lines += [f"  {p['severity'].upper():<8}     {p['message']}" for p in r["problems"]]
        lines.append(f"  Strict X.509 verifier: {r['strict_verifier']}")
    lines += [f"  INCONSISTENT {text}" for text in r["inconsistencies"]]
    return lines


def config_text(r: dict) -> str:
    """A phone-configuration view (``config_view``) with the meaning of each coded setting."""
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
    managers = ", ".join(m["host"] + (" (" + ", ".join(f"{name} {port}" for name, port in m["ports"].items()) + ")"
                                      if m["ports"] else "") for m in c["call_managers"]) or "-"
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


def _when(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def _colon_hex(text: str | None) -> str:
    return ":".join(text[i:i + 2] for i in range(0, len(text), 2)) if text else "-"


def _coded(code, name) -> str:
    return "-" if code is None else f"{code} ({name})"


def _flag(value) -> str:
    return "-" if value is None else ("yes" if value else "no")
