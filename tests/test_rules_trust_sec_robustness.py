"""The CTL, CFG, CAPF, TLS, PLAT and LIM rules read facts and events whose fields
may be missing or None (a parser states only what the evidence printed): they
must never raise on such input, and what they report must still name what it saw."""
from __future__ import annotations

import itertools

import pytest

from cmedebug import engine
from cmedebug.model import Case, Event, Fact, SourceRef
from rule_helpers import run_rules_strictly

FAMILIES = ("CTL", "CFG", "CAPF", "TLS", "PLAT", "LIM")
OURS = [r.id for r in engine.all_rules() if r.id.startswith(FAMILIES)]
SRC = SourceRef("case.txt", 1, 1)
FACT_KINDS = ("config.present", "config.telephony_service", "config.ctl_client", "config.capf_server", "config.ephone",
              "config.dial_peer", "config.voice", "config.dhcp_pool", "telephony.security_info", "ctl_client.summary",
              "capf.summary", "capf.session", "capf.auth_string", "ephone.status", "ephone.socket", "cert",
              "pki.trustpoint", "platform.version", "platform.license", "ctl.file", "ctl.record", "phone.config",
              "crosscheck.cme_record", "crosscheck.capf_record", "crosscheck.config_signer",
              "crosscheck.sast_continuity", "crosscheck.ctl_age")
EVENT_KINDS = ("capf.session.started", "capf.tls.handshake_error", "capf.auth.result", "capf.keygen.requested",
               "capf.message", "capf.session.released", "tls.handshake.started", "tls.handshake.error",
               "tls.handshake.failed", "pki.opssl.verifying", "tftp.request", "tftp.error_sent",
               "phone.status.trust_list_update_failed", "phone.status.file_auth_failed", "ctl_client.created",
               "ctl_client.record_requested", "ctl_client.signed", "ephone.registered", "crypto.key.added",
               "phone.tftp.server")
# values a parser may leave in a field: absent, None, empty, an odd type
ODD = ({}, {"x": None}, {"mac": None, "serial": None, "trustpoint": "", "servers": None, "reason": None})
# the values that make the rules fire, with everything else missing
HALF = {"device_security_mode": "encrypted", "partial": False, "registered": True, "secure_listen_fd": -1,
        "verdict": "invalid", "match": False, "serial_match": True, "auth_mode": 1, "msgtype": 4, "function": 0,
        "file_type": "ctl", "signature_length": 128, "key_size": 512, "phone_key_size": 512, "image": "c.bin",
        "feature": "uck9", "active": False, "session_protocol": "sipv2", "dtmf_relay": ["rtp-nte", "sip-notify"],
        "video": True, "moh": "m.au", "voicemail": "7000", "option_150": ["10.9.9.9"], "ip_source_address": "10.1.1.1",
        "signer_in_previous": False, "cnf_file_perphone": False, "conference_hardware": False, "fax_protocol": "t38",
        "load_cfg_files": [{"alias": "R.xml", "sign": False}], "state": "AWAIT-KEYGEN-RES", "kind": "ctl",
        "sast_serials": ["5"], "cert_oper": None, "capf_auth_mode": 3, "enrolled": False, "peer_ip": "10.1.1.21",
        "service": "skinny-secure"}


def _case(fields: dict) -> Case:
    case = Case()
    case.facts = [Fact(kind, SRC, fields=dict(fields)) for kind in FACT_KINDS]
    case.events = [Event(kind, SRC, fields=dict(fields)) for kind in EVENT_KINDS]
    return case


@pytest.mark.parametrize("fields", [*ODD, HALF], ids=["absent", "none", "empty", "half"])
def test_rules_survive_missing_fields(fields):
    findings = run_rules_strictly(_case(fields), only=OURS)
    assert all(f.message and f.rule_id in OURS for f in findings)


def test_half_filled_evidence_still_reaches_the_rules():
    fired = {f.rule_id for f in run_rules_strictly(_case(HALF), only=OURS)}
    assert {"TLS001", "LIM007", "LIM003", "CFG006", "CFG008", "CAPF006"} <= fired, sorted(fired)


def test_rules_survive_each_kind_alone():
    for kind, fields in itertools.product(FACT_KINDS + EVENT_KINDS, (*ODD, HALF)):
        case = Case()
        item = (Fact if kind in FACT_KINDS else Event)(kind, SRC, fields=dict(fields))
        (case.facts if kind in FACT_KINDS else case.events).append(item)
        run_rules_strictly(case, only=OURS)  # fails on a rule that cannot handle the gap


def test_every_rule_is_evaluated_or_says_what_to_collect():
    case = Case()
    run_rules_strictly(case, only=OURS)
    skipped = [o for o in case.outcomes if o.status == "not_evaluated"]
    assert {o.rule_id for o in case.outcomes} == set(OURS)
    assert all(o.collect for o in skipped), [o.rule_id for o in skipped if not o.collect]
