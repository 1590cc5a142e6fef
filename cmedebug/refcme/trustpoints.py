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

from cmedebug.refcme.ca import IosCa, name
from cmedebug.refcme.keys import rsa_key

# Key size IOS picks when a trustpoint has no `rsakeypair` and no key exists:
# `%CRYPTO-6-AUTOGEN: Generated new 512 bit key pair` (corpus sample 18).
AUTOGEN_KEY_BITS = 512


def fingerprint(data: bytes, algorithm: str) -> str:
    """IOS fingerprint: upper hex in 8-digit words (``995C157D AABB8EE2 ...``)."""
    digest = hashlib.new(algorithm, data).hexdigest().upper()
    return " ".join(digest[i:i + 8] for i in range(0, len(digest), 8))


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

    @property
    def ca_host(self) -> str | None:
        return urlparse(self.enrollment_url).hostname if self.enrollment_url else None

    def generate_key(self, log) -> None:
        self.generation += 1
        bits = self.key_bits or AUTOGEN_KEY_BITS
        self.key = rsa_key(f"tp/{self.name}/{self.generation}", bits, self.seed)
        if self.key_bits is None:
            log.log(f"%CRYPTO-6-AUTOGEN: Generated new {bits} bit key pair")
        else:
            log.console(f"% Generating {bits} bit RSA keys, keys will be non-exportable...[OK]")
        log.log(f"%CRYPTO_ENGINE-5-KEY_ADDITION: A key named {self.name} has been generated or imported "
                f"by crypto-engine")

    def _scep_request(self, ca: IosCa | None, log, operation: str) -> bool:
        """Log the SCEP HTTP request; True when the CA answered."""
        log.log(f"CRYPTO_PKI: locked trustpoint {self.name}, refcount is 1", "crypto pki transactions")
        if operation == "GetCACert":
            log.log("CRYPTO_PKI_SCEP: Client sending GetCACert request", "crypto pki transactions")
            log.log("CRYPTO_PKI: Sending CA Certificate Request:", "crypto pki messages")
            for raw in (f"GET /cgi-bin/pkiclient.exe?operation=GetCACert&message={self.name} HTTP/1.0",
                        "User-Agent: Mozilla/4.0 (compatible; MSIE 5.0; Cisco PKI)", f"Host: {self.ca_host}"):
                if "crypto pki messages" in log.enabled:
                    log.console(raw)
        if ca is None or ca.address != self.ca_host:
            log.log("%PKI-3-SOCKETSEND: Failed to send out message to CA server.")
            return False
        if not ca.http_server:
            return False  # TCP 80 refused: nothing more is logged before the failure
        log.log("CRYPTO_PKI: http connection opened", "crypto pki transactions")
        log.log("CRYPTO_PKI: Sending HTTP message", "crypto pki transactions")
        return ca.enabled

    def authenticate(self, ca: IosCa | None, log) -> bool:
        """`crypto pki authenticate`: fetch and accept the CA certificate."""
        log.config(f"crypto pki authenticate {self.name}")
        if not self._scep_request(ca, log, "GetCACert"):
            log.console("% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0")
            return False
        der = ca.cert.public_bytes(serialization.Encoding.DER)
        log.console("Certificate has the following attributes:")
        log.console(f"Fingerprint MD5: {fingerprint(der, 'md5')}")
        log.console(f"Fingerprint SHA1: {fingerprint(der, 'sha1')}")
        log.console("% Do you accept this certificate? [yes/no]: yes")
        log.console("Trustpoint CA certificate accepted.")
        self.ca_cert = ca.cert
        return True

    def enroll(self, ca: IosCa | None, log, *, new_key: bool = False) -> bool:
        """`crypto pki enroll`: a real PKCS#10 request; True when a certificate came back."""
        if self.ca_cert is None:
            return False
        log.config(f"crypto pki enroll {self.name}")
        if self.key is None or new_key:
            self.generate_key(log)
        csr = (x509.CertificateSigningRequestBuilder().subject_name(name(self.name))
               .sign(self.key, hashes.SHA256()))
        der = csr.public_bytes(serialization.Encoding.DER)
        log.log(f"CRYPTO_PKI:  Certificate Request Fingerprint MD5: {fingerprint(der, 'md5')}",
                "crypto pki transactions")
        log.log(f"CRYPTO_PKI:  Certificate Request Fingerprint SHA1: {fingerprint(der, 'sha1')}",
                "crypto pki transactions")
        if not self._scep_request(ca, log, "PKIOperation"):
            log.log("%PKI-6-CERTFAIL: Certificate enrollment failed.")
            return False
        log.console("% Certificate request sent to Certificate Authority")
        request = ca.receive(csr.subject, csr.public_key(), fingerprint(der, "md5"))
        if request.state == "denied":
            log.log("%PKI-6-CERTFAIL: Certificate enrollment failed.")
            return False
        return self.collect(request, log)

    def collect(self, request, log) -> bool:
        """Install the certificate once the CA has granted the request."""
        if request.state != "granted":
            self.pending = request
            return False
        log.log("CRYPTO_PKI: Prepare global revocation service providers", "crypto pki transactions")
        self.cert, self.pending = request.cert, None
        log.log("%PKI-6-CERTRET: Certificate received from Certificate Authority")
        return True

    def config_lines(self) -> list[str]:
        lines = [f"crypto pki trustpoint {self.name}"]
        if self.is_ca:
            revocation = [] if self.revocation_check == "crl" else [f" revocation-check {self.revocation_check}"]
            return lines + revocation + [f" rsakeypair {self.name}"]
        lines.append(f" enrollment url {self.enrollment_url}" if self.enrollment_url else " enrollment terminal")
        lines += [" serial-number none", " ip-address none", f" subject-name CN={self.name}"]
        if self.revocation_check != "crl":  # crl is the IOS default and is not shown
            lines.append(f" revocation-check {self.revocation_check}")
        if self.key_bits:
            lines.append(f" rsakeypair {self.name} {self.key_bits}")
        return lines
