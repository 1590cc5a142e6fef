"""Fit a finding's remediation steps to the evidence: fill the slots from the
finding's data and from the case (CME's address, the CA's name, the SAST
trustpoints, ...), and drop the steps the evidence shows do not apply (CME-only
steps on a router with no sign of telephony-service)."""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence
from urllib.parse import urlsplit

from cmedebug.deployment.views import functions
from cmedebug.ios_commands import enters
from cmedebug.parsers.pki import TRUSTPOINT_FAILURES
from cmedebug.remediation import NOT_TYPED, ROUTER, Step, fill, fill_text
from cmedebug.remediation_config import (unkeyed_slots, without_configured_settings,
                                           without_regenerate_of_no_ctl_client)

# slot -> the finding data keys that fill it, first found wins
_DATA_SLOTS = {
    "trustpoint": ("trustpoints", "trustpoint"),
    "ca": ("ca",),
    "mac": ("macs", "mac"),
    "ephone": ("ephones", "ephone"),
    "request_id": ("request_ids", "request_id"),
    "ip": ("peer_ip",),
    "hostname": ("hostname", "device"),
    "url": ("url",),
    "mic_root": ("mic_root",),
    "ca_device": ("ca_device",),
    "ca_valid_from": ("ca_valid_from",),
    "label": ("label",),
    "ca_serial_file": ("ca_serial_file",),
    "ca_crl_file": ("ca_crl_file",),
    "phone_security_mode": ("phone_security_mode",),
    "surviving_sast": ("surviving_sast",),
    "replaced_sast": ("replaced_sast",),
    "lost_sasts": ("lost_sasts",),
}
# The modes (and so the steps) that exist only on a CME router.
CME_MODES = ("config-telephony", "config-ctl-client", "config-capf-server", "config-ephone", "config-credentials")
# Show commands of CME's own services, meaningless on a router without CME.
CME_SHOWS = ("show ctl-client", "show capf-server", "show telephony-service", "show ephone")
# Evidence that the router runs CME (configuration, show output or debug lines of its services): kinds
# and kind families (`capf` is every capf.* kind). Not `sccp` (DSP farms speak SCCP without CME) nor
# `ctl` (CUCM writes CTL files too).
CME_EVIDENCE = ("config.telephony_service", "telephony.security_info", "ephone", "capf", "ctl_client",
                "config.ephone", "config.ctl_client", "config.capf_server")


def data_slots(data: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for slot, keys in _DATA_SLOTS.items():
        value = next((data[k] for k in keys if data.get(k) not in (None, "", [])), None)
        if value is not None:
            out[slot] = value
    return out


def _first(case, kind: str, name: str):
    return next((f.fields[name] for f in case.facts_of(kind) if f.fields.get(name)), None)


def case_slots(case) -> dict[str, object]:
    """Slot values the case itself gives, whatever the finding (read once a case)."""
    return case.derived("remediation slots", _case_slots)


def _case_slots(case) -> dict[str, object]:
    values: dict[str, object] = {
        "cme_ip": _first(case, "config.telephony_service", "ip_source_address"),
        "ca": _first(case, "config.pki_server", "name") or _first(case, "pki.server", "name"),
        "hostname": _first(case, "config.global", "hostname"),
        "cme_trustpoint": _first(case, "config.telephony_service", "secure_signaling_trustpoint")
        or _first(case, "telephony.security_info", "secure_signaling_trustpoint"),
        "tftp_trustpoint": _first(case, "config.telephony_service", "tftp_server_credentials_trustpoint")
        or _first(case, "telephony.security_info", "tftp_server_credentials_trustpoint"),
        "capf_trustpoint": _first(case, "config.capf_server", "trustpoint_label")
        or _first(case, "capf.summary", "trustpoint_label"),
    }
    values["ca_device"] = ca_device(case)
    values.update(sast_names(case))
    values["sast_key"] = sast_keys(case, values)
    values.update(ca_settings(case))
    # a function left without its trustpoint: the one the CTL client names for it, else the other function's
    servers = {(s.get("role") or "").lower(): s.get("trustpoint") for f in case.facts_of("config.ctl_client")
               for s in f.fields.get("servers") or []}
    values["cme_trustpoint"] = values.get("cme_trustpoint") or servers.get("cme") or values.get("tftp_trustpoint")
    values["tftp_trustpoint"] = values.get("tftp_trustpoint") or servers.get("tftp") or values.get("cme_trustpoint")
    ntp = [s for f in case.facts_of("config.global") for s in f.fields.get("ntp_servers") or []]
    if ntp:
        values["ntp_ip"] = ntp[0]
    # the CA's address: this router's own when it runs the CA, else the trustpoints' enrollment URL
    urls = [f.fields["enrollment_url"] for f in case.facts_of("config.trustpoint") if f.fields.get("enrollment_url")]
    local_ca = values["cme_ip"] if values.get("cme_ip") and case.has("config.pki_server") else None
    values["ca_ip"] = local_ca or (urlsplit(urls[0]).hostname if urls else None)
    values["ca_url"] = f"http://{local_ca}:80" if local_ca else (urls[0] if urls else None)
    values["ra"] = _first(case, "config.capf_server", "cert_enroll_trustpoint")
    names = {f.fields.get("name") for f in case.facts_of("config.trustpoint", "pki.trustpoint")}
    values["new_sast"] = next(n for n in ("sast2", "cme-sast2", "sast2-new", "sast2-b") if n not in names)
    enrolled = [f.fields.get("name") for f in case.facts_of("config.trustpoint") if f.fields.get("enrollment_url")]
    issued = [tp for tp in dict.fromkeys([*functional_trustpoints(case), *enrolled]) if tp and tp != values.get("ca")]
    if issued:
        values["issued_trustpoint"] = issued
        uncertified = uncertified_trustpoints(issued, case)
        if uncertified is not None:
            values["uncertified_trustpoint"] = uncertified
    values["phone_type"] = _first(case, "config.ephone", "type")
    secure = [f.fields["ephone"] for f in case.facts_of("config.ephone") if f.fields.get("ephone") is not None]
    if secure:
        values["secure_ephone"] = secure
    return {k: v for k, v in values.items() if v not in (None, "")}


def sast_keys(case, values: Mapping[str, object]) -> list[str] | None:
    """The key labels of the SAST trustpoints (their `rsakeypair`), to back them up, less those
    the evidence shows non-exportable (IOS refuses their export); none on a router with no sign
    of CME (no SAST there); None (to fill) when the labels are not shown."""
    if not cme_in_evidence(case):
        return []
    names = list(dict.fromkeys(values[s] for s in ("sast1", "sast2") if values.get(s)))
    labels = {f.fields.get("name"): f.fields.get("rsakeypair") for f in case.facts_of("config.trustpoint")}
    keys = [labels.get(n) for n in names]
    if not (keys and all(keys)):
        return None
    refused = {name for names_of_key, _, _ in shown_non_exportable(case) for name in names_of_key}
    return list(dict.fromkeys(key for name, key in zip(names, keys)
                              if name.lower() not in refused and key.lower() not in refused))


def shown_non_exportable(case):
    """(the names a key goes by, lower case; the evidence item; what it shows) for every key
    `show crypto pki trustpoints status` or `show crypto key mypubkey rsa` shows non-exportable."""
    for tp in case.facts_of("pki.trustpoint"):
        if tp.fields.get("exportable") is False:
            names = {tp.fields.get("name"), tp.fields.get("key_label")} - {None}
            yield {n.lower() for n in names}, tp, "the trustpoint's keys: non-exportable"
    for key in case.facts_of("platform.key"):
        if key.fields.get("exportable") is False and key.fields.get("label"):
            yield {key.fields["label"].lower()}, key, "Key is not exportable."


def uncertified_trustpoints(trustpoints: list[str], case) -> list[str] | None:
    """Those of ``trustpoints`` that hold no certificate of their own by the evidence
    (`show crypto pki certificates`, `show crypto pki trustpoints status`), or whose
    `crypto pki authenticate|enroll` failed in it; None when it shows neither."""
    certified = {tp for f in case.facts_of("cert") if not (f.fields.get("role") == "ca" or f.fields.get("is_ca"))
                 for tp in f.fields.get("trustpoints") or []}
    enrolled = {f.fields.get("name"): f.fields.get("enrolled") for f in case.facts_of("pki.trustpoint")
                if f.fields.get("enrolled") is not None}
    failed = {e.fields.get("trustpoint") for e in case.events_of(*TRUSTPOINT_FAILURES)} - {None}
    if not (certified or enrolled or failed):
        return None
    shown = bool(certified or enrolled)
    return [tp for tp in trustpoints
            if tp in failed or (shown and tp not in certified and enrolled.get(tp) is not True)]


def ca_device(case) -> str | None:
    """The device running the certificate server: 'router' (this one) when the
    configuration holds `crypto pki server`, else the device whose `show crypto pki
    server` the evidence holds (a CA on another router), else unknown."""
    if case.has("config.pki_server"):
        return ROUTER
    return next((f.device for f in case.facts_of("pki.server") if f.device), None)


def functional_trustpoints(case) -> list[str]:
    """The trustpoints CME's functions use (secure-signaling, TFTP, CAPF, SAST1, SAST2), in that order."""
    return list(dict.fromkeys(v.value for v in functions(case).values() if v.value))


def ca_settings(case) -> dict[str, object]:
    """The certificate server's settings, to restore them after a rebuild. From its
    configuration, a setting left at its default is known-absent (an empty list:
    the step drops); from `show crypto pki server` only some are shown."""
    config = next(iter(case.facts_of("config.pki_server")), None)
    if config is not None:
        f = config.fields
        return {"ca_db_level": f.get("database_level") or [], "ca_db_url": f.get("database_url") or [],
                "ca_cert_days": f.get("lifetime_certificate") or [],
                "ca_days": f.get("lifetime_ca_certificate") or [], "ca_grant": "auto" if f.get("grant_auto") else []}
    shown = next(iter(case.facts_of("pki.server")), None)
    if shown is None:
        return {}
    f = shown.fields
    return {"ca_db_level": (f.get("database_level") or "").lower() or None, "ca_db_url": f.get("database_url"),
            "ca_cert_days": [], "ca_days": [],
            "ca_grant": "auto" if (f.get("grant_mode") or "").lower() == "auto" else []}


def sast_names(case) -> dict[str, str]:
    out = {}
    for slot in ("sast1", "sast2"):
        name = _first(case, "config.ctl_client", f"{slot}_trustpoint") or \
            _first(case, "ctl_client.summary", f"{slot}_trustpoint")
        if name:
            out[slot] = name
    return out


def sast_trustpoints(case) -> list[str]:
    """Every trustpoint known to hold a SAST credential: those ``sast_names`` gives, and those
    `debug ctl-client` built a SAST record for (`create_ctl_record: Function 0 Trustpoint <tp>`),
    whose output does not say which one is SAST1 (messages.md)."""
    built = [e.fields.get("trustpoint") for e in case.events_of("ctl_client.record_requested")
             if e.fields.get("function") == 0]
    return [tp for tp in dict.fromkeys([*sast_names(case).values(), *built]) if tp]


def sast_survivors(case) -> dict[str, object]:
    """{surviving_sast} (an original SAST the phones still trust: it signs again),
    {replaced_sast} (the other one) and {lost_sasts} (filled only when no original
    survives: the phones must erase their CTL). A SAST is replaced when its
    certificate's serial is not among the previous CTL's SAST records, or when its
    key was generated again before the latest CTL build; nothing is said without
    that evidence (the slots stay to fill)."""
    sasts = sast_names(case)
    if len(sasts) != 2:
        return {}
    replaced = _replaced_by_serial(case, set(sasts.values()))
    if replaced is None:
        replaced = _replaced_by_key(case, set(sasts.values()))
    if replaced is None:
        return {}
    survivors = [n for n in (sasts["sast2"], sasts["sast1"]) if n not in replaced]
    if not survivors:
        return {"surviving_sast": [], "replaced_sast": [], "lost_sasts": " and ".join(sorted(replaced))}
    survivor = survivors[0]
    return {"surviving_sast": survivor, "lost_sasts": [],
            "replaced_sast": next(n for n in sasts.values() if n != survivor)}


def _replaced_by_serial(case, names: set[str]) -> set[str] | None:
    """The SASTs whose certificate is not in the previous CTL (two CTL files given)."""
    previous = {s for f in case.facts_of("crosscheck.sast_continuity") for s in f.fields.get("previous_sast_serials") or []}
    serials = {tp: f.fields["serial"] for f in case.facts_of("cert") if f.fields.get("serial")
               for tp in f.fields.get("trustpoints") or [] if tp in names}
    if not previous or set(serials) != names:
        return None
    return {tp for tp, serial in serials.items() if serial not in previous}


def _replaced_by_key(case, names: set[str]) -> set[str] | None:
    """The SASTs whose key pair was generated (KEY_ADDITION) before the latest CTL
    build, in the same capture; None without a build after a key event."""
    labels = {f.fields.get("rsakeypair") or f.fields.get("name"): f.fields.get("name")
              for f in case.facts_of("config.trustpoint") if f.fields.get("name") in names}
    labels.update({n: n for n in names if n not in labels.values()})
    builds = list(case.events_of("ctl_client.created"))
    if not builds:
        return None
    last = builds[-1]
    keyed = {labels[k.fields["label"]] for k in case.events_of("crypto.key.added")
             if k.fields.get("label") in labels and k.source.path == last.source.path
             and k.source.first_line < last.source.first_line}
    return keyed or None


ROTATION_SLOTS = ("spare_sast", "signing_sast")
_RENEWED_SLOTS = ("trustpoint", "issued_trustpoint", "uncertified_trustpoint")


def renewal_slots(values: Mapping[str, object], used: set[str], case, later: bool = False) -> dict[str, object]:
    """Split the trustpoints to renew: a SAST whose certificate the phones may hold
    is never renewed with the others (a phone accepts a new CTL only when signed by
    a SAST credential it already trusts), so {trustpoint} / {issued_trustpoint}
    keep the others and {spare_sast} / {signing_sast} name the SASTs for the
    staggered rotation. The rotation drops (empty slots) when no certified SAST is
    among them (a first enrollment), or when the trustpoints are not known.
    ``later``: the steps set up renewals to come (`auto-enroll`), when the phones
    will trust every SAST, certified now or not."""
    sasts, every_sast = sast_names(case), set(sast_trustpoints(case))
    shown = {tp for f in case.facts_of("cert") for tp in f.fields.get("trustpoints") or []}
    # without certificate evidence, assume the phones trust both SASTs (the safe side)
    # ... unless `show crypto pki trustpoints status` shows a SAST never enrolled (nothing the phones hold)
    unenrolled = {f.fields.get("name") for f in case.facts_of("pki.trustpoint") if f.fields.get("enrolled") is False}
    certified = every_sast if later else ((shown if shown else every_sast) & every_sast) - unenrolled
    out: dict[str, object] = {"spare_sast": [], "signing_sast": []}
    touched = False
    for slot in used.intersection(_RENEWED_SLOTS):
        named = values.get(slot)
        if named is None:
            continue
        names = _names(named)
        out[slot] = [n for n in names if n not in certified]
        touched = touched or any(n in certified for n in names)
    if touched and len(sasts) == 2:
        out.update(spare_sast=sasts["sast2"], signing_sast=sasts["sast1"])
    elif touched:  # a SAST among them, but which one signs is not shown: the rotation, to fill from `show ctl-client`
        out.update(spare_sast=None, signing_sast=None)
    return out


def reapplied_signaling(values: Mapping[str, object], case) -> list[str]:
    """[the secure-signaling trustpoint] where the fix enrolls it and the evidence shows it without
    a router certificate now (so secure-signaling was applied before it had one); else []."""
    signaling = values.get("cme_trustpoint")
    enrolled = {n for slot in _RENEWED_SLOTS for n in _names(values.get(slot))}
    if not isinstance(signaling, str) or signaling not in enrolled:
        return []
    certified = {tp for f in case.facts_of("cert") if f.fields.get("role") != "ca"
                 for tp in f.fields.get("trustpoints") or []}
    uncertified = {f.fields.get("name") for f in case.facts_of("pki.trustpoint") if f.fields.get("enrolled") is False}
    return [signaling] if signaling in uncertified and signaling not in certified else []


def _names(named) -> list[str]:
    return [named] if isinstance(named, str) else list(named or ())


def ephone_of(mac, case):
    """The ephone tag configured with this MAC address (000E.325C.9A43 or 000E325C9A43)."""
    return case.derived("ephones by mac", _ephones_by_mac).get(str(mac).replace(".", "").replace(":", "").upper())


def _ephones_by_mac(case) -> dict[str, object]:
    found: dict[str, object] = {}
    for f in case.facts_of("config.ephone"):
        found.setdefault(str(f.fields.get("mac") or "").replace(".", "").upper(), f.fields.get("ephone"))
    return found


def cme_in_evidence(case) -> bool:
    """The evidence is from a router running CME (configuration, show output or debugs)."""
    return case.has(*CME_EVIDENCE)


def without_cme_steps(steps: Sequence[Step]) -> list[Step]:
    """The steps less those of CME's services (the commands entering them, and the show
    commands of CME's state)."""
    return [s for s in steps if s.mode not in CME_MODES
            and (s.mode in NOT_TYPED or enters(s.command, s.mode) not in CME_MODES)
            and not (s.mode == "exec" and s.command.startswith(CME_SHOWS))]


def _values(data: Mapping[str, object], case) -> dict[str, object]:
    values = dict(case_slots(case))
    values.update(data_slots(data))
    if "ephone" not in values and isinstance(values.get("mac"), str):
        values["ephone"] = ephone_of(values["mac"], case)
    if "trustpoint" not in values:
        named = trustpoints_of(data.get("serials") or [data.get("serial")], case)
        if named:
            values["trustpoint"] = named
    return values


def trustpoints_of(serials, case) -> list[str]:
    """The trustpoints holding the certificates with these serials (the finding's)."""
    wanted = {s for s in serials if s}
    return list(dict.fromkeys(tp for f in case.facts_of("cert") if f.fields.get("serial") in wanted
                              for tp in f.fields.get("trustpoints") or []))


def fit_text(text: str, data: Mapping[str, object], case) -> str:
    """A sentence (the verify line) with its slots filled the same way, as printed."""
    return fill_text(text, _values(data, case))


def fit(steps: Sequence[Step], data: Mapping[str, object], case) -> list[Step]:
    """The finding's steps for this case: slots filled, and CME-only steps dropped
    when the evidence shows no CME at all."""
    values = _values(data, case)
    used = {slot for step in steps for slot in step.slots}
    if used.intersection(ROTATION_SLOTS):
        values.update(renewal_slots(values, used, case, later=bool(data.get("renewal_set_up"))))
    values.update(unkeyed_slots(values, used, case))
    if "reapplied_signaling" in used:
        values["reapplied_signaling"] = reapplied_signaling(values, case)
    if used.intersection(("surviving_sast", "lost_sasts")):  # (what the finding says of them wins)
        given = data_slots(data)
        values.update({k: v for k, v in sast_survivors(case).items() if k not in given})
    chosen = list(steps) if cme_in_evidence(case) else without_cme_steps(steps)
    if never_started(case):
        chosen = [replace(s, answers=("{passphrase}", "{passphrase}"))
                  if (s.mode, s.command, s.answers) == ("cs-server", "no shutdown", ()) else s for s in chosen]
    return without_regenerate_of_no_ctl_client(without_configured_settings(fill(chosen, values), case), case)


def never_started(case) -> bool:
    """`show crypto pki server` shows a server without a CA certificate (and not enabled,
    which needs one): its first `no shutdown` asks the passphrase of D2 (ios-commands.md),
    typed twice."""
    shown = list(case.facts_of("pki.server"))
    return bool(shown) and not any(f.fields.get("fingerprint") or f.fields.get("ca_cert_expires")
                                   or str(f.fields.get("status") or "").lower() == "enabled" for f in shown)
