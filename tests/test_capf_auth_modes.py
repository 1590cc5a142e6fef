"""The CAPF auth mode that applies to a phone, read once a case for the rules that ask
it of every ephone (CAPF001, CAPF002)."""
from __future__ import annotations

from cmedebug.model import Case, Fact, SourceRef
from cmedebug.rules._trust import configured_capf_auth_modes


def _fact(kind: str, line: int, **fields) -> Fact:
    return Fact(kind=kind, source=SourceRef("cme.cfg", line, line), fields=fields)


def test_the_ephone_s_own_mode_first_then_the_server_s():
    case = Case(facts=[
        _fact("config.ephone", 1, mac="000E325C9A01", cert_oper_auth_mode=None),
        _fact("config.ephone", 2, mac="000E325C9A02", cert_oper_auth_mode="LSC"),
        _fact("config.ephone", 3, mac="000E325C9A02", cert_oper_auth_mode="mic"),  # (the first one counts)
        _fact("capf.summary", 4, auth_mode="auth-string"),
        _fact("config.capf_server", 5, auth_mode="Null-String"),
    ])
    mode_of = configured_capf_auth_modes(case)
    assert mode_of("000E325C9A02") == ("lsc", case.facts[1])
    assert mode_of("000E325C9A01") == ("null-string", case.facts[4])  # (the configuration before the summary)
    assert mode_of(None) == mode_of("") == mode_of("000E325C9AFF") == ("null-string", case.facts[4])
    summary_only = Case(facts=[case.facts[3]])
    assert configured_capf_auth_modes(summary_only)("000E325C9A01") == ("auth-string", case.facts[3])
    assert configured_capf_auth_modes(Case())("000E325C9A01") == (None, None)
