from __future__ import annotations

from cmedebug.engine import Rule
from cmedebug.remediation_steps import (PHONE_KEY_SIZE, PHONES_RESTART, REKEYED_RENEWAL, REKEYED_RENEWAL_BEFORE_RESTART,
                                         lsc_upgrade)
from cmedebug.model import Confidence, Evidence, Severity
from cmedebug.rules._certs import certificates, describe_cert, is_mic_root
from cmedebug.rules._device import telephony_trustpoint
from cmedebug.rules._links import phones_on_2443

# Below this every modern TLS stack and FIPS-mode phone refuses the key.
MINIMUM_BITS = 1024
# What FIPS-mode phones require of the server certificate (8800 admin guide).
FIPS_BITS = 2048
# The evidence of the size CAPF asks the phones to generate (their LSC keys).
PHONE_KEY_KINDS = ("config.capf_server", "capf.summary", "capf.keygen.requested")


class RsaKeyTooSmall(Rule):
    """An RSA key is smaller than the phones or TLS accept.

    What it detects
        Keys below 1024 bits anywhere in the evidence (`%CRYPTO-6-AUTOGEN:
        Generated new 512 bit key pair`, `show crypto key mypubkey rsa` `Key
        type: RSA KEYS 512 bits`, `RSA Public Key: (512 bit)`, `debug
        ctl-client` `Signature length 64`, `phone-key-size 512`, CAPF
        `KeySize 512`), and keys below 2048 bits when a phone reported `Cert key
        size is not FIPS compliant`. Severity is high when phones or TLS
        handshakes failed, medium otherwise.

    Why it matters
        FIPS-mode phones refuse to register with a server certificate under
        2048 bits; modern TLS stacks refuse 512-bit keys; a CTL signed with a
        512-bit SAST key is weak. Enrollment without `rsakeypair` let IOS
        auto-generate a 512-bit key in Cisco's own CME 8.x example.

    Evidence
        `Jan 20 16:03:24.833: %CRYPTO-6-AUTOGEN: Generated new 512 bit key pair`;
        `Phone failed to register. Cert key size is not FIPS compliant.`;
        `ctl_client_create_ctlfile: Signature length 64`.

    False positives
        1024-bit keys (the IOS CA default in Cisco's examples) are reported only
        when a phone said its key check failed; older phone models may not
        support 2048-bit LSCs.

    References
        Secure CME primer F15 rsa-key-too-small (samples 15, 18, 21; 8800AG);
        messages.md §1.4.
    """

    id = "PKI013"
    name = "rsa-key-too-small"
    title = "RSA key too small"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    tags = ("pki", "keys")
    requires = ("crypto.key.autogen", "pki.key.generating", "platform.key", "cert", "ctl_client.signed",
                "config.trustpoint", "config.capf_server", "capf.keygen.requested", "phone.status.cert_key_size_not_fips")
    explains = ("TLS001", "TLS002", "TLS003", "TLS004", "TLS005", "CFG007", "CAPF006", "CAPF007", "PKI014")
    collect = ("show crypto key mypubkey rsa", "show crypto pki certificates verbose", "debug ctl-client",
               "show running-config | section crypto pki trustpoint|capf-server")
    remediation = (
        *REKEYED_RENEWAL_BEFORE_RESTART,
        # only where the phones' own keys are small (phone-key-size 512, CAPF asking for 512 bits): CAPF
        # asks a larger size and issues each secure phone's LSC again (primer F15: "Set phone-key-size
        # 1024 or 2048 according to the phone models"; F41: "re-run cert-oper upgrade")
        *PHONE_KEY_SIZE,
        *lsc_upgrade("the phone's LSC holds a key of the old size: CAPF issues one of the new size at the "
                     "phone's next restart"),
        *PHONES_RESTART,
    )
    # (the new key's label, as rekey_steps names it: the old key keeps the trustpoint's name until it is removed)
    verify = ("Verify with `show crypto key mypubkey rsa {trustpoint}-2048` (Key type: RSA KEYS 2048 bits), `show crypto "
              "pki certificates verbose {trustpoint}` (RSA Public Key: (2048 bit)) and `Signature length 256` in "
              "`debug ctl-client`.")

    def evaluate(self, case):
        fips = list(case.events_of("phone.status.cert_key_size_not_fips"))
        limit = FIPS_BITS if fips else MINIMUM_BITS
        # (the phones' own keys count only below what every secure phone takes: the fix keeps
        # phone-key-size at 1024 or more, and FIPS mode judges the certificates the phone checks)
        small = list({what: (bits, what, item) for bits, what, item in self._keys(case) if bits < limit
                      and not (getattr(item, "kind", "") in PHONE_KEY_KINDS and bits >= MINIMUM_BITS)}.values())
        if not small:
            return
        failures = list(case.events_of("tls.handshake.failed")) + fips
        sizes = sorted({bits for bits, _, _ in small})
        message = (f"RSA key(s) of {', '.join(map(str, sizes))} bits, below the {limit} bits "
                   f"{'that FIPS-mode phones require' if fips else 'that TLS and the phones accept'}: "
                   + "; ".join(what for _, what, _ in small[:5]) + ".")
        if fips:
            message += f" A phone refused to register: `Cert key size is not FIPS compliant` ({len(fips)} time(s))."
        elif failures:
            message += f" {len(failures)} TLS handshake(s) failed."
        if any(_is_ca_key(item) for _, _, item in small):
            message += (" The CA's own key is not replaced by these steps: only a CA built again gets a new key "
                        "(PKI002's rebuild), and every certificate and LSC it issued is issued again then.")
        evidence = [Evidence.of(item) for _, _, item in small[:4]] + [Evidence.of(e) for e in failures[:2]]
        first = next((getattr(item, "ts", None) for _, _, item in small if getattr(item, "ts", None)), None)
        # the trustpoints to re-key: those of the small certificates (not a CA's: that is a CA rebuild)
        trustpoints = [tp for _, _, item in small if item.kind == "cert" and not item.fields.get("is_ca")
                       for tp in item.fields.get("trustpoints") or []]
        trustpoints += self._small_key_trustpoints(case, small)
        phone_keys = any(getattr(item, "kind", "") in PHONE_KEY_KINDS and bits < MINIMUM_BITS for bits, _, item in small)
        yield self.finding(message, evidence, severity=self.severity if failures else Severity.MEDIUM,
                           first_seen=first, key_sizes=sizes, trustpoints=list(dict.fromkeys(trustpoints)),
                           remediation=self.remediation if phone_keys else REKEYED_RENEWAL)

    def links(self, cause, symptom, case) -> bool:
        # the phones refuse CME's certificate on 2443 when the small key is the secure-signaling one's
        if symptom.rule_id == "TLS005":
            signaling, _ = telephony_trustpoint(case, "secure_signaling_trustpoint")
            return super().links(cause, symptom, case) and phones_on_2443(symptom) \
                and signaling in cause.data.get("trustpoints", ())
        return super().links(cause, symptom, case)

    @staticmethod
    def _small_key_trustpoints(case, small) -> list[str]:
        """Enrolled trustpoints of the configuration whose key is one of the small ones:
        those asking a small `rsakeypair` size, and, when IOS auto-generated a small key,
        those without `rsakeypair` (they use that general-purpose key)."""
        autogen = any(getattr(item, "kind", "") == "crypto.key.autogen" for _, _, item in small)
        sizes = {id(item) for _, _, item in small}
        return [f.fields["name"] for f in case.facts_of("config.trustpoint")
                if f.fields.get("name") and f.fields.get("enrollment_url")
                and (id(f) in sizes or (autogen and not f.fields.get("rsakeypair")))]

    @staticmethod
    def _keys(case):
        """(bits, description, evidence item) for every RSA key size the evidence states."""
        for ev in case.events_of("crypto.key.autogen"):
            if ev.fields.get("key_size"):
                yield ev.fields["key_size"], f"a {ev.fields['key_size']}-bit key pair was generated automatically", ev
        for ev in case.events_of("pki.key.generating"):
            if ev.fields.get("key_size"):
                yield ev.fields["key_size"], f"the certificate server generated a {ev.fields['key_size']}-bit key", ev
        for f in list(case.facts_of("platform.key")):
            if f.fields.get("key_size"):
                yield f.fields["key_size"], f"key {f.fields.get('label') or '?'} is {f.fields['key_size']} bits", f
        for cert in certificates(case):
            if cert.fields.get("key_size") and not is_mic_root(cert):
                yield cert.fields["key_size"], f"the {describe_cert(cert)} has a {cert.fields['key_size']}-bit key", cert
        for ev in case.events_of("ctl_client.signed"):
            if ev.fields.get("signature_length"):
                bits = ev.fields["signature_length"] * 8
                yield bits, f"the CTL was signed with a {bits}-bit SAST key (signature length {ev.fields['signature_length']})", ev
        for f in list(case.facts_of("config.trustpoint")):
            if f.fields.get("rsakeypair_size"):
                yield f.fields["rsakeypair_size"], f"trustpoint {f.fields.get('name')} asks for a {f.fields['rsakeypair_size']}-bit key", f
        for f in list(case.facts_of("config.capf_server")) + list(case.facts_of("capf.summary")):
            if f.fields.get("phone_key_size"):
                yield f.fields["phone_key_size"], f"CAPF issues {f.fields['phone_key_size']}-bit phone keys", f
        for ev in case.events_of("capf.keygen.requested"):
            if ev.fields.get("key_size"):
                yield ev.fields["key_size"], f"CAPF asked SEP{ev.fields.get('mac')} for a {ev.fields['key_size']}-bit key", ev


def _is_ca_key(item) -> bool:
    """The certificate server's key: generated at its first start, or held by a CA certificate."""
    kind = getattr(item, "kind", "")
    return kind == "pki.key.generating" or (kind == "cert" and bool(item.fields.get("is_ca")))
