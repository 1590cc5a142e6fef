"""The derived parts of one device, each with the evidence it was read from.

Every value that several places used to work out for themselves (the security
mode, which trustpoint a function uses, a trustpoint's certificate, the CTL
client's servers, the CAPF auth mode) is worked out here once. Where two pieces
of evidence disagree, the answer is the configuration's (what the router is
told to do), and the other values are kept in ``conflicts`` so that a report
can say so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cmedebug.model import Case

SECURE_MODES = ("authenticated", "encrypted")
# Which CTL entries serve each CME service: `ctl-client` `server <role>` keywords
# (config and `show ctl-client`), and the role names of a CTL file's records.
CTL_CLIENT_ROLES = {"cme": ("cme", "cme-tftp"), "tftp": ("tftp", "cme-tftp"), "capf": ("capf",)}
CTL_RECORD_ROLES = {"cme": ("CCM", "CCM+TFTP"), "tftp": ("TFTP", "CCM+TFTP"), "capf": ("CAPF",)}
# function -> (fact kind, field) naming its trustpoint; configuration first, then show output
FUNCTION_SOURCES = {
    "secure-signaling": (("config.telephony_service", "secure_signaling_trustpoint"),
                         ("telephony.security_info", "secure_signaling_trustpoint")),
    "tftp": (("config.telephony_service", "tftp_server_credentials_trustpoint"),
             ("telephony.security_info", "tftp_server_credentials_trustpoint")),
    "capf": (("config.capf_server", "trustpoint_label"), ("capf.summary", "trustpoint_label")),
    "sast1": (("config.ctl_client", "sast1_trustpoint"), ("ctl_client.summary", "sast1_trustpoint")),
    "sast2": (("config.ctl_client", "sast2_trustpoint"), ("ctl_client.summary", "sast2_trustpoint")),
}
# ctl-client server role -> the function whose trustpoint it names
_SERVER_FUNCTIONS = {"cme": ("secure-signaling",), "cme-tftp": ("secure-signaling", "tftp"), "tftp": ("tftp",),
                     "capf": ("capf",)}
FUNCTION_USES = {
    "secure-signaling": "secure-signaling (TLS on 2443)",
    "tftp": "tftp-server-credentials (config signing)",
    "capf": "capf-server trustpoint-label (TLS on 3804)",
    "sast1": "ctl-client sast1",
    "sast2": "ctl-client sast2",
}


@dataclass
class Sourced:
    """A derived value and the facts or events it was read from; ``conflicts``
    holds (other value, item) pairs of evidence that said something else."""

    value: Any = None
    evidence: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)

    @property
    def item(self):
        return self.evidence[0] if self.evidence else None


def first_value(case: Case, sources, normalise=lambda v: v) -> Sourced:
    """The first non-empty value of ``(kind, field)`` sources in order, with every
    disagreeing value kept as a conflict."""
    found = Sourced()
    for kind, name in sources:
        for f in case.facts_of(kind):
            value = f.fields.get(name)
            if value in (None, ""):
                continue
            value = normalise(value)
            if found.value is None:
                found.value, found.evidence = value, [f]
            elif value != found.value:
                found.conflicts.append((value, f))
    return found


def _mode(value) -> str:
    return str(value).lower()


@dataclass
class Trustpoint:
    """A trustpoint: the functions that use it, its router (identity) certificate,
    its key and enrollment settings."""

    name: str
    uses: list[str] = field(default_factory=list)
    certificate: Any = None  # the `cert` fact of its identity certificate (newest start)
    config: Any = None  # its `config.trustpoint` fact (the last one given)
    status: Any = None  # its `pki.trustpoint` fact (`show crypto pki trustpoints`)

    @property
    def serial(self) -> str | None:
        if self.certificate is not None:
            return self.certificate.fields.get("serial")
        return self.status.fields.get("id_serial") if self.status is not None else None

    @property
    def not_before(self):
        return self.certificate.fields.get("not_before") if self.certificate is not None else None

    @property
    def not_after(self):
        return self.certificate.fields.get("not_after") if self.certificate is not None else None

    @property
    def certificate_evidence(self):
        """The fact that says which certificate the trustpoint holds."""
        return self.certificate if self.certificate is not None else self.status


def is_identity_certificate(fact) -> bool:
    """A router's own certificate: not from a CTL, not a CA or RA certificate."""
    f = fact.fields
    return f.get("origin") != "ctl" and f.get("role") not in ("ca", "ra") and not f.get("is_ca")


def trustpoints(case: Case, functions: dict[str, Sourced]) -> dict[str, Trustpoint]:
    out: dict[str, Trustpoint] = {}

    def tp(name: str) -> Trustpoint:
        return out.setdefault(name, Trustpoint(name))

    for function, label in functions.items():
        if label.value:
            _use(tp(label.value), FUNCTION_USES.get(function, function))
    for f in case.facts_of("config.ctl_client", "ctl_client.summary"):
        for server in f.fields.get("servers") or []:
            if server.get("trustpoint"):
                _use(tp(server["trustpoint"]), f"ctl-client server {server.get('role') or '?'}")
    for f in case.facts_of("credentials.summary"):
        if f.fields.get("trustpoint"):
            _use(tp(f.fields["trustpoint"]), "credentials (CTL provider)")
    for ev in case.events_of("ctl_client.record_requested"):
        if ev.fields.get("trustpoint"):
            _use(tp(ev.fields["trustpoint"]), f"ctl-client record (function {ev.fields.get('function')})")
    for f in case.facts_of("config.trustpoint"):
        if f.fields.get("name"):
            tp(f.fields["name"]).config = f
    for f in case.facts_of("pki.trustpoint"):
        if f.fields.get("name"):
            tp(f.fields["name"]).status = f
    for cert in case.facts_of("cert"):
        if not is_identity_certificate(cert):
            continue
        for name in cert.fields.get("trustpoints") or []:
            held = tp(name)
            old = held.certificate
            start = cert.fields.get("not_before")
            if old is None or (start and old.fields.get("not_before") and start > old.fields["not_before"]):
                held.certificate = cert
    return out


def _use(tp: Trustpoint, use: str) -> None:
    if use not in tp.uses:
        tp.uses.append(use)


def functions(case: Case) -> dict[str, Sourced]:
    """function (secure-signaling, tftp, capf, sast1, sast2) -> its trustpoint label."""
    out = {function: first_value(case, sources) for function, sources in FUNCTION_SOURCES.items()}
    for f in case.facts_of("config.ctl_client", "ctl_client.summary"):
        for server in f.fields.get("servers") or []:
            for function in _SERVER_FUNCTIONS.get((server.get("role") or "").lower(), ()):
                label = server.get("trustpoint")
                if label and out[function].value is None:
                    out[function] = Sourced(label, [f])
    return out


@dataclass
class Telephony:
    """telephony-service security as configured (else as `show telephony-service
    security-info` reports it)."""

    security_mode: Sourced
    ip_source_address: Sourced
    config: Any = None  # the `config.telephony_service` fact
    security_info: Any = None  # the `telephony.security_info` fact


def telephony(case: Case) -> Telephony:
    sources = (("config.telephony_service", "device_security_mode"), ("telephony.security_info", "device_security_mode"))
    return Telephony(
        security_mode=first_value(case, sources, _mode),
        ip_source_address=first_value(case, (("config.telephony_service", "ip_source_address"),)),
        config=next(case.facts_of("config.telephony_service"), None),
        security_info=next(case.facts_of("telephony.security_info"), None))


@dataclass
class Phone:
    mac: str
    ephone: Any = None  # its `config.ephone` fact
    security_mode: Sourced = field(default_factory=Sourced)  # its own mode, else the global one
    evidence: list = field(default_factory=list)


def phones(case: Case, global_mode: Sourced) -> dict[str, Phone]:
    """MAC -> phone, from the ephone configuration and every event naming a MAC."""
    out: dict[str, Phone] = {}
    for f in case.facts_of("config.ephone"):
        own = _mode(f.fields.get("device_security_mode") or "")
        mode = Sourced(own, [f]) if own else Sourced(global_mode.value, [f, *global_mode.evidence[:1]])
        mac = f.fields.get("mac")
        key = str(mac).upper() if mac else f"ephone {f.fields.get('ephone')}"
        out[key] = Phone(key, f, mode, [f])
    for f in case.facts_of("ephone.status", "phone.config"):
        mac = f.fields.get("mac")
        if mac:
            out.setdefault(str(mac).upper(), Phone(str(mac).upper(), security_mode=global_mode)).evidence.append(f)
    return out


@dataclass
class Capf:
    auth_mode: Sourced
    trustpoint: Sourced


def capf(case: Case, functions_: dict[str, Sourced]) -> Capf:
    sources = (("config.capf_server", "auth_mode"), ("capf.summary", "auth_mode"))
    return Capf(first_value(case, sources, _mode), functions_["capf"])


@dataclass
class CtlClient:
    """The CTL client's server list ({role, ip, trustpoint}) and where it came from."""

    servers: list = field(default_factory=list)
    listing: Any = None  # `config.ctl_client` (first) or `ctl_client.summary`


def ctl_client(case: Case) -> CtlClient:
    for kind in ("config.ctl_client", "ctl_client.summary"):
        for f in case.facts_of(kind):
            return CtlClient(list(f.fields.get("servers") or []), f)
    return CtlClient()
