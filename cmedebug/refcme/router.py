"""The CME router: configuration, its PKI, and the services it runs for the phones."""
from __future__ import annotations

from dataclasses import dataclass, field

from cmedebug.refcme import signer
from cmedebug.refcme.ca import IosCa
from cmedebug.refcme.capf import AUTH_MODES, CapfConfig, CapfServer
from cmedebug.refcme.ctl_client import CtlClient
from cmedebug.refcme.debuglog import RouterLog
from cmedebug.refcme.sccp import SccpService, validity_problem
from cmedebug.refcme.show import show_capf_sessions
from cmedebug.refcme.tftp import TftpServer
from cmedebug.refcme.trustpoints import Trustpoint

DEBUGS = ("crypto pki transactions", "crypto pki messages", "crypto pki server", "ctl-client", "tftp events",
          "capf-server all", "ephone register")


@dataclass
class Ephone:
    number: int
    mac: str
    security_mode: str | None = None  # ephone-level `device-security-mode` (overrides the global one)
    cert_oper: tuple[str, str] | None = None  # (`upgrade`|`delete`|`fetch`, auth-mode)
    capf_auth_str: str | None = None

    @property
    def device(self) -> str:
        return f"SEP{self.mac}"

    @property
    def dotted_mac(self) -> str:
        m = self.mac
        return f"{m[0:4]}.{m[4:8]}.{m[8:12]}"


@dataclass
class Router:
    log: RouterLog
    ca: IosCa | None
    address: str = "10.1.1.1"
    trustpoints: dict[str, Trustpoint] = field(default_factory=dict)
    secure_signaling: str | None = "cme-sccp"
    tftp_credentials: str | None = "cme-tftp"
    device_security_mode: str = "encrypted"
    ephones: list[Ephone] = field(default_factory=list)
    ctl_client: CtlClient | None = None
    ctl_regenerated: bool = True  # False: `regenerate` never run, so no CTL file exists
    capf_config: CapfConfig = field(default_factory=CapfConfig)
    http_server: bool = True
    ntp_server: str | None = "10.1.1.254"
    secure_listener_wanted: bool = True  # False when secure-signaling was applied before its trustpoint was enrolled
    watch_capf_encrypt: bool = False  # the engineer runs `show capf-server sessions` while the phone signs
    cnf_files_built: object = None  # when `create cnf-files` last ran: its version stamp in the running-config
    phone_loads: dict = field(default_factory=dict)  # telephony-service `load <phone-type> <firmware>`
    tftp: TftpServer = field(init=False)
    capf: CapfServer | None = field(default=None, init=False)
    sccp: SccpService | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tftp = TftpServer(self.log)

    @property
    def hostname(self) -> str:
        return self.log.hostname

    @property
    def clock(self):
        return self.log.clock

    def ephone_for(self, device: str) -> Ephone | None:
        return next((e for e in self.ephones if e.device == device), None)

    # -- building ------------------------------------------------------------------
    def adopt_ca(self) -> None:
        """The certificate server's own trustpoint holds its key and self-signed certificate."""
        tp = self.trustpoints.get(self.ca.name) if self.ca else None
        if tp is not None:
            tp.ca_cert = tp.cert = self.ca.cert
            tp.key = self.ca.key

    def enroll_all(self, cas: list[IosCa], names=None, *, new_key: bool = False) -> None:
        """Authenticate and enroll the trustpoints ``names`` (None: all, as the build does them:
        a trustpoint left unenrolled at the build is skipped, or not authenticated either)."""
        for tp in self.trustpoints.values():
            if tp.enrollment_url is None or (names is not None and tp.name not in names):
                continue
            if names is None and not tp.authenticated_at_build:
                continue
            ca = next((c for c in cas if c.address == tp.ca_host), None)
            if tp.authenticate(ca, self.log) and (names is not None or tp.enrolled_at_build):
                tp.enroll(ca, self.log, new_key=new_key)

    def regenerate_ctl(self) -> None:
        """`ctl-client` / `regenerate`, unless the administrator never ran it."""
        if self.ctl_client is None or not self.ctl_regenerated:
            return
        data = self.ctl_client.regenerate(self.trustpoints, self.log, self.clock.now, self.hostname)
        if data is not None:
            self.tftp.publish("CTLFile.tlv", data)
            for e in self.ephones:
                self.tftp.publish(f"CTLSEP{e.mac}.tlv", data)

    def create_cnf_files(self) -> None:
        self.cnf_files_built = self.clock.now
        for e in self.ephones:
            mode = e.security_mode or self.device_security_mode
            capf_mode = AUTH_MODES[e.cert_oper[1]] if e.cert_oper else 0
            # the reference has one phone model: a `load` line for any type is that phone's load
            load = next(iter(self.phone_loads.values()), signer.PHONE_LOAD)
            xml = signer.cnf_xml(e.mac, self.address, mode, capf_mode, self.capf_config.port, load)
            self.tftp.publish(f"SEP{e.mac}.cnf.xml", xml)
            tp = self.trustpoints.get(self.tftp_credentials) if self.tftp_credentials else None
            self.tftp.publish(f"SEP{e.mac}.cnf.xml.sgn", signer.signed_cnf(e.mac, xml, tp, self.clock.now))

    # -- services ----------------------------------------------------------------------
    def start_services(self) -> None:
        """TFTP, CAPF and SCCP on loopback, with the files and certificates as they are now."""
        self.stop_services()
        self.tftp.start()
        issuers = self.trusted_issuers()
        cfg = self.capf_config
        cfg.operations = {e.device: e.cert_oper[0] for e in self.ephones if e.cert_oper}
        cfg.auth_strings = {e.device: e.capf_auth_str for e in self.ephones if e.capf_auth_str}
        modes = {e.cert_oper[1] for e in self.ephones if e.cert_oper}
        if modes:
            cfg.auth_mode = modes.pop()
        capf_tp = self.trustpoints.get(cfg.trustpoint)
        if capf_tp is not None and capf_tp.cert is not None and self.ca is not None:
            self.capf = CapfServer(cfg, capf_tp, self.ca, issuers, self.log)
            if self.watch_capf_encrypt:
                self.capf.on_state = self._show_sessions_while_signing
        secure_tp = self.trustpoints.get(self.secure_signaling) if self.secure_signaling else None
        if secure_tp is not None and secure_tp.cert is None:
            # applied to a trustpoint without a certificate: the listener stays closed until the setting is
            # applied again once it holds one (primer F34; inferred)
            self.secure_listener_wanted = False
        if not self.secure_listener_wanted:
            secure_tp = None
        self.sccp = SccpService(self, secure_trustpoint=secure_tp, trusted_issuers=issuers)

    def _show_sessions_while_signing(self, sessions: dict) -> None:
        """`show capf-server sessions` typed while a phone signs its enrollment request."""
        if "AWAIT ENCRYPT MSG RESP" in sessions.values():
            self.log.say("exec.show", command="capf-server sessions")
            for line in show_capf_sessions(self, sessions):
                self.log.print_output(line)

    def trusted_issuers(self) -> list:
        """Every CA certificate the router holds in a trustpoint: the issuers it accepts
        for phone LSCs and MICs (imported MIC roots included)."""
        found = {}
        for tp in self.trustpoints.values():
            if tp.ca_cert is not None:
                found.setdefault(tp.ca_cert.tbs_certificate_bytes, tp.ca_cert)
        return list(found.values())

    def stop_services(self) -> None:
        for service in (self.tftp, self.capf, self.sccp):
            if service is not None:
                service.close()
        self.capf = self.sccp = None

    # -- the router's own certificate checks ---------------------------------------------
    def pki_check(self, cert) -> bool:
        problem = validity_problem(cert, self.clock.now)
        if problem:
            mid, fields = problem
            self.log.emit(mid, **fields)
        return problem is None

    def revocation_unavailable(self) -> bool:
        """True when the peer's chain cannot be checked for revocation, per the CA
        trustpoint's `revocation-check` (the IOS default `crl` needs a current CRL). The
        CA's own trustpoint has no enrollment URL: its CRL is the file at the server's
        `database url`, which must be readable."""
        anchor = self.trustpoints.get(self.ca.name) if self.ca else None
        if anchor is None or anchor.revocation_check != "crl" or self.ca.open_database(self.log, "crl"):
            return False
        self.log.emit("PKI-3-CRL_FETCH_FAIL", tp=anchor.name)
        self.log.say("pki.crl-fail-reason", reason="Enrollment URL not configured.")
        return True
