"""Foreign wrappers around IOS lines (issue #14 class 8).

Captures reach us through other tools: an automation tool's logger, `tcpdump -A`
printing syslog packets, a relay that prefixes the sender, a syslog server's
export. `unwrap` returns the IOS part of such a line (with its own stamp) and the
sender the wrapper names, or None; framing calls it only for lines whose start
matched no IOS prefix, so ordinary lines never pay for it.
"""
from __future__ import annotations

import re

# 2023-06-22 21:02:23,500: tool DEBUG *Mar  1 00:03:47.483: CRYPTO_PKI: ...   (automation tool logger, issue #14)
# 2023-06-22 21:02:23,500 - netmiko - DEBUG - Router#show clock
_TOOL_LOG = re.compile(
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[,.]\d{1,6})?:?(?: +-)? +(?:\[?[\w.\-]{1,40}\]?(?: +-)? +)?"
    r"(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)(?: +-| *:)? (?P<rest>\s*\S.*)$")  # rest: with its indentation
# E..l.K@.?.......(.....<189>27: *Mar  1 00:01:02.123: %SYS-...   (`tcpdump -A`: payload after the
# packet headers, non-printable bytes shown as '.')
_TCPDUMP = re.compile(r"(?P<junk>[^<\s]{0,200}?)(?P<rest><\d{1,3}>.*)$")
# AP:00a2.891c.2140: *Mar  1 00:00:38.175: %DTLS-...     AP:00:a2:89:1c:21:40: ...   (a relay naming the AP)
_AP_RELAY = re.compile(r"(?P<host>AP:?(?:[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}|(?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2})):"
                       r" *(?P<rest>\S.*)$")
# 2023-06-22 21:02:23<TAB>Local7.Debug<TAB>10.1.1.1<TAB>123: *Mar ...   (a syslog server's tab-separated export)
_EXPORT = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S*\t(?:[^\t]{1,40}\t){1,3}(?P<host>[^\t]{1,64})\t(?P<rest>\S.*)$")


def unwrap(line: str) -> tuple[str, str | None] | None:
    """(the IOS line inside, the sender the wrapper names or None), or None."""
    first = line[:1]
    if first.isdigit():
        m = _EXPORT.match(line)
        if m:
            return m.group("rest"), m.group("host")
        m = _TOOL_LOG.match(line)
        if m:
            return m.group("rest"), None
    if first == "A":
        m = _AP_RELAY.match(line)
        if m:
            return m.group("rest"), m.group("host")
    if "<" in line:
        m = _TCPDUMP.match(line)
        if m and m.group("junk").count(".") >= 3:
            return m.group("rest"), None
    return None
