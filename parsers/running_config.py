"""`show running-config`, `show startup-config` or a saved configuration file.

The configuration is read as a small indentation tree: a line at column 0
opens a section (`crypto pki trustpoint CME`, `telephony-service`, `ephone 1`)
or is a global line (`ip http server`); indented lines belong to the open
section. Each section of interest becomes one fact when the next section
starts; `config.global`, `config.voice` and `config.present` come at the end
(`end`, the next prompt, EOF). Certificates of a `crypto pki certificate chain`
are decoded with `cryptography` into `cert` facts.

Configuration typed at config-mode prompts (`Router(config)# crypto pki server
cme_root`, `Router(cs-server)# grant auto`) gives the same facts, rebuilt from
the prompt modes: a `(config)` command opens a section or is a global line, a
sub-mode command is a child of the open section (or of the section its mode
names). Such facts say `origin: "typed"` and are `partial`; a field that was not
typed is None (unknown), never the default of a full configuration.

Secrets (`capf-auth-str`, passwords) are never stored in fields: presence and
length only.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.config_lines import (child_line, fields_set_by, global_line, new_fields, new_global, new_voice,
                                           typed_child_line)
from cmedebug.parsers.framing import Record
from cmedebug.parsers.show_block import ShowBlockParser

# Building configuration...      Current configuration : 4127 bytes      version 15.7      !
_START = re.compile(r"Building configuration\.\.\.$|Current configuration ?: ?\d+ bytes$|version \d+\.\d+$|!$")
# Last configuration change at 10:01:02 UTC Mon Jan 1 2024 by admin      NVRAM config last updated at ...
_BANNERS = re.compile(r"Building configuration|Current configuration|Using \d+ out of \d+ bytes|"
                      r"! (?:Last configuration change|NVRAM config last updated|No configuration change)")
# .     (an ellipsis in documentation captures: elided lines)
_ELLIPSIS = re.compile(r"\.{1,3}$")
# show running-config | section telephony      sh run | i ntp      show running-config telephony-service
_FILTER = re.compile(r"\s*(?P<filter>\S.*)?$")

# first words of a column-0 line -> the section it opens
_SECTIONS = (
    ("crypto pki server ", "pki_server"), ("crypto pki trustpoint ", "trustpoint"),
    ("crypto pki certificate chain ", "chain"), ("telephony-service", "telephony_service"),
    ("ctl-client", "ctl_client"), ("capf-server", "capf_server"), ("ephone-dn", None), ("ephone ", "ephone"),
    ("dial-peer voice ", "dial_peer"), ("voice service voip", "voice"), ("ip dhcp pool ", "dhcp_pool"),
)
# Router(cs-server)# grant auto      Router(ca-trustpoint)# enrollment url http://192.168.20.1:80
# (the corpus shows these two; the others are the modes IOS prints for the sections above)
# prompt mode -> the section a command typed in it belongs to, when the capture starts inside it
_MODE_SECTIONS = {
    "cs-server": "crypto pki server ", "ca-trustpoint": "crypto pki trustpoint ",
    "config-cert-chain": "crypto pki certificate chain ", "config-telephony": "telephony-service",
    "config-ctl-client": "ctl-client", "config-capf-server": "capf-server", "config-ephone": "ephone ",
    "config-dial-peer": "dial-peer voice ", "conf-voi-serv": "voice service voip", "dhcp-config": "ip dhcp pool ",
}


class RunningConfigParser(ShowBlockParser):
    name = "running-config"
    description = "show running-config / show startup-config / a saved configuration"
    # R1#sh run | section telephony      Router# show running-config telephony-service      sh start
    commands = (r"sh\w* (?:run[\w-]*|start[\w-]*|conf\w*)",
                r"more (?:system:running-config|nvram:startup-config)", r"wr(?:ite)? t(?:erm(?:inal)?)?")
    block_start = _START
    reads_typed_config = True

    def __init__(self) -> None:
        super().__init__()
        self.config: dict | None = None

    # -- block lifecycle -------------------------------------------------------------
    reads_messages = _START  # (a message that starts a configuration begins a second one)

    def ignores_message(self, body: str) -> bool:
        return _START.match(body) is None  # a message is never configuration; only a new start resets it

    def parse(self, rec: Record, ctx: Context):
        if self.config is not None and self.config["typed"]:
            return None  # what IOS answers to typed commands is for the other parsers
        if self.config is not None and self.config["ended"] and _START.match(rec.text):
            self.config = None  # a second configuration in the same capture
        if rec.is_message or not rec.text:
            return None
        if self.config is None:
            self.config = self._new_config(rec, ctx)
        if self.config["ended"]:
            return None
        try:
            return self.take(rec.text, rec, ctx)
        except Exception as exc:  # a parser bug must not stop the analysis: the line stays unparsed
            ctx.warnings.append(f"{ctx.path}:{rec.first_line}: {self.name} could not read this line "
                                f"({exc.__class__.__name__}: {exc})")
            return None

    def _new_config(self, rec: Record, ctx: Context) -> dict:
        command = ctx.command or ""
        m = self.owns_command(command) if command not in self._tails_used else None
        self._tails_used.add(command)
        kind, filter_text, section = "file", None, None
        if m:
            words = m.group(0).lower().split()
            kind = "startup" if "start" in words[1] or "nvram" in words[-1] or words[1].startswith("conf") else "running"
            filter_text = _FILTER.match(command[m.end():]).group("filter")
        if filter_text in ("all", "full"):
            filter_text = None
        if filter_text and not filter_text.startswith("|"):
            section = _section_of(filter_text)  # `show running-config telephony-service` omits the header
        return _new_config_state(kind, filter_text, rec, section)

    def start_block(self, rec: Record, ctx: Context):
        _host, command, mode = rec.prompt
        if mode is None:  # `show running-config`: its output follows
            return []
        done = []
        if self.config is not None and (not self.config["typed"] or self.config["emitted"]):
            done = self.end_block(ctx)  # a shown configuration, or a session closed by `end`
        if self.config is None:
            self.config = _new_config_state("running", None, rec, None, typed=True)
        return done + self._typed(command, mode, rec, ctx)

    def _typed(self, command: str, mode: str, rec: Record, ctx: Context) -> list:
        """One command typed at a config-mode prompt."""
        config = self.config
        config["lines"] += 1
        config["last"] = rec.last_line
        if not command or command.startswith("do "):
            return []
        if command == "end" or (command == "exit" and mode == "config"):
            return self._with_device(self._finish(ctx))
        if command == "exit":
            return self._with_device(self._close_section(ctx))
        section = config["section"]
        if mode == "config" and _section_of(command) is not None:
            done = self._with_device(self._close_section(ctx))
            config["section"] = _section_of(command, rec)
            return done
        if mode == "config" and not (section is not None and fields_set_by(section, command, config)):
            global_line(command, config)  # the section stays open: a later sub-mode line is still its child
            return []
        # a sub-mode line, or a child keyword printed with `(config)` (documents do:
        # Router(config)# crypto pki server cme_root / Router(config)# database level complete)
        if section is None and mode in _MODE_SECTIONS:  # the capture starts inside a section
            section = config["section"] = _section_of(_MODE_SECTIONS[mode])
            section["first"] = rec.first_line
        if section is not None:
            section["last"] = rec.last_line
            section["raw"].extend(rec.lines)
            typed_child_line(section, command, config)
        return []

    def end_block(self, ctx: Context):
        out = self._with_device(self._finish(ctx))
        self.config = None
        return out

    def _with_device(self, facts: list) -> list:
        """A saved config has no prompt: its facts belong to the device its `hostname` line names."""
        for fact in facts:
            fact.device = fact.device or self.config["hostname"]
        return facts

    # -- one line --------------------------------------------------------------------
    def take(self, text, rec: Record, ctx: Context):
        config = self.config
        line = rec.lines[0] if rec.lines else text
        config["lines"] += 1
        config["last"] = rec.last_line
        if _BANNERS.match(text) or _ELLIPSIS.match(text):
            return []
        if text == "end":
            config["ended"] = True
            return self._with_device(self._finish(ctx))
        if text.startswith("!"):
            return []
        indented = line[:1] in (" ", "\t")
        if indented and config["section"] is not None:
            config["section"]["last"] = rec.last_line
            config["section"]["raw"].extend(rec.lines)
            child_line(config["section"], text, config["voice"])
            return []
        done = self._with_device(self._close_section(ctx))
        if indented:  # a child of a section we do not model (interface, line vty, ...)
            return done
        config["section"] = _section_of(text, rec)
        if config["section"] is None:
            global_line(text, config)
        return done

    # -- facts -----------------------------------------------------------------------
    def _close_section(self, ctx: Context) -> list:
        section, self.config["section"] = self.config["section"], None
        if section is None or section["kind"] in (None, "voice"):  # voice lines go to config.voice at the end
            return []
        if not section["raw"]:  # `show running-config telephony-service` printed nothing: no such section
            return []
        self.config["sections"] += 1
        fields = self._typed_fields(section["fields"], new_fields(section["kind"], ""), section["negated"])
        fields.update(config=self.config["kind"], partial=self.config["partial"])
        if section["kind"] == "chain":
            return [ctx.fact("cert", first_line=first, last_line=last, raw=raw, config=self.config["kind"],
                             trustpoints=[fields["name"]], **cert) for cert, first, last, raw in section["certs"]]
        first = section["first"] or self.config["first"]
        return [ctx.fact(f"config.{section['kind']}", first_line=first, last_line=max(first, section["last"]),
                         raw=section["raw"], **fields)]

    def _finish(self, ctx: Context) -> list:
        """Everything the configuration still owes, once."""
        config = self.config
        if config is None or config["emitted"]:
            return []
        out = self._close_section(ctx)
        config["emitted"] = True
        if config["typed"] and not (config["sections"] or config["global"]["seen"] or config["voice"]["seen"]):
            return out  # only `crypto pki enroll` and the like were typed: no configuration seen
        kind, span = config["kind"], {"first_line": config["first"], "last_line": config["last"]}
        out.append(ctx.fact("config.present", **span, config=kind, partial=config["partial"], filter=config["filter"],
                            hostname=config["hostname"], version=config["version"], lines=config["lines"],
                            **self._origin()))
        if not config["partial"] or config["global"]["seen"]:
            out.append(ctx.fact("config.global", **span, config=kind, partial=config["partial"], hostname=config["hostname"],
                                **self._typed_fields(config["global"], new_global(), set(config["global"]["explicit"]))))
        if not config["partial"] or config["voice"]["seen"]:
            out.append(ctx.fact("config.voice", **span, config=kind, partial=config["partial"],
                                **self._typed_fields(config["voice"], new_voice())))
        return out

    def _origin(self) -> dict:
        return {"origin": "typed"} if self.config["typed"] else {}

    def _typed_fields(self, fields: dict, defaults: dict, negated: set = frozenset()) -> dict:
        """A section's fields; typed, those still at their default (and not typed
        as `no ...`) are unknown (None)."""
        out = {k: v for k, v in fields.items() if k != "seen"}
        if self.config["typed"]:
            out = {k: None if v == defaults[k] and k not in negated else v for k, v in out.items()}
            out.update(self._origin())
        return out


# -- sections ----------------------------------------------------------------------------

def _section_of(text: str, rec: Record | None = None) -> dict | None:
    for prefix, kind in _SECTIONS:
        if text.startswith(prefix) or text == prefix.strip():
            rest = text[len(prefix):].strip()
            section = {"kind": kind, "fields": new_fields(kind, rest), "first": rec.first_line if rec else 0,
                       "last": rec.last_line if rec else 0, "raw": list(rec.lines) if rec else [], "certs": [],
                       "cert": None, "negated": set()}
            return section
    return None


def _new_config_state(kind: str, filter_text: str | None, rec: Record, section: dict | None, typed: bool = False) -> dict:
    return {"kind": kind, "filter": filter_text, "partial": bool(filter_text) or typed, "typed": typed, "ended": False,
            "emitted": False, "sections": 0, "lines": 0, "first": rec.first_line, "last": rec.last_line, "section": section,
            "global": new_global(), "voice": new_voice(), "hostname": None, "version": None}
