"""What the EXEC, global configuration and PKI commands of the reference CME's CLI do to the
model, and what IOS prints for them (the voice sub-modes are in ``ios_voice_actions``).

Handlers take ``(cli, slots, negated, command)``; ``cli.world`` is the
``runner.World``. Dialog texts are those of ``shared/domain/ios-commands.md`` §3
(D1..D12); the few not documented there say so. A change that only takes
effect when services restart (a new trustpoint for TLS, a CTL, signed configs)
is picked up by ``Router.start_services``, which the fix runner calls after the
steps, as the router does when its configuration changes.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cmedebug.refcme import show as shows
from cmedebug.refcme.ca import CA_KEY_BITS, KEYGEN_SECONDS, TFTP_GIVE_UP_SECONDS, IosCa
from cmedebug.refcme.clock import UTC
from cmedebug.refcme.keys import rsa_key
from cmedebug.refcme.trustpoints import ENROLL_NOTICE, Trustpoint, fingerprint, subject_cn

def _router(cli):
    return cli.world.router


def _tp(cli, name: str) -> Trustpoint | None:
    tp = _router(cli).trustpoints.get(name)
    if tp is None:
        cli.say(f"% Trustpoint {name} not found.")  # inferred wording
    return tp


# -- EXEC ---------------------------------------------------------------------------------
def grant(cli, slots, negated, command) -> None:
    for request in _pending(cli, slots):  # (the client collects the certificate at its next poll: fix.wait_until)
        _router(cli).ca.grant(request)


def reject_or_remove(cli, slots, negated, command) -> None:
    """`reject`: the request is denied; `remove`: it leaves the enrollment database (IOSCS123)."""
    for request in _pending(cli, slots):
        if slots["op"] == "remove":
            _router(cli).ca.requests.remove(request)
        else:
            request.state = "denied"


def _pending(cli, slots) -> list:
    """The pending requests `crypto pki server <ca> ... {all|<id>}` names (none, said, when the server is not running)."""
    ca = _router(cli).ca
    if ca is None or ca.name != slots["ca"] or not ca.enabled:
        cli.say(f"% Certificate server {slots['ca']} is not running.")  # inferred wording
        return []
    return [r for r in ca.requests if r.state == "pending" and (slots["which"] == "all" or str(r.id) == slots["which"])]


def clock_set(cli, slots, negated, command) -> None:
    parts = [slots["day"], slots["month"]]
    day, month = parts if parts[0].isdigit() else parts[::-1]
    try:
        when = datetime.strptime(f"{slots['time']} {day} {month[:3]} {slots['year']}", "%H:%M:%S %d %b %Y")
    except ValueError:
        cli.say("% Invalid input detected at '^' marker.")
        return
    _router(cli).clock.set(when.replace(tzinfo=UTC), "manual")


SHOWS = {
    "clock": lambda w: shows.show_clock(w.router),
    "crypto pki server": lambda w: shows.show_pki_server(w.ca) if w.ca else [],
    "crypto pki certificates": lambda w: shows.show_pki_certificates(w.router),
    "crypto pki trustpoints status": lambda w: shows.show_trustpoints_status(w.router),
    "ctl-client": lambda w: shows.show_ctl_client(w.router),
    "capf-server summary": lambda w: shows.show_capf_summary(w.router),
    "capf-server sessions": lambda w: shows.show_capf_sessions(w.router),
    "telephony-service security-info": lambda w: shows.show_security_info(w.router),
    "ephone": lambda w: shows.show_ephone(w.router, w.phone),
    "running-config": lambda w: shows.running_config(w.router),
}


def show_output(world, what: str) -> list[str] | None:
    """The output of `show <what>` the model can print (longest known command that
    ``what`` starts with; arguments after it, like a trustpoint name, are ignored)."""
    for known in sorted(SHOWS, key=len, reverse=True):
        if what == known or what.startswith(known + " "):
            return SHOWS[known](world)
    return None


def show(cli, slots, negated, command) -> None:
    lines = show_output(cli.world, slots["what"])
    cli.say(*(lines if lines is not None else ["% (the reference CME does not model this output)"]))


def ping(cli, slots, negated, command) -> None:
    router, target = _router(cli), slots["target"]
    known = {router.address, router.ntp_server, router.ca.address if router.ca else None}
    cli.say("Type escape sequence to abort.",
            f"Sending 5, 100-byte ICMP Echos to {target}, timeout is 2 seconds:")
    cli.say("!!!!!" if target in known else ".....",
            f"Success rate is {100 if target in known else 0} percent ({5 if target in known else 0}/5)")


def write(cli, slots, negated, command) -> None:
    cli.say("Building configuration...", "[OK]")


def delete(cli, slots, negated, command) -> None:
    file = slots["file"]
    cli.ask(f"Delete filename [{file.split(':')[-1]}]?")  # inferred dialog
    if cli.ask(f"Delete {file}? [confirm]").lower() in ("", "y", "yes"):
        router = _router(cli)
        if router.ca is not None and router.ca.name in file:
            router.ca.database_lost = True


def copy(cli, slots, negated, command) -> None:
    """A file copied (the CA database moved to flash): the reference keeps no file system. A
    file of a database the server lost (its TFTP server gone) cannot be read: IOS's generic
    file-system error, after the TFTP client's retries."""
    source, destination = slots["source"], slots["destination"]
    cli.ask(f"Destination filename [{destination.split(':')[-1]}]?")  # inferred dialog
    ca = _router(cli).ca
    if ca is not None and ca.database_lost and source.startswith(ca.database_url):
        remote = ca.filesystem == "tftp"
        if remote:
            cli.world.log.wait(TFTP_GIVE_UP_SECONDS)
        cli.say(cli.world.log.text_of("cs.file-error", url=source,
                                      reason="Timed out" if remote else "No such file or directory"))
        return
    cli.say(f"Copied {source} to {destination}")  # inferred wording


def mkdir(cli, slots, negated, command) -> None:
    cli.ask(f"Create directory filename [{slots['dir'].split(':')[-1]}]?")  # inferred dialog
    cli.say(f"Created dir {slots['dir']}")


def reload(cli, slots, negated, command) -> None:
    if cli.confirm("System configuration has been modified. Save? [yes/no]:"):
        cli.say("Building configuration...", "[OK]")
    cli.ask("Proceed with reload? [confirm]")


# -- global configuration ---------------------------------------------------------------------
def http_server(cli, slots, negated, command) -> None:
    router = _router(cli)
    router.http_server = not negated
    if router.ca is not None and cli.world.ca_log is None:
        router.ca.http_server = not negated


def ntp_server(cli, slots, negated, command) -> None:
    """A reachable NTP server synchronises the clock to the world's time (the phone's
    clock, which the reference system keeps right)."""
    router = _router(cli)
    router.ntp_server = None if negated else slots["ip"]
    if not negated:
        router.clock.set(cli.world.phone.log.clock.now, "ntp")


def cs_server(cli, slots, negated, command) -> None:
    router, name = _router(cli), slots["ca"]
    if negated:
        if router.ca is not None and router.ca.name == name:
            router.ca.enabled, router.ca.cert, router.ca.key = False, None, None
        return
    if router.ca is None or router.ca.name != name:
        router.ca = IosCa(name, router.clock, router.address, seed=cli.world.seed)
        router.trustpoints.setdefault(name, Trustpoint(name, None, None, seed=cli.world.seed, is_ca=True))


def trustpoint(cli, slots, negated, command) -> None:
    router, name = _router(cli), slots["tp"]
    if negated:
        router.trustpoints.pop(name, None)
    else:
        router.trustpoints.setdefault(name, Trustpoint(name, None, None, seed=cli.world.seed))


def authenticate(cli, slots, negated, command) -> None:
    """D3: the CA certificate's fingerprints, then `% Do you accept this certificate?`."""
    tp = _tp(cli, slots["tp"])
    if tp is None:
        return
    if tp.enrollment_url is None:
        certificate = _pasted_ca_certificate(cli)
        if certificate is None:
            return
    else:
        trial = dataclasses.replace(tp)
        if not trial.authenticate(cli.world.ca, cli.world.log):
            cli.say(cli.world.log.text_of("pki.ca-receive-error"))
            return
        certificate = trial.ca_cert
    der, log = certificate.public_bytes(serialization.Encoding.DER), cli.world.log
    cli.say(log.text_of("pki.cert-attributes"), log.text_of("pki.fingerprint-md5", fingerprint=fingerprint(der, "md5")),
            log.text_of("pki.fingerprint-sha1", fingerprint=fingerprint(der, "sha1")))
    if cli.confirm("% Do you accept this certificate? [yes/no]:"):  # pki.accept-prompt, asked
        tp.ca_cert = certificate
        cli.say(log.text_of("pki.ca-accepted"))


def _pasted_ca_certificate(cli, limit: int = 400):
    """D3 with `enrollment terminal`: the CA certificate pasted in base 64 (PEM armour
    allowed), ended by a blank line or `quit`; None (with IOS's error) when it is no certificate."""
    cli.say("Enter the base 64 encoded CA certificate.",
            'End with a blank line or the word "quit" on a line by itself')
    lines = []
    while len(lines) < limit:
        line = cli.ask("", default="quit")
        if line in ("", "quit"):
            break
        lines.append(line)
    body = "".join(line for line in lines if not line.startswith("-----"))
    try:
        return x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
    except (ValueError, binascii.Error):
        cli.say(cli.world.log.text_of("pki.ca-receive-error"))
        return None


def enroll(cli, slots, negated, command) -> None:
    """D4: challenge password twice, the serial-number and IP-address questions where the
    trustpoint has no `serial-number none` / `ip-address none`, then `Request certificate from CA?`."""
    tp = _tp(cli, slots["tp"])
    if tp is None:
        return
    if tp.ca_cert is None:
        cli.say("% You must authenticate the Certificate Authority before you can enroll with it.")
        return
    if tp.enrollment_url is None:
        cli.say("% The reference CME models SCEP enrollment only (enrollment url).")
        return
    log = cli.world.log
    cli.say(*(log.text_of(mid) for mid in ENROLL_NOTICE))
    first, again = cli.ask("Password:"), cli.ask("Re-enter password:")
    if first != again:
        cli.say("% Password mismatch.")  # inferred wording
        return
    cli.say(log.text_of("pki.enroll-subject", subject=f"CN={tp.subject}"))
    if not tp.serial_none and cli.confirm("% Include the router serial number in the subject name? [yes/no]:"):
        cli.say(f"% The serial number in the certificate will be: {cli.world.platform.board_serial}")
    if not tp.ip_none:
        cli.ask("% Include an IP address in the subject name? [no]:")
    if not cli.confirm("Request certificate from CA? [yes/no]:"):
        return
    new_key = tp.key is not None and tp.key_bits is not None and tp.key.key_size != tp.key_bits
    if tp.enroll(cli.world.ca, log, new_key=new_key) or tp.pending is not None:
        cli.say(log.text_of("pki.request-sent"), log.text_of("pki.enroll-fingerprint-hint", tp=tp.name))


def export(cli, slots, negated, command) -> None:
    tp = _tp(cli, slots["tp"])
    if tp is not None and tp.ca_cert is not None:
        pem = tp.ca_cert.public_bytes(serialization.Encoding.PEM).decode().splitlines()
        cli.say("% CA certificate:", *pem)


def keygen(cli, slots, negated, command) -> None:
    """D9 (`modulus` omitted: the size is asked; given: IOS says the size). An existing label is
    replaced after a question, asked first (inferred wording and order). IOS says whether the
    keys are exportable."""
    words = slots["rest"].split()
    label = words[words.index("label") + 1] if "label" in words[:-1] else cli.hostname
    if label in cli.keys and not cli.confirm(f"% You already have RSA keys defined named {label}.\n"
                                             "% Do you really want to replace them? [yes/no]:"):
        return
    text_of = cli.world.log.text_of
    if "modulus" in words[:-1] and words[words.index("modulus") + 1].isdigit():
        bits = int(words[words.index("modulus") + 1])
        cli.say(text_of("crypto.modulus-size", bits=bits))
    else:
        cli.say(f"The name for the keys will be: {label}",
                "Choose the size of the key modulus in the range of 360 to 2048 for your",
                "  General Purpose Keys. Choosing a key modulus greater than 512 may take",
                "  a few minutes.", "")
        answer = cli.ask("How many bits in the modulus [512]:")
        bits = int(answer) if answer.isdigit() else 512
    generating = "crypto.generating-exportable-keys" if "exportable" in words else "crypto.generating-keys"
    cli.say(text_of(generating, bits=bits), text_of("crypto.generated-ok", seconds=1))
    cli.keys[label] = rsa_key(f"cli/{label}/{len(cli.keys)}", bits, cli.world.seed)


# -- sub-modes ---------------------------------------------------------------------------------
def _ca(cli) -> IosCa:
    return _router(cli).ca


def ca_database_url(cli, slots, negated, command) -> None:
    ca = _ca(cli)
    if not negated and slots["url"] != ca.database_url:
        ca.database_url, ca.database_lost = slots["url"], False


def ca_issuer_name(cli, slots, negated, command) -> None:
    """The DN of the CA certificate the next `no shutdown` generates (IOS: fixed once it exists)."""
    ca = _ca(cli)
    if ca.cert is None:
        ca.issuer_name = None if negated else " ".join(slots["dn"].split())


def ca_grant_auto(cli, slots, negated, command) -> None:
    if negated:
        _ca(cli).grant_auto = False
        return
    cli.say("% This will cause all certificate requests to be automatically granted.")
    if cli.confirm("Are you sure you want to do this? [yes/no]:"):
        _ca(cli).grant_auto = True


def ca_lifetime(cli, slots, negated, command) -> None:
    days = int(slots["days"]) if slots["days"].isdigit() else None
    field_name = "lifetime_ca_days" if "ca-certificate" in command.pattern else "lifetime_cert_days"
    if days is not None and not negated:
        setattr(_ca(cli), field_name, days)


def ca_auto_rollover(cli, slots, negated, command) -> None:
    """Accepted; the model has no rollover timer (a rollover certificate would follow later)."""


def ca_shutdown(cli, slots, negated, command) -> None:
    """`shutdown`; `no shutdown` is D2 (IOS 15.x): a passphrase when the server has no key yet."""
    ca, log = _ca(cli), cli.world.log
    if not negated:
        ca.enabled, ca.shutdown = False, True
        return
    ca.shutdown = False
    if ca.enabled:
        return
    if ca.key is not None and not ca.database_lost:
        ca.enabled = True
        cli.say(log.text_of("cs.enabled-console"))
        return
    # The terminal's side of D2, in the message catalogue's words; `IosCa.enable` keeps the
    # router's own record of it in the log.
    cli.say(*(log.text_of(mid) for mid in ("cs.settings-locked", "cs.passphrase-prompt", "cs.passphrase-return")))
    first = cli.ask(log.text_of("console.password"))
    if not first:
        return
    if cli.ask(log.text_of("console.re-enter-password")) != first:
        cli.say("% Password mismatch.")  # inferred wording
        return
    ca.database_lost = False
    ca.http_server = _router(cli).http_server
    ca.enable(log)
    _router(cli).adopt_ca()
    cli.say(log.text_of("crypto.generating-keys", bits=CA_KEY_BITS),
            log.text_of("crypto.generated-ok", seconds=int(KEYGEN_SECONDS)), log.text_of("cs.exporting"),
            log.text_of("cs.enabled-console"))


def _current_tp(cli) -> Trustpoint:
    """The trustpoint whose sub-mode the CLI is in (the last one entered)."""
    entered = next(o.line for o in reversed(cli.outcomes)
                   if o.command == "crypto pki trustpoint {tp}")
    return _router(cli).trustpoints[entered.split()[-1]]


def tp_enrollment_url(cli, slots, negated, command) -> None:
    _current_tp(cli).enrollment_url = None if negated else slots["url"]


def tp_enrollment_terminal(cli, slots, negated, command) -> None:
    _current_tp(cli).enrollment_url = None


def tp_revocation(cli, slots, negated, command) -> None:
    # `crl none`: a CRL when one can be fetched, else accept; the model's checks treat anything but a
    # bare `crl` as not requiring one
    _current_tp(cli).revocation_check = "crl" if negated else " ".join(slots["methods"].split()) or "crl"


def tp_serial_number(cli, slots, negated, command) -> None:
    _current_tp(cli).serial_none = not negated and slots["rest"].split() == ["none"]


def tp_ip_address(cli, slots, negated, command) -> None:
    _current_tp(cli).ip_none = not negated and slots["rest"].split() == ["none"]


def tp_subject_name(cli, slots, negated, command) -> None:
    _current_tp(cli).subject_cn = "" if negated else subject_cn(slots["dn"])


def tp_rsakeypair(cli, slots, negated, command) -> None:
    tp = _current_tp(cli)
    if negated:
        tp.key_bits, tp.key_label = None, None
        return
    sizes = slots["sizes"].split()
    tp.key_label = " ".join([slots["label"], *sizes])
    key = cli.keys.get(slots["label"])
    if key is not None:
        tp.key, tp.key_bits = key, key.key_size
    elif sizes and sizes[0].isdigit():
        tp.key_bits = int(sizes[0])
