"""Cross-checks between trust artifacts and the router's PKI, added to a Case as
facts once every input is loaded (rules judge them; nothing here judges).

* ``crosscheck.cme_record``: the CME (secure-signaling) certificate vs the CTL's
  CCM / CCM+TFTP records.
* ``crosscheck.config_signer``: the signer of each ``.sgn`` config (and the
  ``tftp-server-credentials`` certificate) vs the CTL's TFTP / CCM+TFTP records.
* ``crosscheck.capf_record``: the CAPF trustpoint certificate vs the CTL's CAPF records.
* ``crosscheck.ctl_age``: the CTL timestamp vs the start date of each trustpoint
  certificate (a CTL older than a re-enrollment was not regenerated).
* ``crosscheck.sast_continuity``: a newer CTL's signer vs the SAST records of the
  CTL before it (a phone accepts an update only from a SAST it already trusts).
* ``cert_analysis``: every problem of every certificate in the case.

Each device of the deployment (cmedebug.deployment) is checked on its own
evidence: which trustpoint a function uses, the certificate a trustpoint holds
and the trust lists are read from the device view, the same answers the rules
get.
"""
from __future__ import annotations

from datetime import datetime, timezone

from cryptography import x509

from cmedebug import deployment
from cmedebug.cert_index import IssuerIndex
from cmedebug.certs import CTL_ROLES, analyze_certificate, date_problems
from cmedebug.deployment.ctl import CtlView, load_certificate, newest
from cmedebug.deployment.views import CTL_RECORD_ROLES, Trustpoint
from cmedebug.model import Case, Fact
from cmedebug.parsers.grammar import public_key_of
from cmedebug.parsers.tlv import HASH_NAMES, verify_digest

CCM_ROLES = CTL_RECORD_ROLES["cme"]
TFTP_ROLES = CTL_RECORD_ROLES["tftp"]


def add_crosschecks(case: Case, now: datetime | None = None) -> None:
    """Append the cross-check and certificate-analysis facts of each device to
    its case and to ``case``."""
    for device in deployment.of(case).devices:
        new = _device_checks(device, now)
        device.case.facts.extend(new)
        if device.case is not case:
            case.facts.extend(new)


def _device_checks(device, now: datetime | None) -> list[Fact]:
    lists = device.trust_lists
    current = lists.current
    new: list[Fact] = []
    if current is not None:
        new += _record_check(current, device, "secure-signaling", CCM_ROLES, "crosscheck.cme_record")
        new += _record_check(current, device, "capf", CTL_RECORD_ROLES["capf"], "crosscheck.capf_record")
        new += _ctl_age(current, device)
    config_anchor = current or newest(lists.itl)  # CUCM phones check configs with the ITL too
    if config_anchor is not None:
        new += _config_signers(device, config_anchor)
    new += _sast_continuity(lists.ctl)
    new += _cert_analyses(device.case, now)
    return new


def _fact(kind: str, anchor: Fact, raw: list[str], **fields) -> Fact:
    return Fact(kind=kind, source=anchor.source, device=anchor.device, fields=fields, raw=tuple(raw))


def _ctl_fields(ctl: CtlView) -> dict:
    return {"ctl_path": ctl.path, "ctl_filename": ctl.file.fields.get("filename"),
            "ctl_timestamp": ctl.file.fields.get("timestamp")}


# -- the checks ---------------------------------------------------------------------

def same_certificate(record: Fact, tp: Trustpoint) -> list[str]:
    """How a CTL record and a trustpoint certificate with the same serial differ
    (empty: no difference the evidence shows). A rebuilt CA numbers its
    certificates from 1 again, so equal serials alone do not prove the same one."""
    differences = []
    mine, theirs = record.fields.get("fingerprint_sha1"), tp.certificate_evidence.fields.get("fingerprint_sha1")
    if mine and theirs and mine != theirs:
        differences.append(f"SHA-1 fingerprint {theirs} vs {mine} in the CTL")
    start = record.fields.get("not_before")
    if start and tp.not_before and abs((start - tp.not_before).total_seconds()) >= 1:
        differences.append(f"start date {tp.not_before:%Y-%m-%d %H:%M:%S %Z} vs "
                           f"{start:%Y-%m-%d %H:%M:%S %Z} in the CTL")
    return differences


def _compare(ctl: CtlView, tp: Trustpoint, roles: tuple[str, ...]) -> tuple[bool, list[str]]:
    """(the trustpoint certificate is one of the ``roles`` records, the differences
    of the records that only share its serial)."""
    records = [r for r in ctl.records if r.fields.get("role_name") in roles and r.fields.get("serial") == tp.serial]
    differences = [same_certificate(r, tp) for r in records]
    return any(not d for d in differences), [text for d in differences for text in d]


def _record_check(ctl: CtlView, device, function: str, roles: tuple[str, ...], kind: str):
    tp = device.trustpoint_certificate(function)
    if tp is None:
        return []
    label = tp.name
    ctl_serials = ctl.serials(roles)
    match, differences = _compare(ctl, tp, roles)
    line = (f"{function} trustpoint {label} certificate SN {tp.serial} "
            f"{'is' if match else 'is NOT'} a {'/'.join(roles)} record of {ctl.path} "
            f"({', '.join(ctl_serials) or 'none'}{'; same serial, ' + '; '.join(differences) if differences else ''})")
    return [_fact(kind, ctl.file, [line, *tp.certificate_evidence.raw[:3]], trustpoint=label, presented_serial=tp.serial,
                  ctl_serials=ctl_serials, in_ctl_as=ctl.roles_of(tp.serial), match=match,
                  serial_match=tp.serial in ctl_serials, differences=differences,
                  trustpoint_source=str(tp.certificate_evidence.source), **_ctl_fields(ctl))]


def _config_signers(device, ctl: CtlView):
    out = []
    case = device.case
    label = device.functions["tftp"].value
    tp = device.trustpoint_certificate("tftp")
    tftp_serials = ctl.serials(TFTP_ROLES)
    for f in [*case.facts_of("phone.config"), *case.facts_of("sgn.file")]:
        if not f.fields.get("signed") or not f.fields.get("signer_serial"):
            continue
        serial = f.fields["signer_serial"]
        status, reason = _signature_verdict(f.fields, ctl, serial)
        f.fields.update(verdict=status, verdict_reason=f"{reason} ({ctl.path})")  # was "not-checked"
        line = (f"{f.fields.get('filename')} signed by SN {serial}: {status} against {ctl.path} "
                f"(TFTP-capable records: {', '.join(tftp_serials) or 'none'})")
        out.append(_fact("crosscheck.config_signer", f, [line], signer_source="sgn", mac=f.fields.get("mac"),
                         filename=f.fields.get("filename"), signer_serial=serial, ctl_tftp_serials=tftp_serials,
                         in_ctl_as=ctl.roles_of(serial), match=status == "valid",
                         serial_match=serial in tftp_serials, differences=[], verdict=status,
                         verdict_reason=reason, tftp_trustpoint=label,
                         tftp_trustpoint_serial=tp.serial if tp else None,
                         trustpoint_match=(serial == tp.serial) if tp and tp.serial else None, **_ctl_fields(ctl)))
    if tp is not None and tp.serial:
        match, differences = _compare(ctl, tp, TFTP_ROLES)
        line = (f"tftp-server-credentials trustpoint {label} certificate SN {tp.serial} "
                f"{'is' if match else 'is NOT'} a TFTP/CCM+TFTP record of {ctl.path}"
                f"{' (same serial, ' + '; '.join(differences) + ')' if differences else ''}")
        out.append(_fact("crosscheck.config_signer", ctl.file, [line, *tp.certificate_evidence.raw[:3]], signer_source="trustpoint",
                         mac=None, filename=None, signer_serial=tp.serial, ctl_tftp_serials=tftp_serials,
                         in_ctl_as=ctl.roles_of(tp.serial), match=match, serial_match=tp.serial in tftp_serials,
                         differences=differences, verdict=None, verdict_reason=None,
                         tftp_trustpoint=label, tftp_trustpoint_serial=tp.serial, trustpoint_match=True,
                         **_ctl_fields(ctl)))
    return out


def _signature_verdict(fields: dict, ctl: CtlView, serial: str) -> tuple[str, str]:
    """Verify a signed file's recorded digest with the key of the CTL record it names."""
    roles = ctl.roles_of(serial)
    if not any(r in TFTP_ROLES for r in roles):
        where = f"only as {', '.join(roles)}" if roles else "nowhere"
        return "signer-not-found", f"signer SN {serial} appears in the CTL {where}; a TFTP or CCM+TFTP record is needed"
    return _verify_recorded(fields, ctl.certificate(serial, TFTP_ROLES), serial)


def _verify_recorded(fields: dict, cert: x509.Certificate | None, serial: str) -> tuple[str, str]:
    hash_name = fields.get("hash_alg")
    if hash_name not in HASH_NAMES.values():
        return "unsupported-algorithm", f"hash algorithm {hash_name}"
    if cert is None or not fields.get("signature") or not fields.get("signed_digest"):
        return "damaged", "the signature or the signer's certificate is not available"
    key = public_key_of(cert)
    if key is None:
        return "damaged", f"the certificate of SN {serial} holds no usable key"
    if verify_digest(key, fields["signature"], fields["signed_digest"], hash_name):
        return "valid", f"signature verified with the key of SN {serial}"
    return "invalid", f"the signature does not verify with the key of SN {serial}"


def _ctl_age(ctl: CtlView, device):
    stamp = ctl.file.fields.get("timestamp")
    if stamp is None:
        return []
    labels = {function: label.value for function, label in device.functions.items() if label.value}
    wanted = set(labels.values()) or {name for name, tp in device.trustpoints.items() if tp.serial}
    out = []
    for label in sorted(wanted):
        tp = device.trustpoints.get(label)
        if tp is None or tp.not_before is None:
            continue
        older = stamp < tp.not_before
        line = (f"{ctl.path} built {stamp:%Y-%m-%d %H:%M:%S} UTC {'before' if older else 'after'} trustpoint "
                f"{label} certificate SN {tp.serial} started ({tp.not_before:%Y-%m-%d %H:%M:%S %Z})")
        out.append(_fact("crosscheck.ctl_age", ctl.file, [line, *tp.certificate_evidence.raw[:3]], trustpoint=label, serial=tp.serial,
                         not_before=tp.not_before, ctl_older=older, in_ctl=tp.serial in ctl.serials(),
                         functions=sorted(f for f, lbl in labels.items() if lbl == label), **_ctl_fields(ctl)))
    return out


def _sast_continuity(ctls: list[CtlView]):
    out = []
    for previous, new in zip(ctls, ctls[1:]):
        if previous.file.fields.get("signed_digest") == new.file.fields.get("signed_digest"):
            continue  # the same list twice
        signer = new.file.fields.get("signer_serial")
        old_sasts = previous.serials(("SAST",))
        status, reason = ("signer-not-found", f"signer SN {signer} is not a SAST of the previous CTL")
        if signer in old_sasts:
            status, reason = _verify_recorded(new.file.fields, previous.certificate(signer, ("SAST",)), signer)
        line = (f"{new.path} signed by SN {signer}; SASTs of the previous CTL {previous.path}: "
                f"{', '.join(old_sasts) or 'none'} -> {status}")
        out.append(_fact("crosscheck.sast_continuity", new.file, [line], previous_path=previous.path,
                         previous_timestamp=previous.file.fields.get("timestamp"), previous_sast_serials=old_sasts,
                         new_path=new.path, new_timestamp=new.file.fields.get("timestamp"),
                         new_sast_serials=new.serials(("SAST",)), signer_serial=signer,
                         signer_in_previous=signer in old_sasts,
                         kept_sast_serials=[s for s in new.serials(("SAST",)) if s in old_sasts],
                         verdict=status, verdict_reason=reason))
    return out


def _cert_analyses(case: Case, now: datetime | None):
    # today's date, never the second: two runs of the same input must agree
    at = case.reference_time or now or datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    at_source = "reference time" if case.reference_time else "analysis date"
    clocks = {name: c.believed_time for name, c in case.clocks.items() if getattr(c, "believed_time", None)}
    cert_facts = list(case.facts_of("cert"))
    loaded = [(f, load_certificate(f)) for f in cert_facts]
    issuers = IssuerIndex(c for _, c in loaded if c is not None)  # one index: each signature checked once
    out = []
    for fact, cert in loaded:
        role = CTL_ROLES.get(fact.fields.get("ctl_role")) or ("ca" if fact.fields.get("role") == "ca" else None)
        if cert is not None:
            result = analyze_certificate(cert, at=at, device_clocks=clocks, issuers=issuers, role=role,
                                         at_label=at_source)
            problems, self_signed, issuer_serial = result.problems, result.self_signed, result.issuer_serial
            strict = result.strict
        else:
            problems, self_signed, issuer_serial = _dates_only(fact, at, clocks, at_source), None, None
            strict = None
        out.append(_fact("cert_analysis", fact, list(fact.raw[:3]), serial=fact.fields.get("serial"),
                         subject=fact.fields.get("subject"), issuer=fact.fields.get("issuer"),
                         origin=fact.fields.get("origin") or "show", role=role,
                         trustpoints=fact.fields.get("trustpoints") or [], checked_at=at, checked_at_source=at_source,
                         full=cert is not None, problems=[p.to_dict() for p in problems],
                         problem_codes=[p.code for p in problems], self_signed=self_signed,
                         issuer_serial=issuer_serial, strict_verifier=strict))
    return out


def _dates_only(fact: Fact, at: datetime, clocks: dict[str, datetime], at_label: str):
    start, end = fact.fields.get("not_before"), fact.fields.get("not_after")
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return []
    return date_problems(start, end, at, clocks, at_label)
