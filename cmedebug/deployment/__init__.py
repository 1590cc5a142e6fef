"""The deployment view: the devices of a case and what each one is, derived once.

``Deployment`` -> ``Device(name, aliases, files, clock, ca_servers, trustpoints,
functions, ctl_client, trust_lists, telephony, capf, phones)``. Each device
carries ``case``: a Case holding only its own events and facts (with its own
clock model), which is what rules, cross-checks and reports read, so a finding
built on it cannot mix evidence from two devices. Which inputs make one device
is decided in ``identity.py`` (same hostname, address or certificate
fingerprint); every derived field points back to the facts it came from
(``views.Sourced``, or the fact itself).
"""
from __future__ import annotations

import copy
import dataclasses
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from cmedebug.deployment import identity, views
from cmedebug.deployment.ctl import TrustLists, trust_lists
from cmedebug.model import Case


@dataclass
class Device:
    name: str
    aliases: list[str]  # every hostname its lines carry, as printed
    files: list[str]  # input paths with evidence of this device
    joined_by: list[str]  # why those inputs are one device
    case: Case = field(repr=False)

    @property
    def router_name(self) -> str | None:
        """The router name its lines print (the first, phones' names aside); None: they print none.
        Its lines that print no name are its own too, and count in its clock."""
        return next((alias for alias in self.aliases if not identity.phone_mac(alias)), None)

    @property
    def clock(self):
        """Its clock model (cmedebug.clock.DeviceClock) for its main name, else the first."""
        clocks = self.case.clocks
        return next((clocks[a] for a in self.aliases if a in clocks), next(iter(clocks.values()), None))

    @cached_property
    def functions(self) -> dict[str, views.Sourced]:
        """secure-signaling / tftp / capf / sast1 / sast2 -> the trustpoint it uses."""
        return views.functions(self.case)

    @cached_property
    def trustpoints(self) -> dict[str, views.Trustpoint]:
        return views.trustpoints(self.case, self.functions)

    @cached_property
    def telephony(self) -> views.Telephony:
        return views.telephony(self.case)

    @property
    def security_mode(self) -> views.Sourced:
        return self.telephony.security_mode

    @cached_property
    def phones(self) -> dict[str, views.Phone]:
        return views.phones(self.case, self.telephony.security_mode)

    @cached_property
    def capf(self) -> views.Capf:
        return views.capf(self.case, self.functions)

    @cached_property
    def ctl_client(self) -> views.CtlClient:
        return views.ctl_client(self.case)

    @cached_property
    def trust_lists(self) -> TrustLists:
        return trust_lists(self.case)

    @property
    def ca_servers(self) -> list:
        """`show crypto pki server` facts, then `crypto pki server` config facts."""
        return [*self.case.facts_of("pki.server"), *self.case.facts_of("config.pki_server")]

    def trustpoint_certificate(self, function: str) -> views.Trustpoint | None:
        """The trustpoint a function uses, when it holds a known certificate."""
        label = self.functions[function].value
        tp = self.trustpoints.get(label) if label else None
        return tp if tp is not None and tp.serial else None

    def secure_mode_intended(self) -> bool:
        """The configuration asks at least some phones for authenticated or encrypted mode."""
        return self.security_mode.value in views.SECURE_MODES or \
            any(p.security_mode.value in views.SECURE_MODES for p in self.phones.values())

    def to_dict(self) -> dict:
        return {"name": self.name, "aliases": list(self.aliases), "files": list(self.files),
                "joined_by": list(dict.fromkeys(self.joined_by))}


@dataclass
class Deployment:
    devices: list[Device]
    whole: "Deployment | None" = field(default=None, repr=False)  # a device's case: the deployment it is part of
    # node (input path, name printed) -> its device, and input path -> the name its unnamed lines take
    by_node: dict = field(default_factory=dict, repr=False)
    main_names: dict = field(default_factory=dict, repr=False)

    def device_of(self, item) -> Device | None:
        """The device an event or fact of the case belongs to (a syslog server's file holds
        several devices: its lines are told apart by the name each prints); None for an item
        the view was not built from (added to the case after it)."""
        if len(self.devices) == 1:
            return self.devices[0]
        return self.by_node.get(identity.node_of(item.path, item.device, self.main_names))

    def ca_devices(self, client: Device) -> list[Device]:
        """The other devices proven to run the CA that ``client`` trusts: the
        fingerprint their `show crypto pki server` prints is one of the CA
        fingerprints the client holds."""
        trusted = _ca_fingerprints(client.case)
        return [other for other, printed in (self.whole or self).printed_ca_fingerprints
                if other is not client and trusted & printed]

    @cached_property
    def printed_ca_fingerprints(self) -> list[tuple[Device, set[str]]]:
        """Each device with the CA fingerprints its `show crypto pki server` prints (read
        once: each device of the case asks for its CA's)."""
        return [(d, {str(f.fields.get("fingerprint") or "").replace(" ", "").upper()
                     for f in d.case.facts_of("pki.server")})
                for d in self.devices]


def _ca_fingerprints(case: Case) -> set[str]:
    """The CA certificate fingerprints (MD5 and SHA-1) a device's trustpoints hold."""
    prints = set()
    for f in case.facts_of("pki.trustpoint"):
        prints |= {f.fields.get("ca_fingerprint_md5"), f.fields.get("ca_fingerprint_sha1")}
    for f in case.facts_of("cert"):
        if f.fields.get("role") == "ca" or f.fields.get("is_ca"):
            prints |= {f.fields.get("fingerprint_md5"), f.fields.get("fingerprint_sha1")}
    return {str(p).replace(" ", "").upper() for p in prints if p}


def build(case: Case) -> Deployment:
    """Partition the case into devices; a case of one device keeps the case itself."""
    from cmedebug.clock import build_clock_model, clock_name

    by_events, by_facts = identity.printed_names(case)
    printed = by_events + by_facts  # (in the order first met: the events' names, then the facts' new ones)
    main = identity.main_names(printed)
    groups, node_index = identity.partition(case, main, by_events, by_facts)
    names = _names(groups)
    if len(groups) <= 1:
        group = groups[0] if groups else identity.Group()
        device = Device(names[0] if names else "router", list(group.hostnames), [s.path for s in case.inputs],
                        group.joined_by, case)
        deployment = Deployment([device])
        case.deployment = deployment
        build_clock_model(case)
        if device.router_name and case.unnamed_device is None and clock_name(case, None) in case.clocks:
            case.unnamed_device = device.router_name  # (counted apart before the deployment showed whose)
            build_clock_model(case)
        return deployment
    members: list[tuple[list, list]] = [([], []) for _ in groups]
    # (path, device) -> the events and facts of its device: looked up once per pair, not per item
    member_of = {key: members[node_index[identity.node_of(*key, main)]] for key in printed}
    for item in case.events:
        member_of[item.path, item.device][0].append(item)
    for item in case.facts:
        member_of[item.path, item.device][1].append(item)
    inputs: dict[str, list] = {}
    unparsed: dict[str, list] = {}
    for summary in case.inputs:
        inputs.setdefault(summary.path, []).append(summary)
    for line in case.unparsed:
        unparsed.setdefault(line.source.path, []).append(line)
    devices = []
    for group, name, (events, facts) in zip(groups, names, members):
        files = list(dict.fromkeys(node[0] for node in group.nodes))
        sub = _sub_case(case, events, facts, [s for p in files for s in inputs.get(p, [])],
                        [u for p in files for u in unparsed.get(p, [])])
        device = Device(name, list(group.hostnames), files, group.joined_by, sub)
        sub.unnamed_device = device.router_name
        build_clock_model(sub)
        _set_capture_time(sub, case)
        devices.append(device)
    deployment = Deployment(devices, by_node={node: devices[i] for node, i in node_index.items()}, main_names=main)
    case.deployment = deployment
    for device in devices:
        device.case.deployment = Deployment([device], deployment)
    case.clocks = _clocks_by_device(devices)
    return deployment


def _set_capture_time(sub: Case, case: Case) -> None:
    """A device's validity checks run at its own latest trusted time (another lab's
    clock says nothing about it); a device with no time of its own keeps the case's."""
    from cmedebug.clock import set_capture_time

    sub.reference_assumed = ""
    set_capture_time(sub, [])
    if sub.reference_time is None:
        sub.reference_time, sub.reference_assumed = case.reference_time, case.reference_assumed
        sub.reference_borrowed = case.reference_time is not None
    sub.capture_floor = case.capture_floor  # what the whole evidence proves had passed


def _clocks_by_device(devices: list[Device]) -> dict:
    """The case's clocks, one per device (two captures that both say `Router` are
    two clocks), named as the devices are."""
    clocks = {}
    for device in devices:
        for clock in device.case.clocks.values():
            name = device.name if len(device.case.clocks) == 1 else f"{device.name}: {clock.device}"
            clocks[name] = dataclasses.replace(clock, device=name)
    return clocks


def of(case: Case) -> Deployment:
    """The case's deployment, built on first use (cases made without the pipeline)."""
    return case.deployment if getattr(case, "deployment", None) is not None else build(case)


def device(case: Case) -> Device:
    """The device a case is about: the one device of a device's case (what rules
    see), or the first device of a whole case."""
    return of(case).devices[0]


def _sub_case(case: Case, events: list, facts: list, inputs: list, unparsed: list) -> Case:
    sub = copy.copy(case)  # every other attribute (reference time, assumed years...) as the case has it
    sub.events, sub.facts, sub.inputs, sub.unparsed = events, facts, inputs, unparsed
    sub.findings, sub.outcomes, sub.clocks = [], [], {}
    sub._timeline = sub._event_index = sub._fact_index = None
    sub._derived = {}  # (its own: the values derived from another case of the same size are not its)
    return sub


def _base_name(g: identity.Group) -> str:
    if g.real_name:
        return g.real_name
    routers = [h for h, _ in g.hostnames.most_common() if not identity.phone_mac(h)]
    if routers:
        return routers[0]
    return f"SEP{sorted(g.own_macs)[0]}" if g.own_macs else "router"


def _names(groups: list[identity.Group]) -> list[str]:
    """A readable, unique name per device: its hostname; a generic or missing one
    with the first file the device was read from (`Router (shows.txt)`)."""
    plain = [_base_name(g) for g in groups]
    uses = Counter(plain)  # (counted once: a case may hold thousands of devices)
    out = []
    for g, name in zip(groups, plain):
        if uses[name] > 1 or (len(groups) > 1 and not g.real_name and not g.is_phone):
            name = f"{name} ({os.path.basename(g.nodes[0][0])})"
        out.append(name)
    return out
