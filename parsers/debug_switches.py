"""The confirmations IOS prints when a debug is switched on or off
(`EPHONE registration debugging is enabled`), so that a capture that contains
them is fully accounted for and rules can see which debugs were running."""
from __future__ import annotations

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import match_shapes, shape

_STATES = {"enabled": "debug.enabled", "on": "debug.enabled", "disabled": "debug.disabled", "off": "debug.disabled"}
SHAPES = (
    # EPHONE registration debugging is enabled      Credentials server debugging is enabled
    # Crypto PKI Trans debugging is on              CAPF server all debugging is off
    shape("debug", r"(?P<subsystem>[A-Za-z][\w .\-/]{0,60}?) debugging (?:is )?(?P<state>enabled|disabled|on|off)\.?$"),
    # All possible debugging has been turned off
    shape("debug.disabled", r"All possible debugging has been turned (?P<state>off)$", subsystem="all"),
)


class DebugSwitchParser(LineParser):
    name = "debug-toggle"
    description = "debug on/off confirmations (`... debugging is enabled`)"
    keywords = ("debugging",)
    priority = 60

    def parse(self, rec: Record, ctx: Context):
        found = match_shapes(SHAPES, rec.text)
        if found is None:
            return None
        _, fields = found
        state = fields.pop("state")
        return [ctx.event(_STATES[state], rec, text=rec.text, **fields)]
