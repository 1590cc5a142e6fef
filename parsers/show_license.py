"""`show license`, `show license feature`, `show license summary`: one
`platform.license` per feature (is `uck9` / `securityk9` active?).

Shapes as ISR G2 (IOS 15.x, `Index N Feature:` blocks and the feature table)
and IOS XE smart licensing (`License Usage:` table) print them.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.show_block import ShowBlockParser, extend_fact, key_value

# Index 1 Feature: ipbasek9
_INDEX = re.compile(r"Index \d+ Feature: (?P<feature>\S+)")
# Period left: Life time      License Type: Permanent      License State: Active, In Use      License Priority: Medium
_INDEX_KEYS = {"license type": "license_type", "license state": "state"}
_INDEX_OTHER = {"period left", "period used", "license count", "license priority", "store index", "store name"}
# Feature name             Enforcement  Evaluation  Subscription   Enabled  RightToUse
_FEATURE_HEADER = re.compile(r"Feature name +Enforcement +Evaluation +Subscription +Enabled +RightToUse$")
# uck9                     yes          yes         no             yes      yes
_FEATURE_ROW = re.compile(r"(?P<feature>\S+) +(?:yes|no) +(?:yes|no) +(?:yes|no) +(?P<enabled>yes|no) +(?:yes|no)$")
# License Usage:      License     Entitlement tag     Count Status      ------
_USAGE_HEADER = re.compile(r"License Usage:$|License +Entitlement [Tt]ag +Count +Status$|-{10,}$")
#   uck9                    (ISR_4451_UnifiedCommun...)       1 IN USE
_USAGE_ROW = re.compile(r"(?P<feature>\S+) +\((?P<tag>[^)]*)\) +(?P<count>\d+) +(?P<status>[A-Z][A-Z ]*)$")


def _index_active(state: str | None) -> bool | None:
    if not state:
        return None
    return state.startswith("Active") and "Not in Use" not in state


class ShowLicenseParser(ShowBlockParser):
    name = "show-license"
    description = "show license / show license feature / show license summary"
    # R1#show license feature
    commands = (r"sh\w* lic\w*",)
    block_start = re.compile(r"Index \d+ Feature: |Feature name +Enforcement|License Usage:$")

    def __init__(self) -> None:
        super().__init__()
        self.index = None

    def take(self, text, rec: Record, ctx: Context):
        if m := _INDEX.match(text):
            done = self.flush(ctx)
            self.index = ctx.fact("platform.license", rec, feature=m.group("feature"), technology=None, state=None,
                                  license_type=None, next_reboot=None, active=None, command="show license")
            return done
        if _FEATURE_HEADER.match(text) or _USAGE_HEADER.match(text):
            return self.flush(ctx)
        if m := _FEATURE_ROW.match(text):
            return self.flush(ctx) + [ctx.fact(
                "platform.license", rec, feature=m.group("feature"), technology=None, state=None, license_type=None,
                next_reboot=None, active=m.group("enabled") == "yes", command="show license feature")]
        if m := _USAGE_ROW.match(text):
            status = m.group("status").strip()
            return self.flush(ctx) + [ctx.fact(
                "platform.license", rec, feature=m.group("feature"), technology=None, state=status,
                license_type=None, next_reboot=None, active=status in ("IN USE", "AUTHORIZED"),
                command="show license summary")]
        kv = key_value(text)
        if self.index is None or kv is None or not (kv[0] in _INDEX_KEYS or kv[0] in _INDEX_OTHER):
            return None
        if kv[0] in _INDEX_KEYS:
            self.index.fields[_INDEX_KEYS[kv[0]]] = kv[1]
            self.index.fields["active"] = _index_active(self.index.fields["state"])
        extend_fact(self.index, rec)
        return []

    def flush(self, ctx: Context):
        index, self.index = self.index, None
        return [index] if index is not None else []
