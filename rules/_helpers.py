"""Small helpers shared by rules (formatting real values into messages)."""
from __future__ import annotations

from datetime import datetime, timedelta


def fmt_time(value: datetime | None) -> str:
    """A time as IOS engineers read it: 2026-11-26 10:15:02 UTC."""
    if value is None:
        return "an unknown time"
    return value.strftime("%Y-%m-%d %H:%M:%S ") + (value.tzname() or "")


def fmt_delta(delta: timedelta) -> str:
    """'3 days 4 h 5 min' style, absolute."""
    seconds = int(abs(delta.total_seconds()))
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs and not days:
        parts.append(f"{secs} s")
    return " ".join(parts) or "0 s"


# --- lookups shared by the CTL / CFG / CAPF / TLS / PLAT / LIM rules ---------

SECURE_MODES = ("authenticated", "encrypted")
# capfAuthMode / `AuthMode <n>` numbers (seed article) by `auth-mode` keyword
CAPF_AUTH_MODES = {"none": 0, "auth-string": 1, "null-string": 2, "lsc": 3, "mic": 4}


def facts(case, kind: str) -> list:
    """Facts of exactly this kind, in input order."""
    return [f for f in case.facts if f.kind == kind]


def first_fact(case, *kinds: str):
    """The first fact of the first kind that has one (config before show output, say)."""
    for kind in kinds:
        for f in case.facts:
            if f.kind == kind:
                return f
    return None


def full_config_given(case) -> bool:
    """A whole configuration was provided, so an absent line proves the setting is absent."""
    return any(not f.fields.get("partial") for f in facts(case, "config.present"))


def sep(mac: str | None) -> str:
    return f"SEP{mac}" if mac else "an unknown phone"


def evidence_of(items, limit: int = 5) -> list:
    from cmedebug.model import Evidence

    return [Evidence.of(i) for i in list(items)[:limit]]


def global_security_mode(case):
    """(mode, fact) of telephony-service `device-security-mode` (config first, then
    `show telephony-service security-info`); (None, None) when unknown."""
    for kind in ("config.telephony_service", "telephony.security_info"):
        for f in facts(case, kind):
            mode = (f.fields.get("device_security_mode") or "").lower()
            if mode:
                return mode, f
    return None, None


def ephone_security_modes(case) -> dict:
    """ephone tag -> (effective mode, config.ephone fact): the ephone's own
    `device-security-mode`, else the global one."""
    global_mode, _ = global_security_mode(case)
    modes = {}
    for f in facts(case, "config.ephone"):
        own = (f.fields.get("device_security_mode") or "").lower()
        modes[f.fields.get("ephone")] = (own or global_mode, f)
    return modes


def secure_mode_intended(case) -> bool:
    """The configuration asks at least some phones for authenticated or encrypted mode."""
    global_mode, _ = global_security_mode(case)
    if global_mode in SECURE_MODES:
        return True
    return any(mode in SECURE_MODES for mode, _ in ephone_security_modes(case).values())


def ctl_servers(case) -> tuple[list[dict], object]:
    """The server entries of the CTL client ({role, ip, trustpoint}) and the fact
    they came from: the configuration first, then `show ctl-client`."""
    for kind in ("config.ctl_client", "ctl_client.summary"):
        for f in facts(case, kind):
            return list(f.fields.get("servers") or []), f
    return [], None


def telephony_trustpoint(case, field: str):
    """(trustpoint, fact) of `secure_signaling_trustpoint` or
    `tftp_server_credentials_trustpoint` from the config, else security-info."""
    for kind in ("config.telephony_service", "telephony.security_info"):
        for f in facts(case, kind):
            if field in f.fields:
                return f.fields.get(field), f
    return None, None


def capf_sessions(case) -> list[list]:
    """`debug capf-server` events cut into sessions, each starting at
    `New Connection from phone` (capf.session.started)."""
    sessions: list[list] = []
    for ev in case.events_of("capf"):
        if ev.kind == "capf.session.started" or not sessions:
            sessions.append([])
        sessions[-1].append(ev)
    return sessions


def session_mac(session) -> str | None:
    return next((e.fields["mac"] for e in session if e.fields.get("mac")), None)
