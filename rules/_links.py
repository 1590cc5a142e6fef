"""Which findings explain which: symptom rule ids and the cause-symptom tests rules share."""
from __future__ import annotations


# Rules whose findings are what a refused or unusable certificate looks like
# downstream (TLS to 2443 / 3804, CAPF issuance, phones falling back to non-secure).
CERT_FAILURE_SYMPTOMS = ("TLS001", "TLS003", "CAPF005", "CAPF007", "CFG002", "CFG007")


# Rules whose findings are a failed enrollment or a trustpoint left without a certificate.
ENROLLMENT_SYMPTOMS = ("PKI007", "PKI010", "PKI015", "PKI016", "CAPF005")


def phones_on_2443(symptom) -> bool:
    """For a TLS005 symptom, whether its failed handshakes are the phones' secure SCCP ones on
    2443 (where a certificate the phones refuse, or one CME refuses, ends them); True for any
    other symptom."""
    return symptom.rule_id != "TLS005" or symptom.data.get("service") == "skinny-secure"


def same_device(a: str | None, b: str | None) -> bool:
    """Two findings concern the same device (an unnamed device matches any)."""
    from cmedebug.clock import DEFAULT_DEVICE

    return a in (None, DEFAULT_DEVICE) or b in (None, DEFAULT_DEVICE) or a == b


def trustpoints_of(finding) -> set[str]:
    """The trustpoints a finding is about (data `trustpoint` or `trustpoints`)."""
    names = set(finding.data.get("trustpoints") or [])
    if finding.data.get("trustpoint"):
        names.add(finding.data["trustpoint"])
    return names


def shares_trustpoint(cause, symptom) -> bool:
    """A cause about some trustpoints explains a symptom about one of them, or one that names none."""
    theirs = trustpoints_of(symptom)
    return not theirs or bool(trustpoints_of(cause) & theirs)


def moves_ca_database(cause, symptom) -> bool:
    """Whether the fix of ``cause`` puts the database of the certificate server that PKI020's
    ``symptom`` names on flash (a move, or a CA built again on a new database): PKI020's own
    fix is then part of it, and printing both would move the database twice."""
    commands = [step.command for step in cause.remediation]
    return f"crypto pki server {symptom.data.get('ca')}" in commands and \
        any(command.startswith("database url flash:") for command in commands)


def builds_ca_again(cause, symptom) -> bool:
    """Whether the fix of ``cause`` deletes and builds again the certificate server that
    ``symptom`` names (its ``ca``): a new CA issues a new CRL, on a new database."""
    return f"no crypto pki server {symptom.data.get('ca')}" in (step.command for step in cause.remediation)


def rebuild_accounts_for(cause, symptom) -> bool | None:
    """For a PKI020 or PKI024 symptom, whether the CA rebuild of ``cause``'s fix accounts for it
    (the database moved to flash; a CA built again, which issues a new CRL); None for any other."""
    if symptom.rule_id == "PKI020":
        return moves_ca_database(cause, symptom)
    if symptom.rule_id == "PKI024":
        return builds_ca_again(cause, symptom)
    return None
