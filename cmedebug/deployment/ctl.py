"""The trust lists (CTL / ITL files) a device serves, decoded, with their records."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from cryptography import x509

from cmedebug.model import Case, Fact
from cmedebug.parsers import grammar


@dataclass
class CtlView:
    """One decoded trust list: its file fact, records and certificates."""

    file: Fact
    records: list[Fact]
    certs: dict[int, Fact]  # record index -> `cert` fact

    @property
    def path(self) -> str:
        return self.file.source.path

    def serials(self, roles: tuple[str, ...] | None = None) -> list[str]:
        return [r.fields["serial"] for r in self.records
                if r.fields.get("serial") and (roles is None or r.fields.get("role_name") in roles)]

    def roles_of(self, serial: str | None) -> list[str]:
        return [r.fields["role_name"] for r in self.records if serial and r.fields.get("serial") == serial]

    def certificate(self, serial: str, roles: tuple[str, ...]) -> x509.Certificate | None:
        for rec in self.records:
            if rec.fields.get("serial") == serial and rec.fields.get("role_name") in roles:
                fact = self.certs.get(rec.fields["index"])
                if fact is not None:
                    return load_certificate(fact)
        return None


@dataclass
class TrustLists:
    """The device's CTL files and ITL files, oldest first by header timestamp."""

    ctl: list[CtlView] = field(default_factory=list)
    itl: list[CtlView] = field(default_factory=list)

    @property
    def current(self) -> CtlView | None:
        """The newest CTL; a damaged one only when there is no other."""
        return newest(self.ctl)

    @property
    def records(self) -> list[Fact]:
        return [r for view in self.ctl for r in view.records]


def newest(views: list[CtlView]) -> CtlView | None:
    intact = [v for v in views if not v.file.fields.get("error")]
    return (intact or views)[-1] if views else None


def trust_lists(case: Case) -> TrustLists:
    files = list(case.facts_of("ctl.file"))
    if not files:
        return TrustLists()
    records: dict[str, list[Fact]] = defaultdict(list)
    certs: dict[str, dict[int, Fact]] = defaultdict(dict)
    for f in case.facts_of("ctl.record"):
        records[f.source.path].append(f)
    for f in case.facts_of("cert"):
        if f.fields.get("origin") == "ctl":
            certs[f.source.path][f.fields["ctl_index"]] = f
    epoch = datetime.min.replace(tzinfo=timezone.utc)
    views = sorted((CtlView(f, records[f.source.path], certs[f.source.path]) for f in files),
                   key=lambda v: v.file.fields.get("timestamp") or epoch)
    return TrustLists([v for v in views if v.file.fields.get("kind") == "ctl"],
                      [v for v in views if v.file.fields.get("kind") == "itl"])


def load_certificate(fact: Fact) -> x509.Certificate | None:
    """The certificate of a ``cert`` fact from its DER or PEM, if it carries one."""
    try:
        if fact.fields.get("der"):
            return grammar.load_certificate(fact.fields["der"])
        if fact.fields.get("pem"):
            return grammar.load_certificate(fact.fields["pem"].encode())
    except ValueError:
        return None
    return None
