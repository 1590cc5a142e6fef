"""Trustpoints (`crypto pki trustpoint`) and SCEP enrollment as IOS logs it.

Each functional trustpoint (CME TLS, TFTP signer, CAPF, SAST1, SAST2) has its
own key pair, authenticates the CA (SCEP GetCACert) and enrolls (a real PKCS#10
request, sent as a SCEP PKIOperation). The HTTP transport of SCEP is modelled
as the steps IOS logs; whether it works depends on the CA's address, its HTTP
server and its state, exactly as on the router.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from cmedebug.messages import render
from cmedebug.refcme.ca import IosCa, name
from cmedebug.refcme.keys import rsa_key

# Key size IOS picks when a trustpoint has no `rsakeypair` and no key exists:
# `%CRYPTO-6-AUTOGEN: Generated new 512 bit key pair` (corpus sample 18).
AUTOGEN_KEY_BITS = 512
KEYGEN_SECONDS = 1.0  # `[OK] (elapsed time was 1 seconds)` for 1024 bits (ios-commands.md D9)
TCP_CONNECT_TIMEOUT = 30.0  # `ip tcp synwait-time` default: a CA address where nothing answers
SCEP_RETRY_PERIOD = 60.0  # `enrollment retry period` default (1 minute) between polls of a pending request


def fingerprint(data: bytes, algorithm: str) -> str:
    """IOS fingerprint: upper hex in 8-digit words (``995C157D AABB8EE2 ...``)."""
    digest = hashlib.new(algorithm, data).hexdigest().upper()
    return " ".join(digest[i:i + 8] for i in range(0, len(digest), 8))


# What `crypto pki enroll` prints before it asks the challenge password (ios-commands.md D4)
ENROLL_NOTICE = ("pki.enroll-mark", "pki.enroll-start", "pki.enroll-challenge", "pki.enroll-challenge-revoke",
                 "pki.enroll-challenge-not-saved", "pki.enroll-challenge-note")


def subject_cn(dn: str) -> str | None:
    """The CN of a `subject-name` DN, for the model's certificates, which carry a CN only (None:
    a DN of other parts, and the trustpoint's name stands as CN)."""
    dn = dn.strip()
    return dn[3:] if dn[:3].upper() == "CN=" and "," not in dn else None


@dataclass
class Trustpoint:
    name: str
    enrollment_url: str | None = None  # None: `enrollment terminal`
    key_bits: int | None = 1024  # `rsakeypair <name> <bits>`; None: no key configured
    revocation_check: str = "none"
    seed: int = 0
    generation: int = 0
    key: object = None
    cert: x509.Certificate | None = None
    ca_cert: x509.Certificate | None = None
    pending: object = None
    is_ca: bool = False  # the certificate server's own trustpoint (pins its key pair)
    enrolled_at_build: bool = True  # False: the build leaves it without a router certificate (a replayed case)
    authenticated_at_build: bool = True  # False: ... and without the CA certificate
    # the lines the reference build types under the trustpoint; a replayed case's may lack them
    serial_none: bool = True  # `serial-number none`
    ip_none: bool = True  # `ip-address none`
    subject_cn: str | None = None  # `subject-name CN=<subject_cn>`; None: CN=<name>; "": no subject-name
    key_label: str | None = None  # `rsakeypair <key_label>` as typed (label and sizes); None: <name> <key_bits>

    @property
    def ca_host(self) -> str | None:
        return urlparse(self.enrollment_url).hostname if self.enrollment_url else None

    def generate_key(self, log) -> None:
        self.generation += 1
        bits = self.key_bits or AUTOGEN_KEY_BITS
        self.key = rsa_key(f"tp/{self.name}/{self.generation}", bits, self.seed)
        if self.key_bits is None:
            log.emit("CRYPTO-6-AUTOGEN", bits=bits)
        else:
            log.say("crypto.generating-keys", bits=bits)
            log.wait(KEYGEN_SECONDS)
            log.say("crypto.generated-ok", seconds=int(KEYGEN_SECONDS))
        log.emit("CRYPTO_ENGINE-5-KEY_ADDITION", label=self.name)

    def _scep_request(self, ca: IosCa | None, log, operation: str) -> bool:
        """Log the SCEP HTTP request; True when the CA answered. An address where nothing
        answers costs the TCP connect timeout (`ip tcp synwait-time`, 30 s by default)."""
        log.emit("pki.locked-trustpoint", tp=self.name, count=1)
        if operation == "GetCACert":
            log.emit("pki.scep-getcacert")
            log.emit("pki.sending-ca-request")
            log.say("pki.http-get", tp=self.name)
            log.say("pki.http-user-agent")
            log.say("pki.http-host", ca_host=self.ca_host)
        if ca is None or ca.address != self.ca_host:
            log.emit("PKI-3-SOCKETSEND", step=TCP_CONNECT_TIMEOUT)
            return False
        if not ca.http_server:
            return False  # TCP 80 refused at once: nothing more is logged before the failure
        log.emit("pki.http-opened")
        log.emit("pki.http-sending")
        return ca.enabled

    def authenticate(self, ca: IosCa | None, log) -> bool:
        """`crypto pki authenticate`: fetch and accept the CA certificate."""
        log.say("config.crypto-pki-authenticate", tp=self.name)
        if not self._scep_request(ca, log, "GetCACert"):
            log.say("pki.ca-receive-error")
            return False
        der = ca.cert.public_bytes(serialization.Encoding.DER)
        log.say("pki.cert-attributes")
        log.say("pki.fingerprint-md5", fingerprint=fingerprint(der, "md5"))
        log.say("pki.fingerprint-sha1", fingerprint=fingerprint(der, "sha1"))
        log.say("pki.accept-prompt")
        log.say("pki.ca-accepted")
        self.ca_cert = ca.cert
        return True

    def enroll(self, ca: IosCa | None, log, *, new_key: bool = False) -> bool:
        """`crypto pki enroll`: a real PKCS#10 request; True when a certificate came back."""
        if self.ca_cert is None:
            return False
        log.say("config.crypto-pki-enroll", tp=self.name)
        for mid in ENROLL_NOTICE:
            log.say(mid)
        log.say("console.password")
        if self.key is None or new_key:
            self.generate_key(log)  # (between the two passwords, where corpus 18 prints %CRYPTO-6-AUTOGEN)
        log.say("console.re-enter-password")
        log.say("pki.enroll-subject", subject=f"CN={self.subject}")
        log.say("pki.enroll-request-prompt")
        csr = (x509.CertificateSigningRequestBuilder().subject_name(name(self.subject))
               .sign(self.key, hashes.SHA256()))
        der = csr.public_bytes(serialization.Encoding.DER)
        log.emit("pki.request-fingerprint-md5", fingerprint=fingerprint(der, "md5"))
        log.emit("pki.request-fingerprint-sha1", fingerprint=fingerprint(der, "sha1"))
        if not self._scep_request(ca, log, "PKIOperation"):
            log.emit("PKI-6-CERTFAIL")
            return False
        log.say("pki.request-sent")
        log.say("pki.enroll-fingerprint-hint", tp=self.name)
        request = ca.receive(csr.subject, csr.public_key(), fingerprint(der, "md5"))
        if request.state == "denied":
            log.emit("PKI-6-CERTFAIL")
            return False
        return self.collect(request, log)

    def collect(self, request, log) -> bool:
        """Install the certificate once the CA has granted the request."""
        if request.state != "granted":
            log.emit("pki.status-pending")
            self.pending = request
            return False
        log.emit("pki.status-granted")
        log.emit("pki.prepare-revocation")
        self.cert, self.pending = request.cert, None
        log.emit("PKI-6-CERTRET")
        return True

    def poll(self, ca: IosCa, log) -> bool:
        """The SCEP poll of a pending request (every `enrollment retry period`, SCEP_RETRY_PERIOD)."""
        if self.pending is None:
            return False
        if not self._scep_request(ca, log, "GetCertInitial"):
            return False
        return self.collect(self.pending, log)

    def config_lines(self) -> list[str]:
        c = "config."
        lines = [render(c + "tp", tp=self.name)]
        if self.is_ca:
            revocation = [] if self.revocation_check == "crl" else [render(c + "tp.revocation", method=self.revocation_check)]
            return lines + revocation + [render(c + "tp.rsakeypair", label=self.name)]
        lines.append(render(c + "tp.enrollment-url", url=self.enrollment_url) if self.enrollment_url
                     else render(c + "tp.enrollment-terminal"))
        lines += [render(c + "tp.serial-none")] * self.serial_none + [render(c + "tp.ip-none")] * self.ip_none
        if self.subject_cn != "":
            lines.append(render(c + "tp.subject", cn=self.subject))
        if self.revocation_check != "crl":  # crl is the IOS default and is not shown
            lines.append(render(c + "tp.revocation", method=self.revocation_check))
        if self.key_label is not None:
            lines.append(render(c + "tp.rsakeypair", label=self.key_label))
        elif self.key_bits:
            lines.append(render(c + "tp.rsakeypair-size", label=self.name, bits=self.key_bits))
        return lines

    @property
    def subject(self) -> str:
        """The CN the certificate request carries."""
        return self.subject_cn or self.name
