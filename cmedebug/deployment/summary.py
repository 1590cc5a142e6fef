"""The derived fields of a device as (label, text) rows, with where each came from.

The triage note and the HTML report print these same rows, so they cannot
disagree with each other, nor with the rules, which read the same view.
"""
from __future__ import annotations

from cmedebug.deployment.views import FUNCTION_USES, Sourced


def sourced_text(value: Sourced) -> str:
    """'encrypted (config.telephony_service at cfg.txt:12); the evidence disagrees: none in ...'."""
    if value.value is None:
        return "not in the evidence"
    text = f"{value.value}" + (f" ({value.item.kind} at {value.item.source})" if value.item is not None else "")
    others = "; ".join(f"{other} in {item.kind} at {item.source}" for other, item in value.conflicts)
    return text + (f"; the evidence disagrees: {others}" if others else "")


def rows(device) -> list[tuple[str, str]]:
    """What the view says about one device, each value with its evidence."""
    out = [("inputs", ", ".join(device.files) or "none")]
    if device.joined_by:
        out.append(("joined by", "; ".join(dict.fromkeys(device.joined_by))))
    clock = device.clock
    if clock is not None:
        believed = f", believed {clock.believed_time:%Y-%m-%d %H:%M:%S %Z}" if clock.believed_time else ""
        out.append(("clock", clock.state + believed))
    if device.security_mode.value is not None or device.telephony.config or device.telephony.security_info:
        out.append(("device security mode", sourced_text(device.security_mode)))
    for function, label in device.functions.items():
        if label.value is None:
            continue
        tp = device.trustpoints.get(label.value)
        serial = f", certificate SN {tp.serial}" if tp is not None and tp.serial else ", no certificate seen"
        out.append((f"{FUNCTION_USES[function]} trustpoint", sourced_text(label) + serial))
    if device.capf.auth_mode.value is not None:
        out.append(("CAPF auth mode", sourced_text(device.capf.auth_mode)))
    current = device.trust_lists.current
    if current is not None:
        out.append(("CTL", f"{current.path}: {len(current.records)} record(s)"))
    if device.ca_servers:
        sources: dict[str, list[str]] = {}  # a server seen in the config, show output and log: one entry
        for f in device.ca_servers:
            sources.setdefault(f.fields.get("name") or "?", []).append(str(f.source))
        out.append(("CA servers", ", ".join(f"{name} ({'; '.join(where)})" for name, where in sources.items())))
    if device.phones:
        out.append(("phones", ", ".join(sorted(device.phones))))
    return out
