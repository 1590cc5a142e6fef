"""What the voice commands of the reference CME's CLI do: `ctl-client`, `capf-server`,
`telephony-service` and `ephone` (the PKI and EXEC commands are in ``ios_actions``).
Handlers take ``(cli, slots, negated, command)`` like those."""
from __future__ import annotations

from cmedebug.refcme.router import Ephone

CTL_ROLES = {"cme": "cme", "tftp": "tftp", "capf": "capf", "cme-tftp": "cme"}


def _router(cli):
    return cli.world.router


def ctl_sast(cli, slots, negated, command) -> None:
    client = _router(cli).ctl_client
    setattr(client, command.pattern.split()[0], None if negated else slots["tp"])


def ctl_server(cli, slots, negated, command) -> None:
    client = _router(cli).ctl_client
    kind = CTL_ROLES[slots["kind"]]
    client.servers = [s for s in client.servers if s[0] != kind]
    if not negated:
        client.servers.append((kind, slots["ip"], slots["tp"]))
        client.servers.sort(key=lambda s: ("cme", "tftp", "capf").index(s[0]))


def ctl_regenerate(cli, slots, negated, command) -> None:
    router = _router(cli)
    if negated:
        return  # `no regenerate` does nothing (ios-commands.md §2.5)
    router.ctl_regenerated = True
    router.regenerate_ctl()


def _capf(cli):
    return _router(cli).capf_config


def capf_trustpoint(cli, slots, negated, command) -> None:
    _capf(cli).trustpoint = slots["tp"]


def capf_ca_trustpoint(cli, slots, negated, command) -> None:
    _capf(cli).ca_trustpoint = slots["tp"]


def capf_auth_mode(cli, slots, negated, command) -> None:
    _capf(cli).auth_mode = "none" if negated else slots["mode"]


def capf_auth_string(cli, slots, negated, command) -> None:
    """`auth-string generate {all | <tag>} [<digits>]`: the string goes into the ephone config."""
    router = _router(cli)
    chosen = [e for e in router.ephones if slots["which"] in ("all", str(e.number))]
    for e in chosen:
        e.capf_auth_str = None if slots["op"] == "delete" else (slots["digits"] or f"{1000 + e.number}")


def capf_number(cli, slots, negated, command) -> None:
    key, value = next(iter(slots.items()))
    field_name = {"bits": "phone_key_size", "port": "port", "count": "keygen_retry",
                  "minutes": "keygen_timeout_min"}[key]
    if value.isdigit() and not negated:
        setattr(_capf(cli), field_name, int(value))


def capf_cert_oper(cli, slots, negated, command) -> None:
    for e in _router(cli).ephones:
        e.cert_oper = None if negated else (slots["op"], _capf(cli).auth_mode)


def secure_signaling(cli, slots, negated, command) -> None:
    """Applying it again once the trustpoint holds a certificate opens the TLS listener."""
    router = _router(cli)
    router.secure_signaling = None if negated else slots["tp"]
    tp = router.trustpoints.get(slots["tp"])
    router.secure_listener_wanted = not negated and tp is not None and tp.cert is not None


def tftp_credentials(cli, slots, negated, command) -> None:
    _router(cli).tftp_credentials = None if negated else slots["tp"]


def _current_ephone(cli) -> Ephone | None:
    entered = next((o.line for o in reversed(cli.outcomes) if o.command == "ephone {tag}"), "")
    return next((e for e in _router(cli).ephones if str(e.number) == entered.split()[-1]), None)


def security_mode(cli, slots, negated, command) -> None:
    router = _router(cli)
    if cli.mode == "config-ephone":
        ephone = _current_ephone(cli)
        if ephone is not None:
            ephone.security_mode = None if negated else slots["mode"]
    else:
        router.device_security_mode = "none" if negated else slots["mode"]


def ephone(cli, slots, negated, command) -> None:
    if not slots["tag"].isdigit():
        return
    router, number = _router(cli), int(slots["tag"])
    if negated:
        router.ephones = [e for e in router.ephones if e.number != number]


def ephone_auth_str(cli, slots, negated, command) -> None:
    ephone = _current_ephone(cli)
    if ephone is not None:
        ephone.capf_auth_str = None if negated else slots["digits"]


def ephone_cert_oper(cli, slots, negated, command) -> None:
    ephone = _current_ephone(cli)
    if ephone is not None:
        ephone.cert_oper = None if negated else (slots["op"], slots["mode"])


def telephony_load(cli, slots, negated, command) -> None:
    """`load <phone-type> <firmware>`: the load the phones of that type are told to run
    (in their configuration files, from the next `create cnf-files`)."""
    loads = _router(cli).phone_loads
    if negated:
        loads.pop(slots["type"], None)
    else:
        loads[slots["type"]] = slots["firmware"]


def create_cnf_files(cli, slots, negated, command) -> None:
    cli.say("Creating CNF files")
    _router(cli).create_cnf_files()
