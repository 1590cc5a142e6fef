from __future__ import annotations

from dataclasses import replace

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_context import never_started
from cmedebug.remediation_steps import CA_REBUILD, REISSUE_AFTER_CA_REBUILD, ca_database_to_flash, enrollment_refresh
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._evidence import happened_before
from cmedebug.rules._links import ENROLLMENT_SYMPTOMS, moves_ca_database, same_device
from cmedebug.rules._trust import VOLATILE_STORAGE, database_files


# A local client's SCEP request to a CA that is not running ends in one of these.
CLIENT_FAILURES = ("pki.ca_cert.receive_failed", "pki.ca.authenticate_failed", "pki.ca.socket_send_failed")


DATABASE_URL = Step("cs-server", "database url {ca_db_url}", why="persistent storage: a reload must not lose the database")
NO_SHUTDOWN = Step("cs-server", "no shutdown", why="start the server",
                   warning="only while the CA's key pair is there (`show crypto key mypubkey rsa {ca}`): without it, "
                           "`no shutdown` makes a new CA, and every certificate, the CTL and the phones' trust change: "
                           "follow PKI002's rebuild instead")
REFRESH = enrollment_refresh("uncertified_trustpoint", authenticate="the enrollments that failed while the CA was "
                                                                   "down: each trustpoint takes the CA certificate")
# The database was on storage a reload can lose: it moves to flash, the serial and CRL files
# copied from that storage or a backup (primer F08's fix), which is also PKI020's.
MOVED_TO_FLASH = (*ca_database_to_flash(NO_SHUTDOWN, running=False, readable=False), *REFRESH)
# The CA's key pair shown there (its trustpoint's `Keys generated ... Yes`): the server starts with it.
NO_SHUTDOWN_WITH_KEY = replace(NO_SHUTDOWN, warning=None,
                               why="start the server with the CA's key pair, which `show crypto pki trustpoints "
                                   "status` shows (Keys generated: Yes)")
# The CA's key pair shown gone: `no shutdown` would make a new CA anyway, so it is built again, with
# everything it issued (PKI002's steps).
REBUILT = (*CA_REBUILD, *REISSUE_AFTER_CA_REBUILD)
# A server that never started (no key, no CA certificate: nothing it issued to keep): its first
# start makes the CA, and asks D2's passphrase.
FIRST_START = (
    Step("config", "crypto pki server {ca}"),
    Step("cs-server", "no shutdown",
         why="the first start: IOS generates the CA's key and certificate (no CA existed, so none is replaced)"),
    *REFRESH,
)


class CaServerDisabledOrDatabaseLost(Rule):
    """The IOS certificate server is shut down or could not start (database or key lost).

    What it detects
        `show crypto pki server` with `Status: disabled`, `shutdown` under
        `crypto pki server` in the configuration, or `%PKI-6-CS_DISABLED` not
        followed by `%PKI-6-CS_ENABLED`. The boot messages `% Failed to find
        Certificate Server's trustpoint at startup` / `% Failed to find
        Certificate Server's cert.` are quoted only when the server stays
        disabled, and a database on removable or remote storage is named.
        The fix follows what the evidence shows of the server: a database on
        such storage moves to flash; a server that never started starts for
        the first time; a server whose own trustpoint shows no key pair is
        built again (PKI002's steps), as `no shutdown` would make a new CA.

    Why it matters
        With the CA down, new enrollments and CAPF LSC requests fail and the
        CRL is no longer refreshed, so every trustpoint with `revocation-check
        crl` starts failing once the last CRL lapses (168 hours by default).

    Evidence
        `Certificate Server cme-ca:` / `Status: disabled` / `State: disabled`;
        `crypto pki server cme-ca` / ` shutdown`; `database url tftp://10.1.1.5/`
        (storage that a reload can lose).

    False positives
        The startup messages alone are harmless while the startup
        configuration is still being parsed (Cisco says so); they are not
        reported when the server comes up.

    References
        Secure CME primer F08 ca-server-disabled-or-database-lost; sample 17
        (startup messages), samples 15/30/31 (`show crypto pki server`).
    """

    id = "PKI006"
    name = "ca-server-disabled-or-database-lost"
    title = "Certificate server disabled or its database lost"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "ca")
    requires = ("pki.server", "config.pki_server", "pki.cs.disabled")
    # (PKI020: the storage it names is the one this finding moves the database off)
    explains = ENROLLMENT_SYMPTOMS + ("PKI005", "PKI011", "PKI020")
    collect = ("show crypto pki server", "show running-config | section crypto pki server", "dir <database url>")
    remediation = (
        Step("exec", "dir {ca_db_url}", why="the database files (<ca>.ser, <ca>.crl) must be where the server "
                                          "looks; restore them there from a backup first"),
        Step("config", "crypto pki server {ca}"),
        DATABASE_URL,
        NO_SHUTDOWN,
        *REFRESH,
    )
    variants = (("the database is on storage a reload can lose", MOVED_TO_FLASH),
                ("the CA's key pair is shown gone (`Keys generated ... No`)", REBUILT),
                ("the server never started (no CA key, no CA certificate)", FIRST_START))
    verify = "Verify with `show crypto pki server` (Status: enabled) and a test enrollment that is granted."

    def evaluate(self, case):
        enabled = list(case.events_of("pki.cs.enabled"))
        startup = list(case.events_of("pki.cs.startup_trustpoint_missing", "pki.cs.startup_cert_missing"))
        servers: dict[str, dict] = {}

        def note(name, device, item, text):
            entry = servers.setdefault(name or "?", {"device": device, "evidence": [], "details": []})
            entry["evidence"].append(Evidence.of(item))
            entry["details"].append(text)

        for f in list(case.facts_of("pki.server")):
            status = (f.fields.get("status") or f.fields.get("state") or "").lower()
            if status and status != "enabled":
                note(f.fields.get("name"), f.device, f, f"`show crypto pki server` says Status: {status}")
        for f in list(case.facts_of("config.pki_server")):
            if f.fields.get("shutdown"):
                note(f.fields.get("name"), f.device, f, "the configuration has `shutdown` under `crypto pki server`")
        known = [f.fields["name"] for f in list(case.facts_of("pki.server")) + list(case.facts_of("config.pki_server")) if f.fields.get("name")]
        for ev in case.events_of("pki.cs.disabled"):
            if not any(same_device(e.device, ev.device) and happened_before(ev, e) for e in enabled):
                note(known[0] if known else "?", ev.device, ev,
                     "%PKI-6-CS_DISABLED was logged and the server was not enabled again")
        for name, entry in servers.items():
            for ev in startup[:2]:
                entry["evidence"].append(Evidence.of(ev, "startup message: the server could not load at boot"))
            server, storage = self._database(case, name)
            message = f"Certificate server {name} is not running: " + "; ".join(entry["details"]) + "."
            if startup:
                message += " At boot it could not find its trustpoint or certificate."
            volatile = bool(storage and VOLATILE_STORAGE.match(storage))
            if volatile:
                message += f" Its database is on {storage}, storage a reload can lose."
            clients = [e for e in case.events_of(*CLIENT_FAILURES) if same_device(e.device, entry["device"])]
            if clients:  # what the clients saw: this is their cause, so cite it (GEN001 would report it otherwise)
                message += f" {len(clients)} request(s) to it failed (`{' '.join(clients[0].raw).strip()}`)."
            first, key = never_started(case), self._ca_key(case, name)
            if first:
                message += " It has never started: there is no CA certificate yet."
                steps = FIRST_START
            elif key is False:
                message += (" Its key pair is gone (`show crypto pki trustpoints status`: Keys generated: No), so "
                            "`no shutdown` would make a new CA: it is built again, with everything it issued.")
                steps = REBUILT
            else:
                steps = MOVED_TO_FLASH if volatile else self.remediation
                if key:
                    steps = [NO_SHUTDOWN_WITH_KEY if step is NO_SHUTDOWN else step for step in steps]
            moved = database_files(name, server, storage) if volatile and steps is not FIRST_START else {}
            yield self.finding(message, entry["evidence"][:5] + [Evidence.of(e) for e in clients[:2]],
                               device=entry["device"], remediation=steps, ca=name, **moved)

    def links(self, cause, symptom, case) -> bool:
        """PKI020 only when this finding moves that server's database off the storage it names."""
        return super().links(cause, symptom, case) and (symptom.rule_id != "PKI020" or moves_ca_database(cause, symptom))

    @staticmethod
    def _ca_key(case, name) -> bool | None:
        """Whether the server's own trustpoint (named as it) shows its key pair, by `show crypto pki
        trustpoints status`; None when the evidence does not say."""
        shown = [f.fields.get("keys_generated") for f in case.facts_of("pki.trustpoint")
                 if (f.fields.get("name") or "").lower() == name.lower()]
        return next((bool(k) for k in shown if k is not None), None)

    @staticmethod
    def _database(case, name) -> tuple[dict, str | None]:
        """(the fields of the fact naming server ``name``'s database url, that url), or ({}, None)."""
        for f in list(case.facts_of("pki.server")) + list(case.facts_of("config.pki_server")):
            if (f.fields.get("name") or "?") == name and f.fields.get("database_url"):
                return f.fields, f.fields["database_url"]
        return {}, None
