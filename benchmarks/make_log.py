"""Write a large, realistic router log for the benchmark: deterministic with ``--seed``.

The file is what a syslog server collects from a few busy CMEs with debugs on:
every line is ``<server stamp> <host> <seq>: <device stamp>: <message>``. Most
lines are noise (SCCP keepalives, ``debug ephone`` call chatter, unrelated
syslogs, interface flaps); about 2% are the evidence cmedebug looks for (PKI,
CAPF, TLS, registration), in the shapes of ../shared/domain/messages.md and the
reference CME. Each device boots with a clock IOS flags ``*`` (the Mar 1 1993
boot default), is set by NTP (``.``) and then synchronised (no flag).

    python benchmarks/make_log.py                      # 1,000,000 lines -> benchmarks/data/router-1000000-seed1.log
    python benchmarks/make_log.py --lines 3000000 --seed 7 -o /tmp/big.log
    python benchmarks/make_log.py --shape mixed --lines 1000000   # 10% real corpus lines (issue 17)
    python benchmarks/make_log.py --shape dense --lines 2500000   # ../shared/corpus repeated
"""
from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
DEVICES = ("cme-hq", "cme-br1", "cme-br2")
BOOT = datetime(1993, 3, 1, 0, 0, 12)  # the date an IOS router without a calendar boots at
SYNCED = datetime(2026, 11, 26, 8, 0, 0)
MACS = [f"000E325C{n:04X}" for n in range(0x9A00, 0x9A40)]


def _ip(rng: random.Random) -> str:
    return f"10.10.{rng.randint(10, 40)}.{rng.randint(2, 250)}"


# --- noise -----------------------------------------------------------------
def sccp_keepalive(rng: random.Random) -> str:
    n = rng.randint(1, 60)
    return rng.choice((
        f"ephone-{n}[{n}]:KeepaliveMessage from ephone {n}",
        f"ephone-{n}[{n}]:KeepaliveAck sent to ephone {n}",
        f"skinny_socket_process: keepalive socket {n} ip {_ip(rng)}",
    ))


def ephone_chatter(rng: random.Random) -> str:
    # shapes of `debug ephone state` (corpus 08) and `debug ephone register` (corpus 13)
    n, dn, ref = rng.randint(1, 60), rng.randint(1, 200), rng.randint(1, 999)
    return rng.choice((
        f"ephone-{n}[{n}]:OFFHOOK",
        f"ephone-{n}[{n}]:ONHOOK",
        f"ephone-{n}[{n}]:SetCallState line 1 DN {dn}(-1) chan 1 ref {ref} TsOffHook",
        f"ephone-{n}[{n}]:SetCallState line 1 DN {dn}({dn}) chan 1 ref {ref} TsRingIn",
        f"DN {dn} chan 1 Voice_Mode",
        f"dn_tone_control DN={dn} chan 1 tonetype=33:DtInsideDialTone onoff=1 pid=232",
        f"ephone-{n}[{n}]:Call Info DN {dn} line 1 ref {ref} called {6000 + dn} calling 6000 origcalled {6000 + dn} calltype 2",
        f"ephone-{n}[{n}]:Check Plar Number",
        f"ephone-{n}[{n}]::callingNumber {6000 + dn}",
        f"ephone-{n}[-1]:stationIpAddr {_ip(rng)}",
    ))


def unrelated_syslog(rng: random.Random) -> str:
    return rng.choice((
        "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.1.1.5)",
        f"%SEC-6-IPACCESSLOGP: list 101 denied tcp {_ip(rng)}({rng.randint(1024, 65535)}) -> 10.1.1.1(22), 1 packet",
        f"%DHCPD-4-PING_CONFLICT: DHCP address conflict:  server pinged {_ip(rng)}.",
        "%SSH-5-SSH2_USERAUTH: User 'admin' authentication for SSH2 Session from 10.1.1.5 (tty = 0) using crypto cipher 'aes256-ctr', hmac 'hmac-sha2-256' Succeeded",
    ))


def interface_flap(rng: random.Random) -> str:
    port = f"GigabitEthernet0/{rng.randint(0, 3)}"
    state = rng.choice(("up", "down"))
    if rng.random() < 0.5:
        return f"%LINK-3-UPDOWN: Interface {port}, changed state to {state}"
    return f"%LINEPROTO-5-UPDOWN: Line protocol on Interface {port}, changed state to {state}"


# --- evidence (multi-line flows are returned as lists) -------------------------
def capf_session(rng: random.Random) -> list[str]:
    mac, sock = rng.choice(MACS), rng.randint(1, 9)
    return [
        f"New Connection from phone, socket {sock}",
        "Created New Handshake Process",
        "SSL Handshake Error -6983",
        "SSL Handshake Successful",
        "ephone_capf_send_auth_req:",
        "ephone_capf_handle_phone_msg: msgtype 2",
        f"ephone_capf_process_auth_res_msg: SEP{mac} AuthMode 2",
        f"ephone_capf_send_PhKeyGenReq_msg: SEP{mac} KeySize 1024",
        "ephone_capf_handle_phone_msg: msgtype 17",
        f"ephone_capf_process_req_in_progress: SEP{mac} delay 0",
        f"ephone_capf_release_session: SEP{mac}",
    ]


def secure_register(rng: random.Random) -> list[str]:
    ip, port, n = _ip(rng), rng.randint(1024, 65535), rng.randint(1, 60)
    return [
        f"Start TLS Handshake {n % 8} {ip} {port}",
        "TLS Handshake retcode OPSSLReadWouldBlockErr",
        "CRYPTO_PKI_OPSSL - Verifying 1 Certs",
        "TLS Handshake completes",
        f"%IPPHONE-6-REGISTER: ephone-{n}:SEP{rng.choice(MACS)} IP:{ip} Socket:{n % 8} DeviceType:Phone has registered.",
    ]


def pki_evidence(rng: random.Random) -> list[str]:
    sn = f"{rng.getrandbits(40):X}"
    return [rng.choice((
        f"%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. The certificate (SN: {sn}) has expired. Validity period ended on 13:09:32 UTC Jun 12 2026",
        "%PKI-6-CERTRET: Certificate received from Certificate Authority",
        "CRYPTO_PKI: status = 0x762(E_ENCRYPT_ALG_NOT_SUPPORTED : message encryption algorithms not supported): pkcs7 verify data returned status",
        f"%SKINNYSECURESERVICE-3-TLS_HANDSHAKE_FAILED:  Reason: unsupported protocol, SocketID: 0, local address : 10.1.20.11:2443 and  remote address : {_ip(rng)}:{rng.randint(1024, 65535)}",
        f"Credentials service: Start TLS Handshake 1 {_ip(rng)} {rng.randint(1024, 65535)}",
        "Credentials service: TLS Handshake completes",
    ))]


NOISE = ((sccp_keepalive, 40), (ephone_chatter, 45), (unrelated_syslog, 5), (interface_flap, 8))
EVIDENCE = (capf_session, secure_register, pki_evidence)
EVIDENCE_SHARE = 0.004  # flows started per line; a flow is 1-11 lines, ~2% of lines in all


class Device:
    """One router: its own sequence numbers and a clock that is set by NTP part way."""

    def __init__(self, host: str, rng: random.Random, sync_at: int):
        self.host, self.rng, self.sync_at = host, rng, sync_at
        self.seq = 0
        self.clock = BOOT + timedelta(seconds=rng.randint(0, 60))
        self.flag = "*"

    def stamp(self) -> str:
        c = self.clock
        return f"{self.flag}{c:%b} {c.day:>2} {c:%H:%M:%S}.{c.microsecond // 1000:03d}"

    def state_messages(self) -> list[str]:
        """Messages printed when the clock changes state (set by NTP, then synchronised)."""
        if self.flag == "*" and self.seq + 1 == self.sync_at:
            old = self.clock
            self.clock, self.flag = SYNCED + (self.clock - BOOT), "."
            return [f"%SYS-6-CLOCKUPDATE: System clock has been updated from {old:%H:%M:%S} UTC {old:%a %b} {old.day} "
                    f"{old.year} to {self.clock:%H:%M:%S} UTC {self.clock:%a %b} {self.clock.day} {self.clock.year}, "
                    "configured from NTP by 10.0.0.1."]
        if self.flag == "*" and self.seq % 5000 == 0:
            return ["%PKI-2-NON_AUTHORITATIVE_CLOCK: PKI functions can not be initialized until an authoritative "
                    "time source, like NTP, can be obtained."]
        if self.flag == "." and self.seq >= self.sync_at + 2000:
            self.flag = ""
        return []

    def line(self, server: datetime, message: str) -> str:
        self.seq += 1
        self.clock += timedelta(microseconds=self.rng.randint(100, 40_000))
        return f"{server:%b} {server.day:>2} {server:%H:%M:%S} {self.host} {self.seq:06d}: {self.stamp()}: {message}\n"


def generate(path: Path, lines: int, seed: int) -> int:
    """Write ``lines`` lines to ``path``; returns the number of bytes written."""
    rng = random.Random(seed)
    devices = [Device(h, random.Random(seed * 31 + i), sync_at=max(2, lines // len(DEVICES) * (i + 3) // 10))
               for i, h in enumerate(DEVICES)]
    noise, weights = zip(*NOISE)
    server = SYNCED
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        buf: list[str] = []
        while written < lines:
            dev = devices[rng.randrange(len(devices))]
            if rng.random() < EVIDENCE_SHARE:
                messages = rng.choice(EVIDENCE)(rng)
            else:
                messages = [rng.choices(noise, weights)[0](rng)]
            for message in messages:
                for msg in [*dev.state_messages(), message]:
                    if written == lines:
                        break
                    server += timedelta(microseconds=rng.randint(100, 20_000))
                    buf.append(dev.line(server, msg))
                    written += 1
            if len(buf) >= 10_000:
                out.writelines(buf)
                buf.clear()
        out.writelines(buf)
    return path.stat().st_size


def default_path(lines: int, seed: int) -> Path:
    return DATA / f"router-{lines}-seed{seed}.log"


# --- inputs of issue 17: the shared corpus, dense and mixed into noise ---------
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"  # ../shared/corpus of the checkout


def corpus_captures() -> list[list[str]]:
    """The real captures of ../shared/corpus, one list of lines per file (sorted by name)."""
    files = sorted(CORPUS.glob("*.log"))
    if not files:
        raise SystemExit(f"{CORPUS} holds no *.log: the dense and mixed inputs are built from it")
    return [f.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True) for f in files]


def generate_dense(path: Path, lines: int) -> int:
    """The whole corpus, end to end, repeated until at least ``lines`` lines (whole
    copies only, so no show block is cut): evidence on every line. Returns the lines written."""
    once = [line if line.endswith("\n") else line + "\n" for capture in corpus_captures() for line in capture]
    copies = -(-lines // len(once))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for _ in range(copies):
            out.writelines(once)
    return copies * len(once)


def family_event(rng: random.Random) -> str:
    """A message a family parser reads into an event of its own (not a generic syslog),
    with values that differ from line to line."""
    if rng.random() < 0.5:
        return (f"%EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED: Reason: certificate expired, Socket ID: {rng.randint(1, 60)}, "
                f"local address : 10.1.20.11:2445 and  remote address : {_ip(rng)}:{rng.randint(1024, 65535)}")
    return f"%SYS-5-CONFIG_I: Configured from console by admin{rng.randint(1, 9)} on vty0 ({_ip(rng)})"


def generate_events(path: Path, lines: int, seed: int) -> int:
    """Nothing but events from three routers, every line a distinct event that analyze
    keeps (issue 11 item 5: memory per kept event): half generic syslogs (unrelated
    messages, interface flaps), half messages of family parsers (TLS failures,
    configuration changes). Returns the lines written."""
    rng = random.Random(seed)
    devices = [Device(h, random.Random(seed * 31 + i), sync_at=2) for i, h in enumerate(DEVICES)]
    server = SYNCED
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for written in range(lines):
            dev = devices[rng.randrange(len(devices))]
            server += timedelta(microseconds=rng.randint(100, 20_000))
            pick = rng.random()
            message = family_event(rng) if pick < 0.5 else unrelated_syslog(rng) if pick < 0.7 else interface_flap(rng)
            out.write(dev.line(server, message))
    return lines


def generate_mixed(path: Path, lines: int, seed: int, evidence_share: float = 0.10) -> int:
    """Routine syslog and ``debug ephone`` chatter from three CMEs (the noise of
    ``generate``), with whole corpus captures pasted in at random points until
    ``evidence_share`` of the lines are real corpus lines. Returns the lines written."""
    rng = random.Random(seed)
    captures = [[line if line.endswith("\n") else line + "\n" for line in c] for c in corpus_captures()]
    devices = [Device(h, random.Random(seed * 31 + i), sync_at=2) for i, h in enumerate(DEVICES)]
    noise, weights = zip(*NOISE)
    server, written, evidence = SYNCED, 0, 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        buf: list[str] = []
        while written < lines:
            if evidence < evidence_share * (written + 1):
                capture = captures[rng.randrange(len(captures))]
                buf.extend(capture)
                written += len(capture)
                evidence += len(capture)
            else:
                dev = devices[rng.randrange(len(devices))]
                for msg in [*dev.state_messages(), rng.choices(noise, weights)[0](rng)]:
                    server += timedelta(microseconds=rng.randint(100, 20_000))
                    buf.append(dev.line(server, msg))
                    written += 1
            if len(buf) >= 10_000:
                out.writelines(buf)
                buf.clear()
        out.writelines(buf)
    return written


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000, help="number of lines (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (same seed, same file)")
    ap.add_argument("--shape", choices=("router", "mixed", "dense", "events"), default="router",
                    help="router: 2%% evidence in noise (default); mixed: 10%% real corpus lines in noise; "
                         "dense: the corpus repeated; events: a distinct generic syslog on every line")
    ap.add_argument("-o", "--output", type=Path, help="default: benchmarks/data/<shape>-<lines>-seed<seed>.log")
    args = ap.parse_args(argv)
    path = args.output or DATA / f"{args.shape}-{args.lines}-seed{args.seed}.log"
    if args.shape == "router":
        written = args.lines
        generate(path, args.lines, args.seed)
    elif args.shape == "mixed":
        written = generate_mixed(path, args.lines, args.seed)
    elif args.shape == "events":
        written = generate_events(path, args.lines, args.seed)
    else:
        written = generate_dense(path, args.lines)
    print(f"{path}: {written} lines, {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
