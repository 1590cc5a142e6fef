from __future__ import annotations

from cmedebug.rules._advisory import Advisory
from cmedebug.remediation import Step
from cmedebug.rules._format import evidence_of


class FaxModemRelayNotSecure(Advisory):
    """Fax relay and modem relay calls are not secure.

    What it detects
        A Secure CME with T.38 / fax relay or modem relay configured (`fax protocol t38`
        under `voice service voip` or a dial-peer, `modem relay ...`).
        Reported only when phone security is in use.

    Why it matters
        Modem relay and fax relay calls are not secure (Cisco writes "T.3 fax relay", read T.38):
        those calls are carried without SRTP.

    Evidence
        running-config `voice service voip` / `fax protocol t38 ...`; `dial-peer voice 10 voip` /
        `fax protocol t38`; `modem relay nse ...`.

    False positives
        None: this is by design.

    References
        Seed article (Limitations); Secure CME primer §3.2 A5.
    """

    id = "LIM005"
    name = "fax-modem-relay-not-secure"
    title = "Fax relay and modem relay calls are not secure (advisory)"
    remediation = (
        Step("exec", "show call active fax",
             why="fax relay and modem relay calls are not secure: accept it, or route them over a dedicated "
                 "non-secure path"),
    )
    verify = "Verify with `show call active fax` (the call uses T.38 without SRTP, as expected)."

    def advise(self, case):
        relay = [f for f in list(case.facts_of("config.voice")) if f.fields.get("fax_protocol") or f.fields.get("modem_relay")]
        relay += [f for f in list(case.facts_of("config.dial_peer")) if f.fields.get("fax_protocol")]
        if relay:
            what = relay[0].fields.get("fax_protocol") or "modem relay"
            yield self.finding(f"Fax / modem relay is configured ({what}): those calls are not secure.",
                               evidence_of(relay, 3))
