"""The IP phone: the boot sequence of a secure SCCP phone as a state machine.

Steps (formats.md §7, primer §2.5): fetch ``CTLSEP<mac>.tlv`` (first trust on
first use; an update only when signed by a SAST the stored list trusts), fetch
the signed config and verify it against the list's TFTP record (the unsigned
one when the list has no TFTP record), read the security mode and CAPF
settings, run the CAPF session when an operation is pending, then open TLS to
CME, trusting exactly the CTL's CCM record, or plain SCCP when the mode is
non-secure or no usable CTL exists. Every check uses the project's decoders
and real signatures; the phone stops where a real phone stops.
"""
from __future__ import annotations

import random
import ssl
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from defusedxml.ElementTree import fromstring as parse_xml

from cmedebug.parsers.signed_file import decode_signed_file, verify_signed_file
from cmedebug.parsers.trustlist import (ROLE_CAPF, ROLE_CCM, ROLE_CCM_TFTP, ROLE_TFTP, decode_trust_list,
                                        verify_trust_list)
from cmedebug.refcme import capf, sccp, tftp, tls
from cmedebug.refcme.debuglog import PhoneLog
from cmedebug.refcme.keys import rsa_key

# Virtual seconds a phone needs to generate an RSA key of each size (a 79xx-class
# phone takes minutes for 2048 bits; the values only have to be plausible).
KEYGEN_SECONDS = {512: 5, 1024: 20, 2048: 600}
STEP = 60.0  # the phone reports "request in progress" once a minute
CTL_RETRIES = 3  # a phone in a secure mode tries four times in all to get a trust list (formats.md 7.1)
CAPF_TLS_TRIES, CAPF_RETRY_SECONDS = 4, 30.0  # on a network error the phone retries 3 times, 30 s apart (formats.md 8.6)


@dataclass
class PhoneState:
    """What the phone keeps in flash across reboots."""

    ctl: bytes | None = None
    lsc: tuple | None = None  # (certificate, key)
    mic: tuple | None = None
    config: bytes | None = None


@dataclass
class Phone:
    mac: str
    ip: str
    log: PhoneLog
    state: PhoneState = field(default_factory=PhoneState)
    max_tls: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
    ssl3_only: bool = False  # an old load that offers SSL 3.0 and nothing newer on 2443
    load: str = sccp.PHONE_LOAD  # the firmware it runs
    keygen_seconds: dict = field(default_factory=lambda: dict(KEYGEN_SECONDS))
    auth_string: str | None = None  # digits the user types in Settings > Security > LSC
    seed: int = 0
    received: dict = field(default_factory=dict)  # file name -> bytes (None: not found), last boot
    outcome: str = "off"
    stopped_at: str | None = None

    @property
    def device(self) -> str:
        return f"SEP{self.mac}"

    def __post_init__(self) -> None:
        self._ports = random.Random(f"{self.seed}/ports/{self.mac}")

    def _port(self) -> int:
        """The modelled source port of the next connection (the real one is a loopback port)."""
        return 49152 + self._ports.randrange(16000)

    def _stop(self, step: str, outcome: str) -> str:
        self.stopped_at, self.outcome = step, outcome
        return outcome

    def boot(self, cme) -> str:
        """Run the boot sequence against ``cme`` (a ``router.Router``); returns the outcome."""
        self.received, self.outcome, self.stopped_at = {}, "booting", None
        trust = self._trust_list(cme)
        config = self._config(cme, trust)
        if config is None:
            return self._stop("config", "no-config")
        root = parse_xml(config, forbid_dtd=True)
        mode = int(root.findtext("deviceSecurityMode", "1"))
        capf_mode = int(root.findtext("capfAuthMode", "0"))
        self._take_load(root.findtext("loadInformation"))
        if trust is None and mode > 1:  # secure mode, no trust list: ask again before giving up
            for _ in range(CTL_RETRIES):
                trust = self._trust_list(cme)
                if trust is not None:
                    break
        if trust is None:  # no trust list: a secure mode cannot apply (primer F22)
            return self._register_plain(cme)
        if capf_mode:
            result = self._capf(cme, trust, capf_mode)
            if mode > 1 and self.state.lsc is None:
                return self._stop("capf", f"capf-{result}")
        if mode > 1 and trust is not None and trust.records_with_role(ROLE_CCM, ROLE_CCM_TFTP):
            return self._register_secure(cme, trust)
        return self._register_plain(cme)

    def _take_load(self, load: str | None) -> None:
        """A configuration file naming another load: the phone upgrades to it and boots
        again with it; a current load speaks TLS up to 1.2 (inferred: the download of the
        load's files from TFTP is not modelled)."""
        if load and load != self.load:
            self.load, self.ssl3_only = load, False

    # -- trust list --------------------------------------------------------------
    def _fetch(self, cme, name: str) -> bytes | None:
        self.received.setdefault(name, None)
        self.log.note("phone.console.getfile", file=name, file2=name)
        cme.tftp.peer = (self.ip, self._port())
        data = tftp.fetch(cme.tftp.port, name)
        if data is None:
            self.log.show_status("phone.status.file-not-found", file=name)
        else:
            self.received[name] = data
            self.log.note("phone.console.getfile-done")
        return data

    def _trust_list(self, cme):
        stored = decode_trust_list(self.state.ctl) if self.state.ctl else None
        data = self._fetch(cme, f"CTLSEP{self.mac}.tlv")
        if data is None:
            if stored is None:
                self.log.show_status("phone.status.no-trust-list")
            return stored
        new = decode_trust_list(data)
        if new.error is not None:
            self.log.show_status("phone.status.ctl-update-failed")
            return stored
        if stored is None:  # trust on first use ("leap of faith"); the model still checks the
            if not verify_trust_list(new).ok:  # list is signed by its own SAST record
                self.log.show_status("phone.status.ctl-update-failed")
                return None
            self.log.note("phone.console.tl-parse")
            self.log.note("phone.console.tl-updated")
            self.log.show_status("phone.status.ctl-installed")
            self.state.ctl = data
            return new
        if data == self.state.ctl:
            return stored
        verdict = verify_trust_list(new, trusted=stored)
        if not verdict.ok:
            self.log.show_status("phone.status.trust-list-update-failed")
            return stored
        self.log.note("phone.console.hashes")
        self.log.note("phone.console.tl-parse")
        self.log.note("phone.console.tl-verified")
        self.log.note("phone.console.tl-updated")
        self.log.show_status("phone.status.trust-list-updated")
        self.state.ctl = data
        return new

    # -- configuration -----------------------------------------------------------
    def _config(self, cme, trust) -> bytes | None:
        if trust is None or not trust.records_with_role(ROLE_TFTP, ROLE_CCM_TFTP):
            data = self._fetch(cme, f"SEP{self.mac}.cnf.xml")
        else:
            name = f"SEP{self.mac}.cnf.xml.sgn"
            signed = self._fetch(cme, name)
            if signed is None:
                return self.state.config
            sf = decode_signed_file(signed)
            if not verify_signed_file(sf, trust).ok:
                # the reason code is not documented; 14 is the value seen in the field
                self.log.show_status("phone.status.auth-fail", file=name)
                return self.state.config  # keeps its cached configuration
            self.log.show_status("phone.status.config-ok", file=name)
            data = sf.content
        if data is not None:
            self.state.config = data
        return data

    # -- CAPF --------------------------------------------------------------------
    def update_lsc(self, cme) -> str:
        """Settings > Security Configuration > LSC > Update, the string typed and submitted:
        the phone opens its CAPF session now, with the trust list it holds (primer F32:
        `Pending`, then the result)."""
        trust = decode_trust_list(self.state.ctl) if self.state.ctl else None
        return self._capf(cme, trust, 1)

    def _capf(self, cme, trust, mode: int) -> str:
        anchors = [r.cert for r in trust.records_with_role(ROLE_CAPF) if r.cert] if trust else []
        if not anchors or cme.capf is None:
            return "no-capf-trust"
        for attempt in range(CAPF_TLS_TRIES):
            if attempt:
                self.log.clock.timeline.advance(CAPF_RETRY_SECONDS)
            try:
                sock = tls.connect(cme.capf.listener.port, tls.client_context(anchors, maximum=self.max_tls))
                break
            except (OSError, ssl.SSLError) as exc:
                cme.capf.listener.result()
                failure = f"tls-failed ({tls.openssl_reason(exc)})"
        else:
            return failure
        try:
            self._capf_session(sock, mode)
        except OSError:
            pass  # the router ended the session early: its own result below says why
        finally:
            sock.close()
        return cme.capf.listener.result()

    def _capf_session(self, sock, mode: int) -> None:
        _, session, _, _ = capf.read_message(sock)

        def send(command, elements=()):
            sock.sendall(capf.encode(command, session, list(elements)))

        answer = [(capf.E_REASON, b"\x01"), (capf.E_VERSION, b"\x03"),
                  (capf.E_DEVICE_NAME, capf.text(self.device)), (capf.E_AUTH_TYPE, bytes([mode]))]
        if mode in (1, 2):
            answer.append((capf.E_PASSWORD, capf.text((self.auth_string or "") if mode == 1 else "")))
        else:
            identity = self.state.lsc if mode == 3 else self.state.mic
            if identity is not None:
                cert, key = identity
                answer += [(capf.E_CERTIFICATE, capf.wrap_certificate(cert)),
                           (capf.E_SIGNED_DATA, capf.sign_identity(cert, key, self.device))]
        send(capf.AUTH_RESPONSE, answer)
        key = None
        while True:
            command, _, elements, _ = capf.read_message(sock)
            if command == capf.END_SESSION:
                return
            if command == capf.DELETE_CERT_REQUEST:
                self.state.lsc = None
                send(capf.DELETE_CERT_RESPONSE, [(capf.E_REASON, b"\x01")])
            elif command == capf.FETCH_CERT_REQUEST:
                if self.state.lsc is None:
                    send(capf.FETCH_CERT_RESPONSE, [(capf.E_REASON, bytes([capf.REASON_REFUSED]))])
                else:
                    send(capf.FETCH_CERT_RESPONSE, [(capf.E_REASON, b"\x01"),
                                                    (capf.E_CERTIFICATE, capf.wrap_certificate(self.state.lsc[0]))])
            elif command == capf.KEY_GEN_REQUEST:
                size = int.from_bytes(elements[capf.E_KEY_SIZE], "big")
                remaining = self.keygen_seconds.get(size, KEYGEN_SECONDS[2048])
                send(capf.REQUEST_IN_PROGRESS)
            elif command == capf.RETRY_LATER:
                step = min(STEP, remaining)
                self.log.clock.timeline.advance(step)
                remaining -= step
                if remaining > 0:
                    send(capf.REQUEST_IN_PROGRESS)
                else:
                    key = rsa_key(f"lsc/{self.mac}", size, self.seed)
                    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)
                    send(capf.KEY_GEN_RESPONSE, [(capf.E_REASON, b"\x01"), (capf.E_PUBLIC_KEY, spki)])
            elif command == capf.ENCRYPT_REQUEST:  # sign the request CAPF built for the new key
                signature = key.sign(elements[capf.E_REASON_INFO], padding.PKCS1v15(), hashes.SHA256())
                send(capf.ENCRYPT_RESPONSE, [(capf.E_REASON, b"\x01"), (capf.E_SIGNED_DATA, signature)])
            elif command == capf.STORE_CERT_REQUEST:
                self.state.lsc = (capf.unwrap_certificate(elements[capf.E_CERTIFICATE]), key)
                send(capf.STORE_CERT_RESPONSE, [(capf.E_REASON, b"\x01")])

    # -- registration ------------------------------------------------------------
    def _register_secure(self, cme, trust) -> str:
        if cme.sccp.secure_port is None:
            port = tls.closed_port()  # nothing listens on 2443: the connection is refused
        else:
            port = cme.sccp.secure_port
            cme.sccp.peer = sccp.PhoneAddress(self.ip, self._port())
        if self.ssl3_only:
            tls.offer_ssl3(port, self.mac.encode())
            cme.sccp.secure.result()
            return self._stop("tls", "tls-failed (SSL 3.0 refused)")
        anchors = [r.cert for r in trust.records_with_role(ROLE_CCM, ROLE_CCM_TFTP) if r.cert]
        cert, key = self.state.lsc or self.state.mic or (None, None)
        try:
            ctx = tls.client_context(anchors, cert=cert, key=key, maximum=self.max_tls)
            sock = tls.connect(port, ctx)
        except ConnectionRefusedError:
            return self._stop("tls", "tls-refused")
        except (OSError, ssl.SSLError) as exc:
            cme.sccp.secure.result()
            reason = tls.openssl_reason(exc)
            detail = tls.verify_detail(exc)
            if detail:
                reason = f"{reason}: {detail}"
            if "key too weak" in detail:
                self.log.show_status("phone.status.fips")
            return self._stop("tls", f"tls-failed ({reason})")
        return self._sccp_register(sock, cme.sccp.secure, "secure")

    def _register_plain(self, cme) -> str:
        cme.sccp.peer = sccp.PhoneAddress(self.ip, self._port())
        sock = tls.connect(cme.sccp.plain.port, None)
        return self._sccp_register(sock, cme.sccp.plain, "nonsecure")

    def _sccp_register(self, sock, listener, mode: str) -> str:
        try:
            sock.sendall(sccp.alarm_message(self.device) + sccp.register_message(self.device))
            msg_id, _ = sccp.read_sccp(sock)
        except (OSError, ConnectionError):
            msg_id = None
        finally:
            sock.close()
        listener.result()
        if msg_id == sccp.REGISTER_ACK:
            self.outcome = f"registered-{mode}"
            return self.outcome
        return self._stop("register", "register-refused")
