"""The IOS certificate server (`crypto pki server`), issuing real X.509 certificates.

IOS defaults used, and where they come from (``shared/domain/secure-cme-primer.md``):

* CA key: 1024-bit RSA, generated at ``no shutdown`` when no key exists
  (``% Generating 1024 bit RSA keys ...``, corpus samples 15 and 18; §2.1 step 4).
* ``lifetime ca-certificate``: 1095 days; ``lifetime certificate``: 365 days;
  an issued certificate never outlives the CA certificate; CRL every 168 hours
  (§2.1 lifetime table, verified on Cisco's decoded example).
* Granting: manual unless ``grant auto`` (§2.2 step 4).
* Serial numbers: 1 for the CA certificate, then 2, 3, ... (sample 19). The counter lives in
  the CA database (``<ca>.ser`` at `database url`), so a server built again on the same
  database numbers on from where it stopped: an issuer and serial never repeat (the model
  keeps the counter across a change of database too: a simplification).
* ``issuer-name <dn>``: the CA certificate's subject and issuer; ``CN=<ca>`` when unset.
* Signature hash: SHA-256. Old IOS signed with MD5 or SHA-1, which the OpenSSL
  behind Python's ``ssl`` refuses in certificate chains; this is the one place
  the model departs from an IOS default, so that the TLS handshakes stay real.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from cmedebug.refcme.clock import VirtualClock
from cmedebug.refcme.keys import rsa_key

CA_KEY_BITS = 1024
LIFETIME_CA_DAYS = 1095
LIFETIME_CERT_DAYS = 365
CRL_HOURS = 168
KEYGEN_SECONDS = 1.0  # `[OK] (elapsed time was 1 seconds)` for a 1024-bit key (dialog D2)
TFTP_GIVE_UP_SECONDS = 30.0  # inferred: the IOS TFTP client's retries before `(Timed out)`


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def build_cert(subject: x509.Name, public_key, issuer: x509.Name, signer_key, serial: int,
               not_before: datetime, not_after: datetime, *, ca: bool) -> x509.Certificate:
    usage = x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=not ca,
                          data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                          encipher_only=False, decipher_only=False)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(serial).not_valid_before(not_before.replace(microsecond=0))
            .not_valid_after(not_after.replace(microsecond=0))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(signer_key, hashes.SHA256()))


@dataclass
class Request:
    """An enrollment request in the CA's database (`show crypto pki server <CA> requests`)."""

    id: int
    subject: x509.Name
    public_key: rsa.RSAPublicKey
    fingerprint: str
    state: str = "pending"  # pending | granted | denied
    cert: x509.Certificate | None = None


@dataclass
class IosCa:
    name: str
    clock: VirtualClock
    address: str
    seed: int = 0
    grant_auto: bool = True
    http_server: bool = True
    lifetime_ca_days: int = LIFETIME_CA_DAYS
    lifetime_cert_days: int = LIFETIME_CERT_DAYS
    cdp_url: str | None = None
    issuer_name: str | None = None  # `issuer-name <dn>` (RFC 4514 form, as IOS takes it)
    database_url: str = "nvram:"
    shutdown: bool = False  # `shutdown` under `crypto pki server`: never enabled
    database_lost: bool = False  # the files at `database url` cannot be read (a TFTP server gone, files deleted)
    enabled: bool = False
    generation: int = 0
    key: rsa.RSAPrivateKey | None = None
    cert: x509.Certificate | None = None
    last_serial: int = 0
    requests: list[Request] = field(default_factory=list)
    last_request_id: int = 0  # the enrollment database's counter: a removed request's id is not used again

    @property
    def filesystem(self) -> str:
        """`nvram`, `flash` or `tftp`: where `database url` keeps the serial file and the CRL."""
        return self.database_url.split(":", 1)[0]

    def database_file(self, suffix: str) -> str:
        return f"{self.database_url}{self.name}.{suffix}"

    def open_database(self, log, suffix: str = "ser") -> bool:
        """Open a database file at `database url`; a TFTP server that does not answer
        costs the TFTP client's retries (about 30 s) and an error."""
        if self.database_lost:
            remote = self.filesystem == "tftp"
            if remote:
                log.wait(TFTP_GIVE_UP_SECONDS)
            log.say("cs.file-error", url=self.database_file(suffix),
                    reason="Timed out" if remote else "No such file or directory")
            return False
        log.emit("cs.file-opened", path=self.database_file(suffix))
        return True

    def enable(self, log) -> None:
        """The first ``no shutdown`` (IOS 15.x dialog D2 of ios-commands.md): passphrase,
        the CA key and the self-signed CA certificate, the serial file at `database url`."""
        log.say("config.crypto-pki-server", ca=self.name)
        log.say("cs-server.no-shutdown")
        log.emit("cs.fsm-no-shut")
        for mid in ("cs.settings-locked", "cs.passphrase-prompt", "cs.passphrase-return", "console.password",
                    "console.re-enter-password"):
            log.say(mid)
        self.generation += 1
        self.key = rsa_key(f"ca/{self.name}/{self.generation}", CA_KEY_BITS, self.seed)
        log.say("crypto.generating-keys", bits=CA_KEY_BITS)
        log.wait(KEYGEN_SECONDS)
        log.say("crypto.generated-ok", seconds=int(KEYGEN_SECONDS))
        log.say("cs.exporting")
        log.emit("cs.enabling-checks")
        log.emit("cs.filesystem", filesystem=self.filesystem)
        if not self.open_database(log):
            return
        log.emit("cs.closed-ser")
        now = self.clock.now
        self.last_serial += 1  # the database's serial counter: 1 on a new database
        self.requests.clear()
        self.last_request_id = 0
        issuer = x509.Name.from_rfc4514_string(self.issuer_name) if self.issuer_name else name(self.name)
        self.cert = build_cert(issuer, self.key.public_key(), issuer, self.key, self.last_serial,
                               now, now + timedelta(days=self.lifetime_ca_days), ca=True)
        self.enabled = True
        log.say("cs.enabled-console")
        log.emit("PKI-6-CS_ENABLED")
        if self.grant_auto:
            log.emit("PKI-6-CS_GRANT_AUTO")

    def start_after_reload(self, log) -> None:
        """The server comes back after a reload, unless its serial file can no longer
        be read from ``database_url``."""
        log.emit("cs.enabling-checks")
        log.emit("cs.filesystem", filesystem=self.filesystem)
        if not self.open_database(log):
            self.enabled = False
            log.say("cs.startup-no-trustpoint")
            log.say("cs.startup-no-cert")
            return
        log.emit("cs.found-serial")
        log.emit("cs.closed-ser")
        log.emit("PKI-6-CS_ENABLED")

    def rebuild(self, log) -> None:
        """``no crypto pki server``, database deleted, built again: a new key and CA certificate."""
        self.enabled = False
        self.enable(log)

    def receive(self, subject: x509.Name, public_key, fingerprint: str) -> Request:
        """A SCEP PKIOperation: granted at once with ``grant auto``, else left pending;
        denied when the CA certificate itself is not valid on the CA's clock."""
        self.last_request_id += 1
        request = Request(self.last_request_id, subject, public_key, fingerprint)
        self.requests.append(request)
        if not self.cert.not_valid_before_utc <= self.clock.now <= self.cert.not_valid_after_utc:
            request.state = "denied"
        elif self.grant_auto:
            self.grant(request)
        return request

    def grant(self, request: Request) -> None:
        request.cert = self.issue(request.subject, request.public_key)
        request.state = "granted"

    def issue(self, subject: x509.Name, public_key) -> x509.Certificate:
        now = self.clock.now
        end = min(now + timedelta(days=self.lifetime_cert_days), self.cert.not_valid_after_utc)
        self.last_serial += 1
        return build_cert(subject, public_key, self.cert.subject, self.key, self.last_serial, now, end, ca=False)
