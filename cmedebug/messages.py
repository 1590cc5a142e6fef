"""The message catalogue: every line shape the reference CME prints, kept as data
(``cmedebug/data/messages.toml``).

Each entry names its family (debug, syslog, console, show, config, phone), the
facility or debug it belongs to, a template (``str.format`` fields), the IOS
trains that print it (``15`` = classic IOS 15.x, ``XE`` = IOS XE; phone lines
name no train), and its provenance: ``seen`` with a public source (a corpus
sample, a Cisco document of ``[sources]``, or a public report named in the
domain notes), or ``inferred`` with the reasoning.

The reference CME prints only through ``render``; the engine asks ``provenance``
of evidence lines; ``markdown`` writes ``docs/messages.md``.
"""
from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

TRAINS = ("15", "XE")
FAMILIES = ("debug", "syslog", "console", "show", "config", "phone")
# `service timestamps debug datetime msec` prefix: `*Mar  1 00:10:02.123: `, `.Feb 27 09:00:00.004: `
STAMP = re.compile(r"^[*.]?[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\.\d{3}: ")
_SOURCE_KINDS = ("corpus", "doc", "public", "report")


class TrainError(ValueError):
    """A message printed by a platform whose IOS train does not print it."""


@dataclass(frozen=True)
class Message:
    id: str
    family: str
    facility: str
    template: str
    trains: tuple[str, ...]
    provenance: str  # seen | inferred
    source: str  # corpus:<file> | doc:<TAG> | public:<TAG> | report:<TAG> (seen); the reasoning (inferred)
    pattern: str  # the regex of a whole line, as a string
    kinds: tuple[str, ...] = ()  # the event kinds the parsers make of it
    head: str = ""  # the literal start of every line the pattern matches

    @cached_property
    def regex(self) -> re.Pattern:
        """Compiled when first asked (compiling all ~300 took 0.2 s of every run)."""
        return re.compile(self.pattern)

    def matches(self, text: str) -> bool:
        return text.startswith(self.head) and self.regex.match(text) is not None

    def format(self, **fields) -> str:
        return self.template.format(**fields)

    @property
    def inferred(self) -> bool:
        return self.provenance == "inferred"


def template_regex(template: str) -> re.Pattern:
    """``Start TLS Handshake {socket} {ip} {port}`` -> a regex matching a whole rendered line."""
    return re.compile(_template_pattern(template)[0])


def _template_pattern(template: str) -> tuple[str, str]:
    """The regex of ``template_regex`` as a string, and the literal its lines start with."""
    parts = []
    for literal, field_name, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field_name is not None:
            parts.append(".*?")
    head = next(string.Formatter().parse(template), ("",))[0]
    return "^" + "".join(parts) + "$", head


def _entry(mid: str, raw: dict) -> Message:
    if ("seen" in raw) == ("inferred" in raw):
        raise ValueError(f"message {mid}: give exactly one of `seen` (a source) or `inferred` (the reasoning)")
    family = raw["family"]
    if family not in FAMILIES:
        raise ValueError(f"message {mid}: unknown family {family!r}")
    trains = tuple(raw.get("trains", () if family == "phone" else TRAINS))
    if any(t not in TRAINS for t in trains):
        raise ValueError(f"message {mid}: unknown train in {trains}")
    seen = raw.get("seen")
    if seen is not None and seen.split(":", 1)[0] not in _SOURCE_KINDS:
        raise ValueError(f"message {mid}: a `seen` source is corpus:<file>, doc:<TAG>, public:<TAG> or report:<TAG>")
    template = raw["template"]
    pattern, head = (raw["pattern"], "") if "pattern" in raw else _template_pattern(template)
    return Message(mid, family, raw.get("facility", ""), template, trains,
                   "seen" if seen is not None else "inferred", seen or raw["inferred"], pattern,
                   tuple(raw.get("kind", ())), head)


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Message], dict[str, dict]]:
    data = tomllib.loads(resources.files("cmedebug").joinpath("data/messages.toml").read_text(encoding="utf-8"))
    sources = data.get("sources", {})
    messages = {mid: _entry(mid, raw) for mid, raw in data["message"].items()}
    for m in messages.values():
        kind, _, tag = m.source.partition(":")
        if m.provenance == "seen" and kind != "corpus" and tag not in sources:
            raise ValueError(f"message {m.id}: source tag {tag!r} is not in [sources]")
    return messages, sources


def catalogue() -> dict[str, Message]:
    return _load()[0]


def sources() -> dict[str, dict]:
    return _load()[1]


def render(mid: str, train: str | None = None, **fields) -> str:
    """The text of message ``mid``; ``train`` (``15`` or ``XE``) must be one that prints it."""
    message = catalogue()[mid]
    if train is not None and message.trains and train not in message.trains:
        raise TrainError(f"{mid} is not printed by IOS {train} (only {', '.join(message.trains)})")
    return message.format(**fields)


def matching(line: str, families: tuple[str, ...] = FAMILIES) -> list[Message]:
    """The entries whose template matches ``line`` (its log stamp removed)."""
    return list(_matching(STAMP.sub("", line.rstrip("\n"), count=1), families))


@lru_cache(maxsize=4096)  # (per text: every finding's evidence is asked, and a long log repeats its lines)
def _matching(text: str, families: tuple[str, ...]) -> tuple[Message, ...]:
    return tuple(m for m in catalogue().values() if m.family in families and m.matches(text))


def provenance(lines) -> str | None:
    """``seen`` when any log line (debug, syslog, console) matches a seen entry, ``inferred``
    when lines match only inferred entries, None when no line matches. Show and config
    templates with a bare field (``{clock}``) would match any line, so they are not asked."""
    found = [m for line in lines for m in matching(line, ("debug", "syslog", "console"))]
    if not found:
        return None
    return "seen" if any(not m.inferred for m in found) else "inferred"


def inferred_for(kinds) -> list[Message]:
    """The inferred shapes among those the parsers read as one of ``kinds`` (dotted prefixes)."""
    wanted = tuple(kinds)
    return [m for m in catalogue().values()
            if m.inferred and any(k == w or k.startswith(w + ".") for k in m.kinds for w in wanted)]


def markdown() -> str:
    """docs/messages.md: counts of seen and inferred shapes per family, then every entry."""
    entries = list(catalogue().values())
    out = ["# Message catalogue of the reference CME", "",
           "Generated from `cmedebug/data/messages.toml` by `python -m cmedebug.messages`; do not edit by hand.",
           "Every line the reference CME prints is one of these shapes. `seen`: a public source shows it",
           "(a corpus sample, a Cisco document, a public report; `report:FIELD` is a field report quoted in the",
           "domain notes); `inferred`: no source shows it, and the reasoning is given.", "",
           "| family | seen | inferred | total |", "| --- | --- | --- | --- |"]
    for family in FAMILIES:
        group = [m for m in entries if m.family == family]
        inferred = sum(m.inferred for m in group)
        out.append(f"| {family} | {len(group) - inferred} | {inferred} | {len(group)} |")
    inferred_total = sum(m.inferred for m in entries)
    out.append(f"| all | {len(entries) - inferred_total} | {inferred_total} | {len(entries)} |")
    out += ["", "## Inferred shapes", ""]
    out += [f"- `{m.id}` ({m.facility}; IOS {', '.join(m.trains) or 'n/a'}): `{m.template}` — {m.source}"
            for m in entries if m.inferred]
    out += ["", "## Sources", "", "| tag | title | URL |", "| --- | --- | --- |"]
    out += [f"| {tag} | {s['title']} | {s['url']} |" for tag, s in sources().items()]
    for family in FAMILIES:
        out += ["", f"## {family}", "", "| id | facility | trains | template | provenance |", "| --- | --- | --- | --- | --- |"]
        for m in entries:
            if m.family == family:
                where = m.source if not m.inferred else "inferred"
                template = m.template.replace("|", "\\|")
                out.append(f"| `{m.id}` | {m.facility} | {', '.join(m.trains) or '-'} | `{template}` | {where} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
