from __future__ import annotations

import re

from cmedebug.engine import Rule
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.remediation import Step
from cmedebug.remediation_context import shown_non_exportable

# crypto pki export cme_root pem terminal      crypto key export rsa cisco1 pem url nvram: 3des <pass>
_EXPORT = re.compile(r"^cry\w* +(?:pki +exp\w* +|key +exp\w* +rsa +)(?P<name>\S+)", re.IGNORECASE)
# the rules whose findings say the CA server must be rebuilt or its certificate renewed
_REBUILD_RULES = ("PKI002", "CLK004")
# `% Generating ... non-exportable...` and `% Certificate Server enabled.` are lines apart in D2
_CS_DIALOG_LINES = 6
# The key replaced and backed up: only as a step of the rebuild or re-key, never with the backup.
REKEY_ONLY = "router, only within the planned CA rebuild or re-key (never on a running CA)"


class NonExportableKeyNeedsBackup(Rule):
    """A key the evidence shows as non-exportable must be exported or backed up.

    What it detects
        A key pair that IOS reports as non-exportable (`Keys generated ...
        Yes (General Purpose, non-exportable)` in `show crypto pki trustpoints
        status`, `Key is not exportable.` in `show crypto key mypubkey rsa`, or
        `% Generating 1024 bit RSA keys, keys will be non-exportable...` in the
        dialog of a certificate server's first `no shutdown`) that belongs to:
        the IOS CA server's own key (the trustpoint of the server's name) on a
        router where PKI002 or CLK004 say the CA certificate is expiring,
        expired or must be built again; or a label for which a typed
        `crypto pki export` / `crypto key export rsa` got a `% ` error answer.

    Why it matters
        IOS makes keys non-exportable unless `exportable` is given when they
        are generated, and that cannot be changed later. The CA's key cannot be
        backed up or moved: a rebuild (or a lost router) means a new CA key,
        new CA certificates, and certificates issued again for every
        trustpoint enrolled with the CA, the phones' LSCs included.

    Evidence
        Corpus 18: `Router(cs-server)#no shutdown` answered by `% Generating
        1024 bit RSA keys, keys will be non-exportable...` and `% Certificate
        Server enabled.`; corpus 32: `Keys generated ............. Yes
        (General Purpose, non-exportable)`; a PKI002 or CLK004 finding on the
        same router, or an export answered by a `% ` error.

    False positives
        A non-exportable key that nothing needs to export is not reported: the
        default is fine for a trustpoint that can simply enrol again. The
        certificate server's key is matched by name (the server, its
        trustpoint and its key share it by default); a key generated in the
        server's dialog is taken as the server's only when the router has one
        certificate server.

    References
        ios-commands.md (`crypto key generate rsa ... [exportable]`, dialog D2,
        D9, D10: export needs keys made `exportable`); Secure CME primer F06
        (ca-cert-expired).
    """

    id = "PKI026"
    name = "non-exportable-key-needs-backup"
    title = "Key that must be backed up is non-exportable"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    tags = ("pki", "keys", "ca")
    requires = ("pki.trustpoint", "platform.key", "pki.key.generating")
    # reads PKI002's and CLK004's findings on the same router
    late = True
    collect = ("show crypto key mypubkey rsa", "show crypto pki trustpoints status", "show crypto pki server")
    remediation = (
        Step("exec", "show crypto key mypubkey rsa {label}",
             why="`Key is not exportable.` confirms it: IOS cannot copy this key off the router"),
        Step("config", "crypto pki export {trustpoint} pem terminal",
             why="the certificates can still be saved, though the key cannot"),
        # Replacing the key is a block of its own: pasted with the backup above, it would end a
        # running CA (and IOS's replace question would take the next line as its answer).
        Step("config", "crypto key generate rsa general-keys label {label} exportable modulus 2048", device=REKEY_ONLY,
             answers=("yes",),
             why="future keys are generated `exportable`; for the CA server, as part of its planned rebuild "
                 "(the PKI002 / CLK004 steps), before the rebuilt server's first `no shutdown`; `yes` answers "
                 "IOS's question whether to replace the keys named {label}",
             warning="a key named {label} exists: IOS asks to replace it, and replacing the CA's key ends the CA: "
                     "new CA certificates, and every trustpoint's certificates issued again (a trustpoint's key: "
                     "its certificate enrolled again). Type it only within the planned rebuild or re-key, never "
                     "on a running CA"),
        Step("config", "crypto key export rsa {label} pem terminal aes {passphrase}", device=REKEY_ONLY,
             why="once the key is exportable: back it up (copy the printed key somewhere safe, off the router)"),
    )
    verify = "Verify with `show crypto key mypubkey rsa {label}` (Key is exportable.)."

    def evaluate(self, case):
        servers = {(f.fields.get("name") or "").lower() for f in case.facts_of("config.pki_server", "pki.server")} - {""}
        rebuilds = [f for f in case.findings if f.rule_id in _REBUILD_RULES and _about_server(f, servers)]
        exports = [ev for ev in case.events_of("console.error") if _EXPORT.match(ev.fields.get("command") or "")]
        reported: set[str] = set()
        for names, item, what in _non_exportable_keys(case, servers):
            label = sorted(names)[0]
            if label in reported:
                continue  # the same key seen twice (the trustpoint status and the server's dialog)
            failed = [ev for ev in exports if _EXPORT.match(ev.fields["command"]).group("name").lower() in names]
            ca = sorted(names & servers)
            if failed:
                why = f"`{failed[0].fields['command']}` was refused (`% {failed[0].fields.get('text')}`)"
                evidence = [Evidence.of(item, what)] + [Evidence.of(ev, "the export IOS refused") for ev in failed[:2]]
            elif ca and rebuilds:
                why = f"the CA certificate must be renewed or the CA built again ({rebuilds[0].rule_id}: " \
                      f"{rebuilds[0].title.lower()})"
                evidence = [Evidence.of(item, what)] + [e for f in rebuilds[:1] for e in f.evidence[:2]]
            else:
                continue
            reported.add(label)
            owner = f"certificate server {ca[0]}'s own key" if ca else f"key {label}"
            consequence = ("it cannot be backed up, so the rebuild means a new CA key, new CA certificates and "
                           "certificates issued again for every trustpoint enrolled with it") if ca else \
                ("it cannot be exported or backed up; only a key generated again with `exportable` can")
            yield self.finding(f"The {owner} is non-exportable and {why}: {consequence}.", evidence,
                               label=label, trustpoint=label, ca=ca[0] if ca else None, passphrase="<passphrase>",
                               device=item.device)


def _about_server(finding, servers: set[str]) -> bool:
    """A PKI002/CLK004 finding about this router's certificate server (or about no CA by name)."""
    ca = (finding.data.get("ca") or "").lower()
    return not ca or ca in servers


def _non_exportable_keys(case, servers: set[str]):
    """(names the key goes by, the evidence item, what it shows) for every key shown non-exportable,
    the certificate server's own by the dialog of its first start included."""
    yield from shown_non_exportable(case)
    if len(servers) != 1:
        return
    enabled = list(case.events_of("pki.cs.enabled"))
    for ev in case.events_of("pki.key.generating"):
        if ev.fields.get("exportable") is False and any(
                e.source.path == ev.source.path
                and 0 < e.source.first_line - ev.source.first_line <= _CS_DIALOG_LINES for e in enabled):
            yield set(servers), ev, "the certificate server's key, generated non-exportable at its first start"
