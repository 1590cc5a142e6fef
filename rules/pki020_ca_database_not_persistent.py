from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation import Step
from cmedebug.remediation_steps import ca_database_to_flash
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._evidence import full_config_given
from cmedebug.rules._trust import VOLATILE_STORAGE, database_files, database_unreadable


class CaDatabaseNotPersistent(Rule):
    """The certificate server keeps its database where a reload can lose it.

    What it detects
        A `crypto pki server` whose `database url` (or `show crypto pki
        server` `Current primary storage dir:`) is remote or removable
        (`tftp://`, `ftp://`, `slot0:`, `usbflash0:`), or NVRAM (the default
        when no `database url` is configured) with `database level complete`,
        which writes every issued certificate into the small NVRAM. Advisory
        while nothing has failed; medium once the server could not read that
        storage (`%Error opening tftp://.../<CA>.crl (Timed out)`), and then
        the copies of its files may fail too, which the fix warns of.

    Why it matters
        The CA needs its serial file (`<CA>.ser`), CRL and, with `complete`,
        every issued certificate to start after a reload. When the TFTP server
        is down, the card removed or NVRAM full, the server stays disabled
        (PKI006): no enrollments, no CAPF LSCs, and CRL checking lapses a week
        later.

    Evidence
        `database url tftp://10.1.1.5/cme-ca/`; `Current primary storage dir:
        nvram:` with `Database Level: Complete - all issued certs written as
        <serialnum>.cer`.

    False positives
        A lab CA with a handful of certificates in NVRAM is harmless; the
        finding is low severity.

    References
        Secure CME primer F08 (database on removable, remote or small storage),
        §1.4 notes (`database url` must be persistent; sample 15 uses nvram).
    """

    id = "PKI020"
    name = "ca-database-not-persistent"
    title = "CA database on storage a reload can lose"
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    tags = ("pki", "ca", "advisory")
    requires = ("config.pki_server", "pki.server")  # (and `pki.cs.database_unreadable`, when the storage fails now)
    collect = ("show running-config | section crypto pki server", "show crypto pki server")
    START = Step("cs-server", "no shutdown",
                 why="the server starts from the copied files; the certificates it issued before (`<serial>.cer` "
                     "with `database level complete`) stay at the old place")
    remediation = ca_database_to_flash(START)
    # The storage shown unreadable already (`%Error opening <url>`): the copies may fail, and the block says what then.
    FROM_UNREADABLE = ca_database_to_flash(START, readable=False)
    variants = (("the storage is shown unreadable already (`%Error opening <url>`)", FROM_UNREADABLE),)
    verify = "Verify with `show crypto pki server` (Current primary storage dir: flash:{ca}/) and `dir flash:{ca}/`."

    def evaluate(self, case):
        seen: set[str] = set()
        full = full_config_given(case)
        for server in list(case.facts_of("config.pki_server")) + list(case.facts_of("pki.server")):
            name = server.fields.get("name") or "?"
            url = server.fields.get("database_url")
            if url is None and server.kind == "config.pki_server" and full:
                url = "nvram:"  # the default when no `database url` is configured
            if name in seen or not url:
                continue
            level = (server.fields.get("database_level") or "").lower()
            if VOLATILE_STORAGE.match(url):
                why = "remote or removable storage"
            elif url.lower().startswith("nvram") and level.startswith("complete"):
                why = "NVRAM is small and `database level complete` writes every issued certificate there"
            else:
                continue
            seen.add(name)
            message = (f"Certificate server {name} keeps its database on `{url}` ({why}), so a reload can leave the "
                       "CA unable to start.")
            evidence, unreadable = [Evidence.of(server)], database_unreadable(case, url.rstrip("/") + "/")
            if unreadable is not None:
                message += (f" It cannot read that storage now: `{unreadable.raw[0].strip()}`: it cannot publish "
                            "its CRL, and its next start fails (PKI006).")
                evidence.append(Evidence.of(unreadable))
            yield self.finding(message, evidence, ca=name, device=server.device,
                               severity=Severity.MEDIUM if unreadable is not None else self.severity,
                               remediation=self.FROM_UNREADABLE if unreadable is not None else None,
                               **database_files(name, server.fields, url))
