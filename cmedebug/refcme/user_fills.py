"""Placeholders no evidence can fill, filled by the fix runner the way a user would.

A rendered block keeps `<name>` where the evidence lacks the value (with a line
saying what to put there). A few such values are ones a user looks up outside
the router, and the fix runner looks them up in the reference world instead:

* ``<mic-root>``: a trustpoint name for the issuer of the phone's MIC; the user
  reads the issuer on the phone (Settings > Security) and names the trustpoint
  after it (``CAP-RTP-002``).
* ``<mic-root-pem>``: that issuer's certificate, as the user downloads it from
  Cisco: the reference phone's manufacturing root, in PEM lines.
* ``<phone-type>`` / ``<phone-load>``: the phone's type as `load` names it (read
  on the phone: Settings > Model Information) and the current load for it, as
  the user downloads it from Cisco: the reference phone runs a 7975 load
  (SCCP75...), and any other load name stands for a current one.

Every fill is recorded in fix.toml (``cli.filled``) so a proof never hides that
a value came from the runner rather than from the evidence.
"""
from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from cmedebug.refcme import runner

# runner.manufacturing_identity issues the MIC 900 days before the world's start,
# and runner.mic_root dates the root from that start.
_MIC_AGE = timedelta(days=900)


def _mic_issuer(world):
    mic = world.phone.state.mic
    if mic is None:
        return None
    start = mic[0].not_valid_before_utc + _MIC_AGE
    root, _ = runner.mic_root(world.seed, start)
    return root if root.subject == mic[0].issuer else None


CURRENT_LOAD = {"7975": "SCCP75.9-4-2SR4-3S"}  # what a user downloads from Cisco for the reference phone


def user_values(world) -> dict[str, list[str]]:
    """placeholder as printed -> the lines a user types for it."""
    values = {"<phone-type>": ["7975"], "<phone-load>": [CURRENT_LOAD["7975"]]}
    root = _mic_issuer(world)
    if root is not None:
        cn = root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        values.update({"<mic-root>": [cn],
                       "<mic-root-pem>": root.public_bytes(serialization.Encoding.PEM).decode().strip().splitlines()})
    return values


def fill_as_user(text: str, world) -> tuple[str, list[str]]:
    """The block with the placeholders a user would look up filled (a placeholder
    alone on a line may become several lines), and what was filled."""
    values = user_values(world)
    out, filled = [], []
    for line in text.splitlines():
        several = values.get(line.strip())
        if several is not None and len(several) > 1:
            out.extend(several)
            filled.append(f"{line.strip()}: {len(several)} lines (as a user downloads it)")
            continue
        for placeholder, lines in values.items():
            if placeholder in line and len(lines) == 1:
                line = line.replace(placeholder, lines[0])
                filled.append(f"{placeholder}: {lines[0]}")
        out.append(line)
    return "\n".join(out), list(dict.fromkeys(filled))
