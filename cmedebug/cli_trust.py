"""`cmedebug ctl show|verify` and `cmedebug config show`: thin commands over the
trust-list, signed-file and phone-config decoders (``cmedebug.trust_files``) and
their renderings (``reports/trust.py``).

Exit codes as for `cmedebug analyze`: 0 good, 1 the file decodes but fails its
check (signature, signer, damage), 2 the file could not be read or is not of
this kind.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from cmedebug.safe_output import neutralise

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
    click.echo(neutralise(f"cmedebug: {message}"), err=True)
    sys.exit(EXIT_INPUT)


_AT = click.option("--at", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
                   help="Check certificate validity at this UTC time (default: now).")
_FORMAT = click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                       show_default=True)


@click.group()
def ctl():
    """Read and verify CTL/ITL trust lists (CTLFile.tlv, CTLSEP<mac>.tlv, ITLFile.tlv)."""


def _decode_trust_list(path: str):
    from cmedebug.trust_files import NotThisKind, read_trust_list

    data = _read(path)
    try:
        return read_trust_list(path, data)
    except NotThisKind as exc:
        _fail(str(exc))


@ctl.command("show")
@click.argument("file", type=click.Path(dir_okay=False))
@_AT
@_FORMAT
def ctl_show(file, at, fmt):
    """Print FILE like Cisco's `show ctl`: header, signature verdict, and each record
    with role, subject, issuer, serial, validity, SHA-1 fingerprint and IP address,
    plus the problems of each certificate. Exits 1 when the signature does not
    verify, the signer is not among its records, or the file is damaged.

    \b
    Examples:
      cmedebug ctl show CTLSEP000E325C9A43.tlv
      cmedebug ctl show --at 2026-01-15 --format json CTLFile.tlv
    """
    from cmedebug.parsers.trustlist import verify_trust_list
    from cmedebug.reports.trust import to_json, trust_list_text
    from cmedebug.trust_files import trust_list_view

    tl = _decode_trust_list(file)
    when = at.replace(tzinfo=timezone.utc) if at else datetime.now(timezone.utc)
    verdict = verify_trust_list(tl)
    view = trust_list_view(file, tl, verdict, when, "the --at time" if at else "now")
    click.echo(to_json(view) if fmt == "json" else neutralise(trust_list_text(view)), nl=fmt == "json")
    sys.exit(EXIT_FAILED if tl.error or not verdict.ok else EXIT_OK)


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
    click.echo(neutralise(f"{file}: {verdict.status}: {verdict.reason}"))
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
    from cmedebug.reports.trust import config_text, to_json
    from cmedebug.trust_files import NotThisKind, config_view

    data = _read(file)
    ctl_list = _decode_trust_list(ctl_file) if ctl_file else None
    try:
        view, passed = config_view(file, data, ctl_list)
    except NotThisKind as exc:
        _fail(str(exc))
    click.echo(to_json(view) if fmt == "json" else neutralise(config_text(view)), nl=fmt == "json")
    sys.exit(EXIT_OK if passed else EXIT_FAILED)
