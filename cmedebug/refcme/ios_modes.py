"""The IOS command modes the reference CME's CLI enforces, and the commands it knows in each.

Modes, prompts and dialogs follow ``shared/domain/ios-commands.md`` (section 1
for prompts, section 2 for the mode of each command, section 3 for dialogs D1..D12).
Each row is ``pattern -> modes, mode entered, dialog, action``; a pattern is
words, ``{slot}`` (one word), ``{slot*}`` (the rest of the line, possibly empty)
and ``{a|b}`` (one of these words). ``action`` names the handler in
``cmedebug.refcme.ios_actions``; a row without one is accepted and changes
nothing the model tracks. ``negatable`` rows also accept a ``no`` form.
"""
from __future__ import annotations

from dataclasses import dataclass

# mode -> the text IOS puts between the hostname and '#' (ios-commands.md §1: real transcripts).
PROMPTS = {
    "exec": "", "config": "(config)", "cs-server": "(cs-server)", "ca-trustpoint": "(ca-trustpoint)",
    "config-cert-chain": "(config-cert-chain)", "config-ctl-client": "(config-ctl-client)",
    "config-credentials": "(config-credentials)", "config-capf-server": "(config-capf-server)",
    "config-telephony": "(config-telephony)", "config-ephone": "(config-ephone)",
    "config-register-global": "(config-register-global)", "config-cm-fallback": "(config-cm-fallback)",
}
SUBMODES = tuple(m for m in PROMPTS if m not in ("exec", "config"))


@dataclass(frozen=True)
class Command:
    pattern: str
    modes: tuple[str, ...]
    enters: str | None = None
    dialog: str | None = None  # D1..D12 of ios-commands.md §3, or a note where the dialog is inferred
    action: str | None = None
    negatable: bool = True

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.pattern.split())


def _rows(modes: tuple[str, ...], *rows) -> list[Command]:
    out = []
    for row in rows:
        pattern, extra = (row, {}) if isinstance(row, str) else row
        out.append(Command(pattern, modes, **extra))
    return out


EXEC, CONFIG = ("exec",), ("config",)
COMMANDS: list[Command] = [
    *_rows(EXEC,
           ("configure terminal", {"enters": "config", "negatable": False}),
           ("crypto pki server {ca} grant {which}", {"action": "grant", "negatable": False}),
           ("crypto pki server {ca} {op|reject|remove} {which}", {"action": "reject_or_remove", "negatable": False}),
           ("crypto pki server {ca} {op|revoke|info} {rest*}", {"negatable": False}),
           ("clock set {time} {day} {month} {year}", {"action": "clock_set", "negatable": False}),
           ("calendar set {rest*}", {"negatable": False}),
           ("show {what*}", {"action": "show", "negatable": False}),
           ("ping {target} {rest*}", {"action": "ping", "negatable": False}),
           ("debug {what*}", {"negatable": False}),
           ("undebug {what*}", {"negatable": False}),
           ("copy running-config startup-config", {"action": "write", "negatable": False}),
           ("copy {source} {destination}", {"dialog": "copy (inferred: IOS confirms the destination file name)",
                                            "action": "copy", "negatable": False}),
           ("write memory", {"action": "write", "negatable": False}),
           ("delete {file}", {"dialog": "delete (inferred: IOS confirms the file name)", "action": "delete",
                              "negatable": False}),
           ("mkdir {dir}", {"dialog": "mkdir (inferred: IOS confirms the directory name)", "action": "mkdir",
                            "negatable": False}),
           ("reload {rest*}", {"dialog": "D11", "action": "reload", "negatable": False})),
    *_rows(CONFIG,
           "hostname {name}",
           ("ip http server", {"action": "http_server"}),
           "ip http secure-server", "ip http secure-trustpoint {tp}", "ip http authentication {rest*}",
           "ip http access-class {rest*}", "ip domain name {name}", "ip domain-name {name}",
           "clock timezone {rest*}", "clock summer-time {rest*}", "clock calendar-valid",
           ("ntp server {ip} {rest*}", {"action": "ntp_server"}),
           "ntp master {rest*}", "ntp source {rest*}", "ntp authenticate", "ntp authentication-key {rest*}",
           "ntp trusted-key {rest*}", "ntp update-calendar",
           ("crypto pki server {ca}", {"enters": "cs-server", "action": "cs_server"}),
           ("crypto pki trustpoint {tp}", {"enters": "ca-trustpoint", "action": "trustpoint"}),
           ("crypto pki certificate chain {tp}", {"enters": "config-cert-chain"}),
           ("crypto pki authenticate {tp}", {"dialog": "D3", "action": "authenticate", "negatable": False}),
           ("crypto pki enroll {tp}", {"dialog": "D4", "action": "enroll", "negatable": False}),
           ("crypto pki import {tp} certificate", {"dialog": "D7", "negatable": False}),
           ("crypto pki export {tp} {rest*}", {"action": "export", "negatable": False}),
           ("crypto pki crl request {tp}", {"negatable": False}),
           ("crypto key generate rsa {rest*}", {"dialog": "D9", "action": "keygen", "negatable": False}),
           ("crypto key zeroize rsa {rest*}", {"negatable": False}),
           ("crypto key export rsa {rest*}", {"dialog": "D10", "negatable": False}),
           "tftp-server {file}",
           ("ctl-client", {"enters": "config-ctl-client"}),
           ("credentials", {"enters": "config-credentials"}),
           ("capf-server", {"enters": "config-capf-server"}),
           ("telephony-service", {"enters": "config-telephony", "negatable": False}),
           ("ephone {tag}", {"enters": "config-ephone", "action": "ephone"}),
           ("ephone-dn {rest*}", {"negatable": False}),
           ("voice register global", {"enters": "config-register-global", "dialog": "D12 (no form)"}),
           ("call-manager-fallback", {"enters": "config-cm-fallback"}),
           "key config-key password-encrypt {rest*}", "password encryption aes"),
    *_rows(("cs-server",),
           "database level {level|minimal|names|complete}",
           ("database url {url}", {"action": "ca_database_url"}),
           "database archive {rest*}", ("issuer-name {dn*}", {"action": "ca_issuer_name"}),
           ("grant auto", {"dialog": "D1", "action": "ca_grant_auto"}),
           "grant none", "grant ra-auto",
           ("lifetime certificate {days}", {"action": "ca_lifetime"}),
           ("lifetime ca-certificate {days}", {"action": "ca_lifetime"}),
           "lifetime crl {hours}",
           ("auto-rollover {rest*}", {"action": "ca_auto_rollover"}),
           "cdp-url {url}", "hash {alg}", "mode ra",
           ("shutdown", {"dialog": "D2 (no form)", "action": "ca_shutdown"})),
    *_rows(("ca-trustpoint",),
           ("enrollment url {url}", {"action": "tp_enrollment_url"}),
           ("enrollment terminal {rest*}", {"action": "tp_enrollment_terminal"}),
           ("enrollment selfsigned", {"dialog": "D6"}),
           ("revocation-check {methods*}", {"action": "tp_revocation"}),
           ("rsakeypair {label} {sizes*}", {"action": "tp_rsakeypair"}),
           ("serial-number {rest*}", {"action": "tp_serial_number"}), ("ip-address {rest*}", {"action": "tp_ip_address"}),
           ("subject-name {dn*}", {"action": "tp_subject_name"}), "fqdn {rest*}",
           "password {rest*}", "hash {alg}", "auto-enroll {rest*}", "usage {rest*}"),
    *_rows(("config-ctl-client",),
           ("sast1 trustpoint {tp}", {"action": "ctl_sast"}),
           ("sast2 trustpoint {tp}", {"action": "ctl_sast"}),
           ("server {kind|capf|cme|cme-tftp|tftp} {ip} trustpoint {tp}", {"action": "ctl_server"}),
           "server cme {ip} username {rest*}", "server application {ip} trustpoint {tp}",
           "import certificate {rest*}",
           ("regenerate", {"action": "ctl_regenerate"})),
    *_rows(("config-credentials",),
           "ip source-address {rest*}", "trustpoint {tp}", "ctl-service admin {rest*}"),
    *_rows(("config-capf-server",),
           ("trustpoint-label {tp}", {"action": "capf_trustpoint"}),
           ("cert-enroll-trustpoint {tp} password {kind} {secret}", {"action": "capf_ca_trustpoint"}),
           "source-addr {ip}",
           ("auth-mode {mode|auth-string|LSC|MIC|none|null-string}", {"action": "capf_auth_mode"}),
           ("auth-string {op|delete|generate} {which} {digits*}", {"action": "capf_auth_string"}),
           ("phone-key-size {bits|512|1024|2048}", {"action": "capf_number"}),
           ("port {port}", {"action": "capf_number"}),
           ("keygen-retry {count}", {"action": "capf_number"}),
           ("keygen-timeout {minutes}", {"action": "capf_number"}),
           ("cert-oper {op|delete|fetch|upgrade} all", {"action": "capf_cert_oper"})),
    *_rows(("config-telephony",),
           ("secure-signaling trustpoint {tp}", {"action": "secure_signaling"}),
           ("tftp-server-credentials trustpoint {tp}", {"action": "tftp_credentials"}),
           ("device-security-mode {mode|authenticated|none|encrypted}", {"action": "security_mode"}),
           "server-security-mode {mode|erase|non-secure|secure}",
           "cnf-file {how|perphonetype|perphone}",
           ("create cnf-files", {"action": "create_cnf_files", "negatable": False}),
           ("load {type} {firmware}", {"action": "telephony_load"}),
           "load-cfg-file {rest*}", "ip source-address {rest*}", "max-ephones {n}", "max-dn {n}",
           "conference hardware", "reset {rest*}", "restart {rest*}"),
    *_rows(("config-ephone",),
           ("device-security-mode {mode|authenticated|none|encrypted}", {"action": "security_mode"}),
           ("capf-auth-str {digits}", {"action": "ephone_auth_str"}),
           ("cert-oper {op|delete|fetch|upgrade} auth-mode {mode|auth-string|LSC|MIC|null-string}",
            {"action": "ephone_cert_oper"}),
           "capf-ip-in-cnf", "mac-address {mac}", "type {rest*}", "button {rest*}", "codec {rest*}",
           "reset", "restart"),
    *_rows(("config-register-global",), "service https", "security-policy secure"),
    *_rows(("config-cm-fallback",), "transport-tcp-tls {version} {rest*}"),
]


def prompt(hostname: str, mode: str) -> str:
    return f"{hostname}{PROMPTS[mode]}#"


def commands_in(mode: str) -> list[Command]:
    return [c for c in COMMANDS if mode in c.modes]


def match_words(pattern: tuple[str, ...], typed: list[str]) -> tuple[dict[str, str] | None, int]:
    """(slots, words matched): slots is None when ``typed`` is not this command; the count
    says how far it got (IOS puts its '^' under the first word it could not take)."""
    slots: dict[str, str] = {}
    for i, token in enumerate(pattern):
        if token.startswith("{") and token.endswith("*}"):
            slots[token[1:-2]] = " ".join(typed[i:])
            return slots, len(typed)
        if i >= len(typed):
            return None, i
        word = typed[i]
        if token.startswith("{"):
            key, _, choices = token[1:-1].partition("|")
            if (choices and word not in choices.split("|")) or word.startswith("<"):
                return None, i  # a placeholder never filled is no valid word
            slots[key] = word
        elif word != token:
            return None, i
    return (slots, len(pattern)) if len(typed) == len(pattern) else (None, len(pattern))
