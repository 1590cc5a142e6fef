"""Rules read facts and events whose fields may be missing, None or of an odd type
(a parser states only what the evidence printed), and a clock model that may know
nothing: no rule may raise on such input, and when half-filled evidence is enough
to judge, the rules must still report it.

One harness, one evidence profile per group of rules: the kinds they read, the
odd values a parser may leave, and the half-filled values that make them fire.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from cmedebug import clock, engine
from cmedebug.model import Case, Event, Fact, SourceRef
from rule_helpers import run_rules_strictly

SRC = SourceRef("case.txt", 1, 1)
WHEN = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
PAST = datetime(2002, 3, 1, 0, 40, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Profile:
    families: tuple[str, ...]
    fact_kinds: tuple[str, ...]
    event_kinds: tuple[str, ...]
    odd: tuple[dict, ...]  # values a parser may leave in a field: absent, None, empty, an odd type
    half: dict  # the values that make the rules fire, with everything else missing
    fires: frozenset[str]  # rules that half-filled evidence must still reach
    event_time: datetime | None

    @property
    def rules(self) -> list[str]:
        return [r.id for r in engine.all_rules() if r.id.startswith(self.families)]

    def case(self, fields: dict) -> Case:
        case = Case()
        case.facts = [Fact(kind, SRC, fields=dict(fields)) for kind in self.fact_kinds]
        case.events = [Event(kind, SRC, ts=self.event_time, fields=dict(fields)) for kind in self.event_kinds]
        return _with_clocks(case)


def _with_clocks(case: Case) -> Case:
    clock.build_clock_model(case)
    case.reference_time = clock.reference_time(case)
    return case


CLOCK_AND_PKI = Profile(
    families=("CLK", "PKI"),
    fact_kinds=("clock.show", "ntp.status", "ntp.association", "config.present", "config.global", "config.pki_server",
                "config.trustpoint", "config.telephony_service", "config.capf_server", "config.ctl_client",
                "config.ephone", "cert", "pki.trustpoint", "pki.server", "pki.server_request", "platform.key",
                "http.server_status", "capf.summary", "ctl_client.summary", "credentials.summary",
                "telephony.security_info"),
    event_kinds=("pki.cert.invalid_expired", "pki.cert.invalid_not_yet_valid", "pki.clock.non_authoritative",
                 "sys.clock.updated", "pki.cs.enabled", "pki.cs.disabled", "pki.cs.startup_trustpoint_missing",
                 "pki.enroll.request_sent", "pki.enroll.pending", "pki.enroll.failed", "pki.enroll.rejected",
                 "pki.enroll.cert_received", "pki.ca.socket_send_failed", "pki.ca_cert.receive_failed",
                 "pki.ca.not_authenticated", "pki.trustpoint.locked", "pki.scep.request", "pki.status",
                 "pki.pkcs7.error", "pki.pkcs12.import_failed", "pki.pkcs12.imported", "pki.crl.fetch_failed",
                 "pki.key.generating", "crypto.key.autogen", "ctl_client.signed", "ctl_client.record_requested",
                 "capf.keygen.requested", "capf.auth.result", "pki.opssl.verifying", "tls.handshake.started",
                 "tls.handshake.failed", "phone.status.cert_key_size_not_fips"),
    odd=({}, {"x": None}, {"serial": None, "trustpoint": "", "trustpoints": None, "servers": None, "reason": None,
                           "time": None, "not_after": None, "not_before": None, "clock_timezone": None, "name": None}),
    half={"time": PAST, "flag": "*", "synchronised": False, "not_before": WHEN, "not_after": PAST, "old_time": PAST,
          "new_time": WHEN, "serial": "1F", "status": "disabled", "state": "pending", "grant_mode": "manual",
          "grant_auto": False, "shutdown": True, "http_server": False, "enabled": False, "partial": False,
          "enrollment_url": "http//10.1.1.1", "enrollment_mode": "terminal", "revocation_check": [],
          "auto_enroll": False, "ca_authenticated": False, "keys_generated": False,
          "error": "E_ENCRYPT_ALG_NOT_SUPPORTED", "key_size": 512, "signature_length": 64, "auth_mode": 4,
          "secure_signaling_trustpoint": "cme-tls", "name": "cme-tls", "trustpoints": ["cme-tls"], "role": "id",
          "ca_cert_expires": PAST, "database_url": "tftp://10.1.1.5/",
          "clock_timezone": {"name": "PST", "hours": -8, "minutes": 0}, "reason": "certificate has expired"},
    fires=frozenset({"CLK001", "CLK002", "PKI002", "PKI004", "PKI006", "PKI008", "PKI009", "PKI013", "PKI015",
                     "PKI020"}),
    event_time=WHEN,
)

TRUST_AND_SECURITY = Profile(
    families=("CTL", "CFG", "CAPF", "TLS", "PLAT", "LIM"),
    fact_kinds=("config.present", "config.telephony_service", "config.ctl_client", "config.capf_server",
                "config.ephone", "config.dial_peer", "config.voice", "config.dhcp_pool", "telephony.security_info",
                "ctl_client.summary", "capf.summary", "capf.session", "capf.auth_string", "ephone.status",
                "ephone.socket", "cert", "pki.trustpoint", "platform.version", "platform.license", "ctl.file",
                "ctl.record", "phone.config", "crosscheck.cme_record", "crosscheck.capf_record",
                "crosscheck.config_signer", "crosscheck.sast_continuity", "crosscheck.ctl_age"),
    event_kinds=("capf.session.started", "capf.tls.handshake_error", "capf.auth.result", "capf.keygen.requested",
                 "capf.message", "capf.session.released", "tls.handshake.started", "tls.handshake.error",
                 "tls.handshake.failed", "pki.opssl.verifying", "tftp.request", "tftp.error_sent",
                 "phone.status.trust_list_update_failed", "phone.status.file_auth_failed", "ctl_client.created",
                 "ctl_client.record_requested", "ctl_client.signed", "ephone.registered", "crypto.key.added",
                 "phone.tftp.server"),
    odd=({}, {"x": None}, {"mac": None, "serial": None, "trustpoint": "", "servers": None, "reason": None}),
    half={"device_security_mode": "encrypted", "partial": False, "registered": True, "secure_listen_fd": -1,
          "verdict": "invalid", "match": False, "serial_match": True, "auth_mode": 1, "msgtype": 4, "function": 0,
          "file_type": "ctl", "signature_length": 128, "key_size": 512, "phone_key_size": 512, "image": "c.bin",
          "feature": "uck9", "active": False, "session_protocol": "sipv2", "dtmf_relay": ["rtp-nte", "sip-notify"],
          "video": True, "moh": "m.au", "voicemail": "7000", "option_150": ["10.9.9.9"],
          "ip_source_address": "10.1.1.1", "signer_in_previous": False, "cnf_file_perphone": False,
          "conference_hardware": False, "fax_protocol": "t38", "load_cfg_files": [{"alias": "R.xml", "sign": False}],
          "state": "AWAIT-KEYGEN-RES", "kind": "ctl", "sast_serials": ["5"], "cert_oper": None, "capf_auth_mode": 3,
          "enrolled": False, "peer_ip": "10.1.1.21", "service": "skinny-secure"},
    fires=frozenset({"TLS001", "LIM007", "LIM003", "CFG006", "CFG008", "CAPF006"}),
    event_time=None,
)

PROFILES = pytest.mark.parametrize("profile", [CLOCK_AND_PKI, TRUST_AND_SECURITY], ids=["clk-pki", "trust-sec"])


@PROFILES
@pytest.mark.parametrize("which", ["absent", "none", "empty", "half"])
def test_rules_survive_missing_fields(profile, which):
    fields = profile.half if which == "half" else profile.odd[("absent", "none", "empty").index(which)]
    findings = run_rules_strictly(profile.case(fields), only=profile.rules)
    assert all(f.message and f.rule_id in profile.rules for f in findings)


@PROFILES
def test_half_filled_evidence_still_reaches_the_rules(profile):
    fired = {f.rule_id for f in run_rules_strictly(profile.case(profile.half), only=profile.rules)}
    assert profile.fires <= fired, sorted(fired)


@PROFILES
def test_rules_survive_each_kind_alone(profile):
    for kind, fields in itertools.product(profile.fact_kinds + profile.event_kinds, (*profile.odd, profile.half)):
        case = Case()
        is_fact = kind in profile.fact_kinds
        item = (Fact if is_fact else Event)(kind, SRC, fields=dict(fields))
        (case.facts if is_fact else case.events).append(item)
        run_rules_strictly(_with_clocks(case), only=profile.rules)  # fails on a rule that cannot handle the gap


@PROFILES
def test_every_rule_is_evaluated_or_says_what_to_collect(profile):
    case = Case()
    run_rules_strictly(case, only=profile.rules)
    skipped = [o for o in case.outcomes if o.status == "not_evaluated"]
    assert {o.rule_id for o in case.outcomes} == set(profile.rules)
    assert all(o.collect for o in skipped), [o.rule_id for o in skipped if not o.collect]
