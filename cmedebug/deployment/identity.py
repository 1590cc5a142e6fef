"""Which evidence belongs to which device.

Evidence is grouped per *node*: one input file and one device name printed in
it (``(path, hostname)``; lines without a name belong to the main name of their
file). Nodes are joined into one device only on proof:

* the same hostname (letter case aside), unless it is a name IOS gives every
  router out of the box (``Router``, ``Switch``...): two inputs that both say
  ``Router#`` may come from two labs;
* the same address of the device itself (telephony-service ``ip source-address``,
  a CTL's CCM/TFTP/CAPF record, ``show credentials``, a phone config's call
  manager), or the same fingerprint of a certificate the device holds as its own
  (not a CA certificate, which every client of the CA holds);
* a phone (``SEP<mac>`` on its lines or in its file name) joins the router whose
  configuration or debugs name its MAC.

Two different, real hostnames are never joined. When, after that, there is a
single router and the rest of the evidence names no device at all, that
evidence is the router's (a case folder of one router: its syslog, its files).
"""
from __future__ import annotations

import os
import re
from collections import Counter
from functools import lru_cache
from operator import attrgetter
from itertools import chain
from dataclasses import dataclass, field

from cmedebug.model import Case

# Names IOS and documentation examples give any router: equal names prove nothing.
GENERIC_HOSTNAMES = frozenset({"router", "switch", "device"})
# SEP000E325C9A43 (a phone's device name, in a file name or on its lines)
_PHONE = re.compile(r"SEP([0-9A-Fa-f]{12})")
# The addresses a device answers on, by fact kind: field, and for list fields the key inside
_OWN_ADDRESSES = {"config.telephony_service": "ip_source_address", "credentials.summary": "ip"}
_CME_RECORD_ROLES = ("CCM", "CCM+TFTP", "TFTP", "CAPF")

Node = tuple  # (path, hostname-or-phone-name or None)


@lru_cache(maxsize=4096)  # asked for every event's device: a case names a few devices
def phone_mac(name: str | None) -> str | None:
    m = _PHONE.search(name or "")
    return m.group(1).upper() if m else None


def is_generic(hostname: str | None) -> bool:
    return hostname is None or hostname.lower() in GENERIC_HOSTNAMES


@dataclass
class Group:
    """The nodes proven to be one device, and what proved it."""

    nodes: list = field(default_factory=list)
    hostnames: Counter = field(default_factory=Counter)  # as printed -> items
    addresses: set = field(default_factory=set)
    fingerprints: set = field(default_factory=set)
    own_macs: set = field(default_factory=set)  # the group is this phone
    known_macs: set = field(default_factory=set)  # phones the router configures or sees
    joined_by: list = field(default_factory=list)  # why nodes were joined, for reports

    @property
    def real_name(self) -> str | None:
        names = [h for h in self.hostnames if not is_generic(h) and not phone_mac(h)]
        return names[0] if names else None

    @property
    def is_phone(self) -> bool:
        return bool(self.own_macs) and not any(not phone_mac(h) for h in self.hostnames)


def node_of(path: str, device: str | None, main: dict[str, str | None]) -> Node:
    """The node of an item: its own name, else the main name of its file."""
    return (path, device if device is not None else main.get(path))


def printed_names(case: Case) -> tuple[Counter[tuple[str, str | None]], Counter[tuple[str, str | None]]]:
    """(input path, device name printed or None) -> how many events hold it, and how many
    facts, each in the order first met: the passes over a case of a million events then run
    once (counted in C)."""
    where = attrgetter("path", "device")
    return Counter(map(where, case.events)), Counter(map(where, case.facts))


def main_names(printed: Counter[tuple[str, str | None]]) -> dict[str, str | None]:
    """input path -> the router name printed most in it, else the phone name (None:
    no name printed): the device of its lines that print none. ``printed``:
    ``printed_names(case)``."""
    counts: dict[str, Counter] = {}
    for (path, device), count in printed.items():
        if device:
            # a router's name outweighs the phone lines quoted in its log
            weight = 1 if phone_mac(device) else 1_000_000
            counts.setdefault(path, Counter())[device] += weight * count
    return {path: c.most_common(1)[0][0] for path, c in counts.items()}


def partition(case: Case, main: dict[str, str | None], by_events: Counter[tuple[str, str | None]],
              by_facts: Counter[tuple[str, str | None]]) -> tuple[list[Group], dict[Node, int]]:
    """The devices of the case (groups of nodes) and node -> group index; ``by_events``,
    ``by_facts``: ``printed_names(case)``, ``main``: ``main_names`` of both."""
    groups: dict[Node, Group] = {}

    def group(node: Node) -> Group:
        if node not in groups:
            groups[node] = Group(nodes=[node])
            mac = phone_mac(node[1]) or (phone_mac(os.path.basename(node[0])) if node[1] is None else None)
            if mac:
                groups[node].own_macs.add(mac)
        return groups[node]

    for summary in case.inputs:
        group((summary.path, main.get(summary.path)))
    of_printed = {key: group(node_of(*key, main)) for key in chain(by_events, by_facts)}  # (path, device) -> its group
    # in order: a group's first name is its first printed (events first, then facts, whose
    # configurations may name the router)
    for (path, device), count in by_events.items():
        if device:
            of_printed[path, device].hostnames[device] += count
    for item in case.events_of(*_IDENTITY_KINDS, *_IDENTITY_FAMILIES):  # (their sets: in any order)
        if _holds_identity(item.kind):
            _collect_identity(item, of_printed[item.path, item.device])
    for item in case.facts:
        device = item.device
        g = of_printed[item.path, device]
        if device:
            g.hostnames[device] += 1
        if _holds_identity(item.kind):
            _collect_identity(item, g)
    return _join([groups[n] for n in groups])


# the kinds _collect_identity reads (any other item holds no identity; its fields are not built)
_IDENTITY_KINDS = frozenset(("config.present", "config.global", *_OWN_ADDRESSES, "ctl.record", "phone.config", "cert",
                             "pki.trustpoint", "config.ephone", "ephone.status"))
_IDENTITY_FAMILIES = ("ephone", "capf", "tftp")  # (the kinds of these dotted families)
_FAMILY_PREFIXES = tuple(family + "." for family in _IDENTITY_FAMILIES)


@lru_cache(maxsize=4096)
def _holds_identity(kind: str) -> bool:
    return kind in _IDENTITY_KINDS or kind.startswith(_FAMILY_PREFIXES)


def _collect_identity(item, g: Group) -> None:
    f = item.fields
    if item.kind in ("config.present", "config.global") and f.get("hostname") and not item.device:
        g.hostnames[str(f["hostname"])] += 1
    address_field = _OWN_ADDRESSES.get(item.kind)
    if address_field and f.get(address_field):
        g.addresses.add(str(f[address_field]))
    elif item.kind == "ctl.record" and f.get("role_name") in _CME_RECORD_ROLES and f.get("ip_address"):
        g.addresses.add(str(f["ip_address"]))
    elif item.kind == "phone.config":
        g.addresses.update(str(cm["host"]) for cm in f.get("call_managers") or [] if cm.get("host"))
        if f.get("mac"):
            g.own_macs.add(str(f["mac"]).upper())
    elif item.kind == "cert" and f.get("fingerprint_sha1") and not _is_ca(f):
        g.fingerprints.add(f["fingerprint_sha1"])
    elif item.kind == "pki.trustpoint" and f.get("id_fingerprint_sha1"):
        g.fingerprints.add(f["id_fingerprint_sha1"])  # `show crypto pki trustpoints status`: the router's own
    elif item.kind in ("config.ephone", "ephone.status") and f.get("mac"):
        g.known_macs.add(str(f["mac"]).upper())
    elif item.kind.startswith(_FAMILY_PREFIXES) and isinstance(f.get("mac"), str):
        g.known_macs.add(f["mac"].upper())


def _is_ca(fields: dict) -> bool:
    return fields.get("role") in ("ca", "ra") or bool(fields.get("is_ca"))


def _join(groups: list[Group]) -> tuple[list[Group], dict[Node, int]]:
    """Merge the groups that proof joins, in passes over an index of their keys (a
    folder of thousands of captures stays linear), first groups first."""
    removed: set[int] = set()

    def merge(a: Group, b: Group, why: str) -> None:
        a.nodes += b.nodes
        a.hostnames.update(b.hostnames)
        a.addresses |= b.addresses
        a.fingerprints |= b.fingerprints
        a.own_macs |= b.own_macs
        a.known_macs |= b.known_macs
        a.joined_by += [why, *b.joined_by]
        removed.add(id(b))

    def alive() -> list[Group]:
        return [g for g in groups if id(g) not in removed]

    changed = True
    while changed:
        changed = False
        owner: dict[tuple, Group] = {}
        for g in alive():
            for key in _keys(g):
                other = owner.setdefault(key, g)
                if other is g or id(other) in removed or _conflict(other, g):
                    continue
                merge(other, g, _WHY[key[0]] + key[1])
                changed = True
                break
    _join_phones(alive(), merge)
    _join_lone_generic_name(alive(), merge)
    _adopt_unnamed(alive(), merge)
    merged = alive()
    index = {node: i for i, g in enumerate(merged) for node in g.nodes}
    return merged, index


_WHY = {"name": "hostname ", "address": "address ", "fingerprint": "certificate fingerprint ", "phone": "phone SEP"}


def _keys(g: Group) -> list[tuple[str, str]]:
    """What proves two groups are one device: a real hostname, an own address (not
    a phone's: its call managers are the router's), a certificate it holds as its
    own, the phone it is."""
    keys = [("name", g.real_name.lower())] if g.real_name else []
    if not g.is_phone:
        keys += [("address", a) for a in sorted(g.addresses)]
    keys += [("fingerprint", f) for f in sorted(g.fingerprints)]
    return keys + [("phone", m) for m in sorted(g.own_macs)]


def _conflict(a: Group, b: Group) -> bool:
    """Two different real hostnames are two devices, whatever else they share."""
    return bool(a.real_name and b.real_name and a.real_name.lower() != b.real_name.lower())


def _join_phones(groups: list[Group], merge) -> None:
    """A phone joins the one router that configures or sees its MAC."""
    routers_by_mac: dict[str, list[Group]] = {}
    for g in groups:
        if not g.is_phone:
            for mac in g.known_macs:
                routers_by_mac.setdefault(mac, []).append(g)
    for phone in (g for g in groups if g.is_phone):
        routers = {id(r): r for mac in phone.own_macs for r in routers_by_mac.get(mac, [])}
        if len(routers) == 1:
            router = next(iter(routers.values()))
            merge(router, phone, f"phone SEP{sorted(phone.own_macs)[0]} configured on the router")


def _join_lone_generic_name(merged: list[Group], merge) -> None:
    """When the only router name in the whole case is a default one (every input
    says `Router`), the inputs that print it are taken as that one router."""
    routers = [g for g in merged if not g.is_phone and g.hostnames]
    names = {h.lower() for g in routers for h in g.hostnames if not phone_mac(h)}
    if len(routers) > 1 and len(names) == 1 and is_generic(next(iter(names))):
        for g in routers[1:]:
            merge(routers[0], g, f"hostname {next(iter(names))}, the only router name in the case")


def _adopt_unnamed(merged: list[Group], merge) -> None:
    """With one router in the case, evidence that names no device at all is its."""
    routers = [g for g in merged if not g.is_phone and g.hostnames]
    if len(routers) > 1:
        return
    unnamed = [g for g in merged if not g.hostnames or g.is_phone]
    if not routers and unnamed:
        routers = [unnamed.pop(0)]
    for g in unnamed:
        if g is not routers[0]:
            merge(routers[0], g, "the only router in the evidence")
