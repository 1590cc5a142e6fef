"""Debug switches: the `debug ...` / `undebug ...` / `no debug ...` commands a
capture shows, and the confirmations IOS prints (`EPHONE registration debugging
is enabled`), so that rules can see which debugs were running.

The command event is located at the prompt line (ingest hands the prompt to
``start_block``) and emitted when the block ends (the records of the block
belong to other parsers). Captures copied from documentation join the prompt
and the first output line (`Router# debug credentials Credentials server
debugging is enabled`): the command is the lower-case words after `debug`; a
joined confirmation is read here, a joined log message is split off by framing,
and any other joined output is reported as a warning, because it is not analysed.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import NO_MESSAGE, Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import match_shapes, norm_mac, shape

_STATES = {"enabled": "debug.enabled", "on": "debug.enabled", "disabled": "debug.disabled", "off": "debug.disabled"}
SHAPES = (
    # EPHONE registration debugging is enabled      Credentials server debugging is enabled
    # Crypto PKI Trans debugging is on              CAPF server all debugging is off
    shape("debug", r"(?P<subsystem>[A-Za-z][\w .\-/]{0,60}?) debugging (?:is )?(?P<state>enabled|disabled|on|off)\.?$"),
    # All possible debugging has been turned off
    shape("debug.disabled", r"All possible debugging has been turned (?P<state>off)$", subsystem="all"),
)
# debug ephone register mac-address 0030.94c3.8724     undebug all     no debug credentials
_COMMAND = re.compile(r"(?P<off>no +|un)?deb(?:ug)? +(?P<words>.*)$", re.I)
# debug ephone register mac-address 0030.94c3.8724
_MAC_FILTER = re.compile(r"mac-address (\S+)")
# where joined output starts: a capitalised word, a sequence number, a stamp or a syslog:
# debug capf-server all 001891: .Jul 21 18:17:07.014: ...     debug credentials Credentials server debugging is enabled
_OUTPUT_START = re.compile(r"[A-Z*%]|\d+:|\.[A-Z][a-z]{2} ")


class DebugSwitchParser(LineParser):
    name = "debug-toggle"
    description = "debug / undebug commands and their confirmations (`... debugging is enabled`)"
    keywords = ("debugging",)
    commands = (r"(?:no +|un)?deb(?:ug)?",)
    priority = 60

    def __init__(self) -> None:
        self.pending: list = []

    def start_block(self, rec: Record, ctx: Context):
        self.pending.extend(self._command(ctx.command or "", rec.first_line, ctx))
        return []

    def parse(self, rec: Record, ctx: Context):
        found = match_shapes(SHAPES, rec.text) if "debugging" in rec.text else None
        if found is None:
            return None
        return [self._confirmation(found, rec, ctx)]

    def end_block(self, ctx: Context):
        out, self.pending = self.pending, []
        return out

    reads_messages = NO_MESSAGE  # (but those that say 'debugging')

    def ignores_message(self, body: str) -> bool:
        return "debugging" not in body

    @staticmethod
    def _confirmation(found, rec: Record, ctx: Context):
        _, fields = found
        state = fields.pop("state")
        return ctx.event(_STATES[state], rec, text=rec.text, **fields)

    def _command(self, command: str, line: int, ctx: Context) -> list:
        m = _COMMAND.match(command)
        if m is None or line < 1:
            return []
        words = m.group("words").split()
        cut = next((i for i, w in enumerate(words) if _OUTPUT_START.match(w)), len(words))
        subsystem, tail = " ".join(words[:cut]), " ".join(words[cut:])
        at_prompt = Record(line, line, [], command)
        event = ctx.event("debug.disabled" if m.group("off") else "debug.enabled", at_prompt,
                          subsystem=subsystem, command=f"{command[:m.start('words')]}{subsystem}")
        mac_filter = _MAC_FILTER.search(subsystem)
        if mac_filter and norm_mac(mac_filter.group(1)):
            event.fields["mac"] = norm_mac(mac_filter.group(1))
        if tail:
            joined = Record(line, line, [], tail)
            confirmation = match_shapes(SHAPES, tail)
            if confirmation is not None:
                return [event, self._confirmation(confirmation, joined, ctx)]
            ctx.warnings.append(f"{ctx.path}:{line}: output joined to the prompt `{event.fields['command']}` "
                                f"was not analysed: {tail[:120]}")
            event.fields["joined_output"] = tail
        return [event]
