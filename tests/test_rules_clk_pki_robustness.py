"""The CLK and PKI rules read facts and events whose fields may be missing, None or
of an odd type (a parser states only what the evidence printed), and a clock model
that may know nothing: they must never raise on such input, and when half-filled
evidence is enough to judge, they must still report it."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from cmedebug import clock, engine
from cmedebug.model import Case, Event, Fact, SourceRef
from rule_helpers import run_rules_strictly

FAMILIES = ("CLK", "PKI")
OURS = [r.id for r in engine.all_rules() if r.id.startswith(FAMILIES)]
SRC = SourceRef("case.txt", 1, 1)
FACT_KINDS = ("clock.show", "ntp.status", "ntp.association", "config.present", "config.global", "config.pki_server",
              "config.trustpoint", "config.telephony_service", "config.capf_server", "config.ctl_client", "config.ephone",
              "cert", "pki.trustpoint", "pki.server", "pki.server_request", "platform.key", "http.server_status",
              "capf.summary", "ctl_client.summary", "credentials.summary", "telephony.security_info")
EVENT_KINDS = ("pki.cert.invalid_expired", "pki.cert.invalid_not_yet_valid", "pki.clock.non_authoritative",
               "sys.clock.updated", "pki.cs.enabled", "pki.cs.disabled", "pki.cs.startup_trustpoint_missing",
               "pki.enroll.request_sent", "pki.enroll.pending", "pki.enroll.failed", "pki.enroll.rejected",
               "pki.enroll.cert_received", "pki.ca.socket_send_failed", "pki.ca_cert.receive_failed",
               "pki.ca.not_authenticated", "pki.trustpoint.locked", "pki.scep.request", "pki.status", "pki.pkcs7.error",
               "pki.pkcs12.import_failed", "pki.pkcs12.imported", "pki.crl.fetch_failed", "pki.key.generating",
               "crypto.key.autogen", "ctl_client.signed", "ctl_client.record_requested", "capf.keygen.requested",
               "capf.auth.result", "pki.opssl.verifying", "tls.handshake.started", "tls.handshake.failed",
               "phone.status.cert_key_size_not_fips")
WHEN = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
PAST = datetime(2002, 3, 1, 0, 40, tzinfo=timezone.utc)
# values a parser may leave in a field: absent, None, empty, an odd type
ODD = ({}, {"x": None}, {"serial": None, "trustpoint": "", "trustpoints": None, "servers": None, "reason": None,
                         "time": None, "not_after": None, "not_before": None, "clock_timezone": None, "name": None})
# the values that make the rules fire, with everything else missing
HALF = {"time": PAST, "flag": "*", "synchronised": False, "not_before": WHEN, "not_after": PAST, "old_time": PAST,
        "new_time": WHEN, "serial": "1F", "status": "disabled", "state": "pending", "grant_mode": "manual",
        "grant_auto": False, "shutdown": True, "http_server": False, "enabled": False, "partial": False,
        "enrollment_url": "http//10.1.1.1", "enrollment_mode": "terminal", "revocation_check": [], "auto_enroll": False,
        "ca_authenticated": False, "keys_generated": False, "error": "E_ENCRYPT_ALG_NOT_SUPPORTED", "key_size": 512,
        "signature_length": 64, "auth_mode": 4, "secure_signaling_trustpoint": "cme-tls", "name": "cme-tls",
        "trustpoints": ["cme-tls"], "role": "id", "ca_cert_expires": PAST, "database_url": "tftp://10.1.1.5/",
        "clock_timezone": {"name": "PST", "hours": -8, "minutes": 0}, "reason": "certificate has expired"}


def _case(fields: dict) -> Case:
    case = Case()
    case.facts = [Fact(kind, SRC, fields=dict(fields)) for kind in FACT_KINDS]
    case.events = [Event(kind, SRC, ts=WHEN, fields=dict(fields)) for kind in EVENT_KINDS]
    clock.build_clock_model(case)
    case.reference_time = clock.reference_time(case)
    return case


@pytest.mark.parametrize("fields", [*ODD, HALF], ids=["absent", "none", "empty", "half"])
def test_rules_survive_missing_fields(fields):
    findings = run_rules_strictly(_case(fields), only=OURS)
    assert all(f.message and f.rule_id in OURS for f in findings)


def test_half_filled_evidence_still_reaches_the_rules():
    fired = {f.rule_id for f in run_rules_strictly(_case(HALF), only=OURS)}
    assert {"CLK001", "CLK002", "PKI002", "PKI004", "PKI006", "PKI008", "PKI009", "PKI013", "PKI015", "PKI020"} <= fired, \
        sorted(fired)


def test_rules_survive_each_kind_alone():
    for kind, fields in itertools.product(FACT_KINDS + EVENT_KINDS, (*ODD, HALF)):
        case = Case()
        item = (Fact if kind in FACT_KINDS else Event)(kind, SRC, fields=dict(fields))
        (case.facts if kind in FACT_KINDS else case.events).append(item)
        clock.build_clock_model(case)
        run_rules_strictly(case, only=OURS)  # fails on a rule that cannot handle the gap


def test_every_rule_is_evaluated_or_says_what_to_collect():
    case = Case()
    run_rules_strictly(case, only=OURS)
    skipped = [o for o in case.outcomes if o.status == "not_evaluated"]
    assert {o.rule_id for o in case.outcomes} == set(OURS)
    assert all(o.collect for o in skipped), [o.rule_id for o in skipped if not o.collect]
