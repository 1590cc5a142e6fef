"""Remediation as steps: each step is one command (or one action on the phone) in
one IOS mode on one device. Rules write their steps once, with slots such as
``{trustpoint}``; the slots are filled from the evidence, and `render_blocks`
turns the steps into one paste-ready block per device that enters and leaves
the modes as IOS needs (`configure terminal`, the sub-mode, `exit`, `end`).

The modes and commands are those of the command table (cmedebug/ios_commands.py):
a sub-mode step must follow the step whose command enters that sub-mode.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

from cmedebug.ios_commands import enters, lookup, table

ROUTER = "router"  # the router of the case (in a case of several, the engine names each finding's instead)
PHONE = "phone"
WAIT = "wait"  # a pause before the next block (a certificate's start time to pass): nothing is typed
NOT_TYPED = (PHONE, WAIT)  # steps a person performs, never pasted into IOS: the device is the mode
_SLOT = re.compile(r"\{([a-z0-9_]+)\}")

# What to put in a slot the evidence could not fill (printed once per block).
SLOT_MEANINGS = {
    "trustpoint": "the trustpoint to act on (`show crypto pki trustpoints`)",
    "ca": "the certificate server's name (`show crypto pki server`)",
    "phone_security_mode": "the phone's device-security-mode before the change, authenticated or encrypted "
                           "(`show running-config | section ephone|telephony-service`)",
    "ca_serial_file": "the server's serial file, <ca>.ser, where its `database url` points (`dir` it)",
    "ca_crl_file": "the server's CRL file, <ca>.crl, where its `database url` points (`dir` it)",
    "ca_trustpoint": "the trustpoint that holds the CA's certificate on this router",
    "ca_ip": "the certificate server's IP address",
    "cme_ip": "CME's IP address (telephony-service `ip source-address`)",
    "ip": "the IP address named in the finding",
    "mac": "the phone's MAC address (`show ephone`)",
    "ephone": "the ephone tag of the phone (`show running-config | section ephone`)",
    "hostname": "the router's hostname",
    "ntp_ip": "the NTP server's IP address",
    "ntp_key": "an NTP authentication key number (1-65535), the same on the NTP server",
    "ntp_secret": "the NTP authentication key string, the same on the NTP server",
    "interface": "the interface facing the server (e.g. GigabitEthernet0/0)",
    "zone": "the time-zone name (e.g. CET)",
    "hours": "the offset from UTC in hours",
    "challenge": "a challenge password you choose; IOS asks it twice and needs it to revoke the certificate",
    "passphrase": "a passphrase protecting the CA's private key; keep it, a restore needs it",
    "export_passphrase": "a passphrase for the exported keys; keep it with the backup",
    "sast_key": "each SAST trustpoint's key label (its `rsakeypair`, `show crypto key mypubkey rsa`)",
    "sast1": "the SAST1 trustpoint (`show ctl-client`)",
    "sast2": "the SAST2 trustpoint (`show ctl-client`)",
    "new_sast": "the name of a new trustpoint for the SAST being replaced",
    "cme_trustpoint": "the secure-signaling trustpoint (`show telephony-service security-info`)",
    "tftp_trustpoint": "the tftp-server-credentials trustpoint",
    "capf_trustpoint": "the capf-server trustpoint-label",
    "issuer_trustpoint": "a new trustpoint name for the missing issuing CA",
    "ca_certificate_pem": "the issuing CA's certificate in PEM (Base64)",
    "mic_root": "a trustpoint name for the issuer of the phones' MICs (e.g. CAP-RTP-002: the issuer on the phone's "
                "MIC, Settings > Security)",
    "mic_root_pem": "that MIC issuer's certificate in PEM (Base64), as Cisco publishes it",
    "certificate_pem": "the certificate in PEM (Base64)",
    "request_id": "the request id (`show crypto pki server <ca> requests`)",
    "digits": "4 to 10 digits, the string the user types on the phone",
    "password": "the password configured for it",
    "user": "the CTL provider's admin user name",
    "pool": "the DHCP pool the phones use",
    "url": "the configuration file's URL as configured",
    "alias": "the alias the file is configured with",
    "file": "the file name",
    "storage": "a persistent storage URL (e.g. flash:cme-ca/)",
    "image": "an image with the voice and security feature set, already in flash: (`dir flash:` lists it)",
    "platform": "the platform name of `show license` (e.g. c2900)",
    "acl": "an access list permitting the enrolling routers",
    "profile": "the DSP-farm conference profile number",
    "time": "the time now, hh:mm:ss", "day": "the day of the month", "month": "the month (e.g. Nov)",
    "year": "the year",
    "ca_url": "the CA's enrollment URL, as the other trustpoints use it (e.g. http://10.1.1.1:80)",
    "ca_db_level": "the server's database level (minimal, names or complete)",
    "ca_db_url": "the server's database URL (persistent storage such as flash:ca/)",
    "ca_cert_days": "the lifetime of issued certificates in days, as before",
    "ca_days": "the lifetime of the CA certificate in days, as before",
    "ca_grant": "auto if the server granted automatically before; leave the line out for manual grant",
    "issued_trustpoint": "each trustpoint enrolled with this CA (`show crypto pki trustpoints`)",
    "uncertified_trustpoint": "each trustpoint of this CA without a certificate of its own (`show crypto pki "
                              "trustpoints status`)",
    "secure_ephone": "each ephone tag with an LSC",
    "spare_sast": "the SAST2 trustpoint (`show ctl-client`)",
    "signing_sast": "the SAST1 trustpoint (`show ctl-client`)",
    "surviving_sast": "an original SAST trustpoint whose key the phones still trust",
    "replaced_sast": "the other SAST trustpoint, the one whose key or certificate changed",
    "lost_sasts": "the SAST trustpoints whose keys changed (both: no original SAST survives)",
    "ra": "the trustpoint CAPF enrolls through (capf-server `cert-enroll-trustpoint`)",
    "ca_device": "the router that runs the certificate server (its hostname)",
    "ciphers": "the cipher suites the HTTPS server accepts, as IOS names them (`ip http client secure-ciphersuite ?`)",
    "phone_type": "the phone type as `load` names it (e.g. 7975: `show ephone` / the ephone's `type`)",
    "phone_load": "the current SCCP load for that type from Cisco (e.g. SCCP75.9-4-2SR4-3S), its files in flash",
    "ca_valid_from": "the latest start date of the certificates issued while the CA's clock ran ahead "
                     "(`show crypto pki certificates`, start date)",
}


@dataclass(frozen=True)
class Step:
    """One command in one mode (or one action on the phone), with why and a warning.
    ``answers`` are the replies to IOS's questions, typed on the lines after the
    command (empty: the command table's answers). ``only_if`` names slots the step
    depends on without printing them (what was enrolled, a SAST renewed): it is
    dropped when every one of them is known to be empty, and never repeated for
    their values (a slot named in its text would repeat it once per value)."""

    mode: str
    command: str
    why: str | None = None
    warning: str | None = None
    device: str = ROUTER
    answers: tuple[str, ...] = ()
    only_if: tuple[str, ...] = ()

    def __post_init__(self):
        if self.mode not in table().modes:
            raise ValueError(f"step `{self.command}`: unknown mode {self.mode!r}; modes: {', '.join(table().modes)}")
        for action in NOT_TYPED:
            if (self.mode == action) != (self.device == action):
                raise ValueError(f"step `{self.command}`: the {action} mode is for device '{action}' and only for it")

    @property
    def slots(self) -> list[str]:
        """The slots it names, in the command, the answers (its own, else the table's), why or
        the warning."""
        return list(dict.fromkeys(_SLOT.findall(" ".join([self.device, self.command, *self.replies(),
                                                          self.why or "", self.warning or ""]))))

    def replies(self) -> tuple[str, ...]:
        """The answers typed after the command: the step's own, else the table's."""
        if self.answers or self.mode in NOT_TYPED:
            return self.answers
        entry = lookup(self.command, self.mode)
        return tuple(q.answer for q in entry.questions if not q.when) if entry else ()

    def to_dict(self) -> dict:
        return {"device": self.device, "mode": self.mode, "command": shown(self.command), "why": self.why,
                "warning": self.warning, "answers": [shown(a) for a in self.replies()],
                "placeholders": self.slots, "inferred": self.mode not in NOT_TYPED and _inferred(self)}


def shown(text: str) -> str:
    """A command as printed: an unfilled slot {trustpoint} reads <trustpoint> (SHOWN_SLOT)."""
    return _SLOT.sub(lambda m: f"<{m.group(1).replace('_', '-')}>", text)


SHOWN_SLOT = re.compile(r"<[a-z0-9-]+>")  # an unfilled slot in a printed command, as `shown` writes it


def _substitute(text: str | None, values: Mapping[str, str]) -> str | None:
    if text is None:
        return None
    return _SLOT.sub(lambda m: str(values[m.group(1)]) if values.get(m.group(1)) not in (None, "") else m.group(0),
                     text)


def _distinct(values: Mapping[str, object]) -> dict[str, object]:
    """``values`` with each list's repeats dropped: a slot named twice for one object (ephone 1
    in two captures of one router) is typed once, not once for each capture."""
    return {k: list(dict.fromkeys(map(str, v))) if isinstance(v, (list, tuple)) else v for k, v in values.items()}


def _scalar(values: Mapping[str, object]) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        if isinstance(value, (list, tuple)):
            if len(value) == 1:
                out[key] = str(value[0])
        elif value not in (None, ""):
            out[key] = str(value)
    return out


_COMMAND = re.compile(r"`[^`]*`")


def fill_text(text: str, values: Mapping[str, object]) -> str:
    """A sentence (a verify line) with its slots filled, several values joined, as printed. A
    command in backticks stays one command: a slot with several values reads <slot> in it,
    and the values follow it (`show crypto pki certificates <trustpoint>` for each of a, b),
    never `show crypto pki certificates a, b`, which IOS refuses."""
    def one_command(m: re.Match) -> str:
        several = [k for k in dict.fromkeys(_SLOT.findall(m.group(0)))
                   if isinstance(values.get(k), (list, tuple)) and len(values[k]) > 1]
        if not several:
            return m.group(0)
        command = _SLOT.sub(lambda s: f"<{s.group(1)}>" if s.group(1) in several else s.group(0), m.group(0))
        return command + "".join(f" for each of {{{k}}}" for k in several)

    values = _distinct(values)
    text = _COMMAND.sub(one_command, text)
    named = set(_SLOT.findall(text))  # (a case-wide list, every ephone, is not joined for each finding)
    joined = {k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in values.items() if k in named}
    return shown(_substitute(text, _scalar(joined)) or "")


def _filled(step: Step, values: Mapping[str, str]) -> Step:
    """The step with its slots substituted; its answers become explicit, read
    from the table for the filled command (`grant {ca_grant}` -> `grant auto`)."""
    done = replace(step, command=_substitute(step.command, values), why=_substitute(step.why, values),
                   warning=_substitute(step.warning, values), device=_substitute(step.device, values), only_if=())
    return replace(done, answers=tuple(_substitute(a, values) for a in done.replies()))


def fill(steps: Sequence[Step], values: Mapping[str, object]) -> list[Step]:
    """Steps with their slots filled. A slot given several values (two trustpoints)
    repeats the step that names it, together with the sub-mode steps it enters; a
    slot given no value at all (an empty list: there is none) drops them, and so
    does a step whose `only_if` slots are all empty."""
    values = _distinct(values)
    scalars = _scalar(values)
    named = {slot for step in steps for slot in step.slots}  # (lists of other slots are never read)
    lists = {k: v for k, v in values.items()
             if k in named and isinstance(v, (list, tuple)) and len(v) > 1}
    empty = {k for k, v in values.items() if isinstance(v, (list, tuple)) and not v}

    def dropped(step: Step) -> bool:
        return bool(empty.intersection(step.slots)) or bool(step.only_if) and empty.issuperset(step.only_if)

    out: list[Step] = []
    i = 0
    while i < len(steps):
        run = [steps[i]]
        sub = enters(steps[i].command, steps[i].mode) if steps[i].mode not in NOT_TYPED else ""
        while sub and i + len(run) < len(steps) and steps[i + len(run)].mode == sub:
            run.append(steps[i + len(run)])
        i += len(run)
        if dropped(run[0]):
            continue
        run = [s for s in run if not dropped(s)]
        multi = next((s for s in run[0].slots if s in lists), None)
        for value in (lists[multi] if multi else [None]):
            local = dict(scalars, **({multi: value} if multi else {}))
            out.extend(_filled(s, local) for s in run)
    return out


@dataclass(frozen=True)
class Line:
    """One line of a block: what is typed, the mode it is typed in, and the step
    it comes from (None for the mode changes the renderer adds)."""

    text: str
    mode: str
    step: Step | None = None
    answer: bool = False


@dataclass(frozen=True)
class Block:
    """The paste-ready commands for one device."""

    device: str
    lines: tuple[Line, ...]
    placeholders: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> dict:
        return {"device": self.device, "text": self.text, "warnings": list(self.warnings),
                "placeholders": [{"name": f"<{n}>", "meaning": m} for n, m in self.placeholders]}


class StepOrderError(ValueError):
    """A sub-mode step that does not follow the command entering its sub-mode."""


def _parents(mode: str) -> list[str]:
    """exec, config, ..., mode."""
    chain = [mode]
    modes = table().modes
    while chain[0] in modes and modes[chain[0]].parent:
        chain.insert(0, modes[chain[0]].parent)
    return chain


def _router_lines(steps: Sequence[Step]) -> list[Line]:
    stack = ["exec"]
    entered: list[str | None] = [None]  # the command that entered each mode of the stack
    lines: list[Line] = []

    def emit(text: str, step: Step | None = None, answer: bool = False) -> None:
        depth = max(len(stack) - 2, 0)
        lines.append(Line((" " * depth) + text if not answer else text, stack[-1], step, answer))

    for step in steps:
        target = _parents(step.mode)
        if len(target) > 2 and step.mode not in stack:
            raise StepOrderError(f"`{step.command}` ({step.mode}) does not follow the command that enters "
                                 f"{step.mode}")
        if step.mode == "exec" and len(stack) > 1:
            stack[1:], entered[1:] = [], []
            lines.append(Line("end", "config"))
        if step.mode != "exec":
            if stack == ["exec"]:
                lines.append(Line("configure terminal", "exec"))
                stack.append("config")
                entered.append("configure terminal")
            while stack[-1] != step.mode:
                left = stack.pop()
                entered.pop()
                lines.append(Line(" " * max(len(stack) - 1, 0) + "exit", left))
        emit(shown(step.command), step)
        for reply in step.replies():
            emit(shown(reply), step, answer=True)
        sub = enters(step.command, step.mode)
        if sub:
            stack.append(sub)
            entered.append(step.command)
    if len(stack) > 1:
        lines.append(Line("end", stack[-1]))
    return lines


# What a block that changed the configuration ends with, unless its steps save it themselves:
# enrolled certificates, generated keys and every other change live in the running
# configuration, and a reload would lose them (primer F16: "keys generated but never saved").
SAVE_CONFIG = Step("exec", "write memory", why="save what this block changed (configuration, keys, "
                                               "certificates): a reload would lose it")
_SAVES = ("write memory", "copy running-config startup-config")


def saved(run: Sequence[Step]) -> list[Step]:
    """A router block's steps, ending with SAVE_CONFIG where one changes the configuration to
    keep (a command of a configuration mode that does not only print, an export, and is no
    capture's setting) and none saves it."""
    changes = any(step.mode != "exec" and to_keep(step) for step in run)
    return [*run, SAVE_CONFIG] if changes and not any(step.command in _SAVES for step in run) else list(run)


# What the phones read only when they restart: a CTL regenerated or files created again, then
# again before any restart, was never read the first time (a renewal of the files' signer,
# then of a SAST, each followed by its own rebuild)
REBUILDS = (("config-ctl-client", "regenerate"), ("config-telephony", "create cnf-files"))
PHONE_RESTARTS = (("config-telephony", "reset all"), ("config-telephony", "restart all"),
                  ("config-ephone", "reset"), ("config-ephone", "restart"))


def without_superseded_rebuilds(run: Sequence[Step]) -> list[Step]:
    """A router block's steps less each CTL regenerate or files rebuild that the same rebuild
    repeats later in the block before any phone restarts, and the sub-mode entries that leaves
    with nothing in them."""
    kept: list[Step] = []
    for i, step in enumerate(run):
        key = (step.mode, step.command)
        if key in REBUILDS and not step.warning:
            later = next((s for s in run[i + 1:] if (s.mode, s.command) in (key, *PHONE_RESTARTS)), None)
            if later is not None and (later.mode, later.command) == key:
                continue
        kept.append(step)
    return [step for i, step in enumerate(kept)
            if not (_enters_nothing(step, kept[i + 1] if i + 1 < len(kept) else None))]


def with_entries_gathered(run: Sequence[Step]) -> list[Step]:
    """A router block's steps with each object of a sub-mode entered once where the block
    enters objects of that sub-mode one after another: `crypto pki trustpoint A` (its key),
    B (its key), A again (its enrollment settings) -> A with both, then B. Objects of one kind
    are independent (a trustpoint's settings never read another's), so only the order between
    objects changes, never the order of one object's commands, and nothing moves across a
    command of any other kind. An entry again that says why (or warns, or is answered) stays
    where it is written: its reason is its own."""
    out: list[Step] = []
    i = 0
    while i < len(run):
        entry = _entry(run, i)
        if not entry:
            out.append(run[i])
            i += 1
            continue
        groups: dict[str, list[Step]] = {}  # the open entry of each object, by its command
        stretch: list[list[Step]] = []
        sub = enters(run[i].command, run[i].mode)
        while entry and entry[0].mode == run[i].mode and enters(entry[0].command, entry[0].mode) == sub:
            parent = entry[0]
            open_entry = groups.get(parent.command)
            if open_entry is not None and not (parent.why or parent.warning or parent.replies()):
                open_entry.extend(entry[1:])
            else:
                groups[parent.command] = list(entry)
                stretch.append(groups[parent.command])
            i += len(entry)
            entry = _entry(run, i)
        out.extend(step for group in stretch for step in group)
    return out


def _entry(run: Sequence[Step], i: int) -> list[Step]:
    """The step at ``i`` and the steps in the sub-mode it enters, or [] if it enters none."""
    if i >= len(run) or run[i].mode in NOT_TYPED:
        return []
    sub = enters(run[i].command, run[i].mode)
    if not sub:
        return []
    end = i + 1
    while end < len(run) and run[end].mode not in NOT_TYPED and sub in _parents(run[end].mode):
        end += 1
    return list(run[i:end])


def _enters_nothing(step: Step, after: Step | None) -> bool:
    """A step that enters a sub-mode the next step is not in (what its why speaks of is gone)."""
    sub = enters(step.command, step.mode) if step.mode not in NOT_TYPED else ""
    return bool(sub) and (after is None or after.mode != sub)


def to_keep(step: Step) -> bool:
    """Whether a step typed in a configuration mode makes a change a reload must not lose."""
    entry = lookup(step.command, step.mode)
    return entry is None or entry.changes_config and entry.saved


def render_blocks(steps: Iterable[Step]) -> list[Block]:
    """One block per run of steps on the same device, in step order."""
    runs: list[list[Step]] = []
    for step in steps:
        if runs and runs[-1][0].device == step.device:
            runs[-1].append(step)
        else:
            runs.append([step])
    blocks = []
    for run in runs:
        if run[0].mode in NOT_TYPED:
            lines = [Line(shown(s.command), s.mode, s) for s in run]
        else:
            lines = _router_lines(saved(with_entries_gathered(without_superseded_rebuilds(run))))
        slots = list(dict.fromkeys(slot for s in run for slot in s.slots))
        blocks.append(Block(shown(run[0].device), tuple(lines),
                            tuple((s.replace("_", "-"), SLOT_MEANINGS.get(s, "see the finding")) for s in slots),
                            tuple(dict.fromkeys(shown(s.warning) for s in run if s.warning))))
    return blocks


def cautions(block: Block) -> list[str]:
    """What to read before pasting the block, printed above it: its warnings, and the
    placeholders to replace first (IOS takes `<challenge>` as typed: a password of that
    text, not an error)."""
    typed = block.device not in NOT_TYPED
    return [f"WARNING: {w}" for w in block.warnings] + \
        [f"replace <{name}> before pasting: {meaning}" if typed else f"<{name}>: {meaning}"
         for name, meaning in block.placeholders]


def reasons(block: Block) -> list[str]:
    """What each line of the block is for, printed below it: its step's why (lines that
    share one are named together), the questions of IOS the lines typed after it answer, and
    the typed commands no Cisco document shows (INFERRED)."""
    commands: dict[str, list[str]] = {}  # why -> the lines it explains, in block order
    typed = block.device not in NOT_TYPED
    for line in block.lines:
        if line.step is None or line.answer:
            continue
        if line.step.why:
            _named(commands, shown(line.step.why), line.text.strip())
        if typed and _inferred(line.step):
            _named(commands, INFERRED, line.text.strip())
        answered = _questions(line.step)
        if answered:
            said = "; ".join(f"`{question}` -> {f'`{shown(answer)}`' if answer else 'an empty line (Enter: the default)'}"
                             for question, answer in answered)
            _named(commands, f"typed after it, the answers to IOS's questions: {said}", line.text.strip())
    return [f"{' / '.join(lines)}: {why}" for why, lines in commands.items()]


# Said below a block of the commands the command table marks `unconfirmed`: what the brief asks of
# anything inferred, where the engineer reads it before pasting.
INFERRED = "inferred from general IOS knowledge: no Cisco document shows it (unconfirmed in cmedebug's command table)"


def _inferred(step: Step) -> bool:
    entry = lookup(step.command, step.mode)
    return entry is None or entry.confirmed == "unconfirmed"


def _named(commands: dict[str, list[str]], why: str, line: str) -> None:
    """``line`` among the lines ``why`` explains (once: the same command in several entries)."""
    lines = commands.setdefault(why, [])
    if line not in lines:
        lines.append(line)


def _questions(step: Step) -> list[tuple[str, str]]:
    """(the question IOS asks, the line typed after the command) for each answer of the
    step that answers a question of the command table (a step's own answers that do not
    match the table's questions one to one are not named)."""
    entry = lookup(step.command, step.mode) if step.mode not in NOT_TYPED else None
    replies = step.replies()
    asked = [q for q in entry.questions if not q.when] if entry else []
    return [(q.text, reply) for q, reply in zip(asked, replies)] if replies and len(asked) == len(replies) else []


def on_router(device: str) -> bool:
    """The device of steps typed on the case's router: "router", or "router, only if ..."
    (a block for a situation the reader must check first)."""
    return device == ROUTER or device.startswith(ROUTER + ", only ")


def conditional(device: str) -> bool:
    """Whether a block's device says it is typed only in some situation ("..., only if ...")."""
    return ", only " in device


def heading(block: Block) -> str:
    """'on the router, pasted at the privileged EXEC prompt (Router#)' / 'on router CA, pasted
    at ... (CA#)' / 'on the other CME, pasted at its ...' / 'on the phone' / 'wait before the next block'."""
    if block.device == PHONE:
        return "on the phone"
    if block.device == WAIT:
        return "wait before the next block (nothing to paste)"
    if on_router(block.device):
        return f"on the {block.device}, pasted at the privileged EXEC prompt (Router#)"
    hostname = block.device.split(",")[0]
    if " " in hostname:  # a role ("other CME"), not a hostname (IOS hostnames have no spaces): no prompt to show
        return f"on the {block.device}, pasted at its privileged EXEC prompt"
    return f"on router {block.device}, pasted at its privileged EXEC prompt ({hostname}#)"
