"""The device view (cmedebug.deployment) as rules ask it: security modes, trustpoints, CTL client."""
from __future__ import annotations

from cmedebug import deployment
from cmedebug.rules._evidence import full_config_given
from cmedebug.rules._links import same_device


# the telephony-service field naming a function's trustpoint -> that function in the device view
_TELEPHONY_FUNCTIONS = {"secure_signaling_trustpoint": "secure-signaling", "tftp_server_credentials_trustpoint": "tftp"}


def global_security_mode(case):
    """(mode, fact) of telephony-service `device-security-mode`: the device view's
    one answer (configuration first, then `show telephony-service security-info`);
    (None, None) when unknown."""
    mode = deployment.device(case).security_mode
    return mode.value, mode.item


def ephone_security_modes(case) -> dict:
    """ephone tag -> (effective mode, config.ephone fact): the ephone's own
    `device-security-mode`, else the global one (the device view's phones)."""
    return {p.ephone.fields.get("ephone"): (p.security_mode.value, p.ephone)
            for p in deployment.device(case).phones.values() if p.ephone is not None}


def secure_mode_intended(case) -> bool:
    """The configuration asks at least some phones for authenticated or encrypted mode."""
    return deployment.device(case).secure_mode_intended()


def ctl_servers(case) -> tuple[list[dict], object]:
    """The server entries of the CTL client ({role, ip, trustpoint}) and the fact
    they came from: the configuration first, then `show ctl-client`."""
    client = deployment.device(case).ctl_client
    return client.servers, client.listing


def telephony_trustpoint(case, field: str):
    """(trustpoint, fact) of `secure_signaling_trustpoint` or
    `tftp_server_credentials_trustpoint`: the device view's answer (config, else
    security-info, else the CTL client's server list)."""
    label = deployment.device(case).functions[_TELEPHONY_FUNCTIONS[field]]
    return label.value, label.item


def functional_trustpoints(case) -> dict[str, list[str]]:
    """Trustpoints a Secure CME function uses -> what uses them, from the
    configuration, the show outputs and `debug ctl-client`. These must hold a
    key and a certificate; CA-only trustpoints (MIC roots) need neither."""
    return {name: list(tp.uses) for name, tp in deployment.device(case).trustpoints.items() if tp.uses}


def trustpoint_configs(case) -> dict[str, object]:
    """Trustpoint name -> its `config.trustpoint` fact (the last one given wins)."""
    return {name: tp.config for name, tp in deployment.device(case).trustpoints.items() if tp.config is not None}


def pki_servers(case) -> list:
    """`show crypto pki server` facts, then `crypto pki server` config facts."""
    return deployment.device(case).ca_servers


def trustpoint_certificates(case) -> dict:
    """trustpoint -> its router (identity) certificate fact, from `show crypto pki
    certificates` or the config's certificate chains (the latest start date wins)."""
    return {name: tp.certificate for name, tp in deployment.device(case).trustpoints.items()
            if tp.certificate is not None}


def telephony_trustpoint_unset(case, field: str, command: str) -> tuple[str, list, object] | None:
    """Why a telephony-service trustpoint setting (``field``, configured with
    ``command``) is unusable, when secure phones need it: (message, evidence,
    confidence) or None. Unset in `show telephony-service security-info` is
    stated by the router (high); absent from a full configuration, or naming a
    trustpoint the configuration does not define, is an inference (medium)."""
    from cmedebug.model import Confidence

    if not (secure_mode_intended(case) or case.has("config.ctl_client", "ctl_client.summary")):
        return None
    for info in list(case.facts_of("telephony.security_info")):
        if field in info.fields and not info.fields[field]:
            return (f"`show telephony-service security-info` shows no {command}", [info], Confidence.HIGH)
    if not full_config_given(case):
        return None
    for tel in list(case.facts_of("config.telephony_service")):
        name = tel.fields.get(field)
        if not name:
            return (f"telephony-service has no `{command}`", [tel], Confidence.MEDIUM)
        defined = set(trustpoint_configs(case)) | {f.fields.get("name") for f in list(case.facts_of("config.pki_server"))}
        if name not in defined:
            return (f"`{command} {name}` names a trustpoint the configuration does not define", [tel],
                    Confidence.MEDIUM)
    return None


def configured_modes_by_mac(case) -> dict:
    """MAC -> (effective device-security-mode, config.ephone fact)."""
    return {f.fields.get("mac"): (mode, f) for mode, f in ephone_security_modes(case).values() if f.fields.get("mac")}


def secure_cme_in_use(case) -> bool:
    """CME with phone security configured or running (secure modes, CTL client, CAPF)."""
    return secure_mode_intended(case) or case.has("config.ctl_client", "ctl_client", "config.capf_server", "capf")


def ntp_servers(case, device: str | None) -> list[str]:
    """The `ntp server` addresses of ``device``'s configuration."""
    return [ip for f in case.facts_of("config.global") if same_device(f.device or f.fields.get("hostname"), device)
            for ip in f.fields.get("ntp_servers") or []]


def without_configured_ntp_server(steps, case, device: str | None):
    """``steps`` less `ntp server {ntp_ip}` where ``device``'s configuration names its NTP server
    (the slot is filled from it): typed again, the line changes nothing. None when nothing is dropped
    (the rule's own steps stand)."""
    if not ntp_servers(case, device):
        return None
    return [step for step in steps if (step.mode, step.command) != ("config", "ntp server {ntp_ip}")]
