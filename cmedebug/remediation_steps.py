"""Step sequences several rules share: renewing certificates, refreshing the CTL
and the signed files, rotating the SAST credentials one at a time, rebuilding
a certificate server with its settings."""
from __future__ import annotations

from dataclasses import replace

from cmedebug.remediation import PHONE, WAIT, Step

# A block pasted only where the NTP server authenticates its time (its own device
# label, so it never runs together with the unconditional steps).
NTP_AUTHENTICATED = "router, only if the NTP server authenticates"
# The SAST key backup before a CA rebuild: only a key generated `exportable` can be exported.
SAST_KEY_BACKUP = "router, only if the SAST keys were generated exportable"


def trustpoint_steps(slot: str, *commands: str, why: str | None = None) -> tuple[Step, ...]:
    """`crypto pki trustpoint {slot}` and commands in its sub-mode."""
    return (Step("config", f"crypto pki trustpoint {{{slot}}}", why=why),
            *(Step("ca-trustpoint", c) for c in commands))


def enroll_steps(slot: str = "trustpoint", why: str | None = None, authenticate: bool | str = False,
                 keyed: bool = False) -> tuple[Step, ...]:
    """Enroll (or re-enroll) a trustpoint over SCEP. `serial-number none` and
    `ip-address none` first, so IOS asks only the challenge password and whether
    to send the request, which the answers give. With ``authenticate`` (a string
    being its why), the CA certificate is fetched before the enrollment, after those
    settings: a trustpoint entered just before (its URL, its key) is entered once.
    Unless the caller gave it a key (``keyed``), a trustpoint that the configuration
    shows without `rsakeypair` gets a 2048-bit key first: IOS would otherwise make
    one at enrollment, of the release's default size (512 bits in corpus 18)."""
    return (*(() if keyed else rekey_steps(UNKEYED + slot, why=UNKEYED_WHY)),
            Step("config", f"crypto pki trustpoint {{{slot}}}"),
            *(Step("ca-trustpoint", command, why="no serial-number or IP-address questions during enrollment")
              for command in ("serial-number none", "ip-address none")),
            *(authenticate_steps(slot, why=authenticate if isinstance(authenticate, str) else None)
              if authenticate else ()),
            Step("config", f"crypto pki enroll {{{slot}}}",
                 why=why or "request a new certificate from the CA (a SAST trustpoint the phones trust is renewed "
                            "apart, one at a time, with a CTL regenerate in between)"))


# The slot of the trustpoints of slot <s> that have no `rsakeypair` in the configuration is
# UNKEYED + <s> (filled by remediation_context; empty without a full configuration)
UNKEYED = "unkeyed_"
UNKEYED_WHY = ("no `rsakeypair` in the trustpoint: without one, IOS generates the key at enrollment with the "
               "release's default size (512 bits in Cisco's CME 8.x example)")


def authenticate_steps(slot: str = "trustpoint", why: str | None = None) -> tuple[Step, ...]:
    return (Step("config", f"crypto pki authenticate {{{slot}}}",
                 why=why or "fetch and accept the CA certificate (compare its fingerprint with "
                            "`show crypto pki server` on the CA)"),)


# `shutdown` of a certificate server (IOS locks a running server's settings): nothing is granted
# until its `no shutdown`, so the block that stops it starts it again, and says so above it.
CS_SHUTDOWN_WARNING = ("the certificate server grants nothing (no enrollment, no CAPF LSC) until the `no shutdown` "
                       "further down: if the block stops half-way, type `crypto pki server {{{slot}}}` / "
                       "`no shutdown` first")


def cs_shutdown(slot: str = "ca", why: str = "IOS locks a running server's settings (\"enter shut to unlock it\")"
                ) -> Step:
    """`shutdown` under `crypto pki server {slot}`, warned (ios-commands.md 2.3)."""
    return Step("cs-server", "shutdown", why=why, warning=CS_SHUTDOWN_WARNING.format(slot=slot))


def grant_automatically(slot: str, why: str, warning: str, grant_why: str | None = None) -> tuple[Step, ...]:
    """`grant auto` on the certificate server {slot}: shut first (IOS locks a running server's
    settings), started again after."""
    return (Step("config", f"crypto pki server {{{slot}}}", why=why), cs_shutdown(slot),
            Step("cs-server", "grant auto", why=grant_why, warning=warning), Step("cs-server", "no shutdown"))


def ca_database_to_flash(start: Step, running: bool = True, readable: bool = True) -> tuple[Step, ...]:
    """Primer F08's fix: the certificate server's database moved to ``flash:{ca}/``, its serial
    and CRL files copied there from where it kept them (``{ca_serial_file}``, ``{ca_crl_file}``),
    the server pointed at the folder and started (``start``: its `no shutdown`). A ``running``
    server is shut first: IOS locks its settings, and its files must not change while they are
    copied. Not ``readable``: the server cannot read that storage (it may be gone), so the copies
    may fail, and the block says what then."""
    stop = () if not running else (
        Step("config", "crypto pki server {ca}"),
        cs_shutdown(why="IOS locks a running server's settings, and its files must not change while they are "
                        "copied"))
    source = "from where the server kept it" if readable else "from the storage the server lost (or a backup of it)"
    return (
        Step("exec", "mkdir flash:{ca}", why="persistent storage for the CA database"),
        *stop,
        # The server looks for its serial and CRL files in the new folder at `no shutdown`: moved
        # without them, it does not find its database (primer F08: restore the files to the URL).
        Step("exec", "copy {ca_serial_file} flash:{ca}/{ca}.ser",
             why=f"the serial file, {source}: the server goes on numbering where it stopped",
             warning="when neither that storage nor a backup holds the files, the copies fail and the server starts "
                     "without its database: it no longer knows the certificates it issued and cannot revoke them "
                     "(inferred)" if not readable else None),
        Step("exec", "copy {ca_crl_file} flash:{ca}/{ca}.crl", why="the CRL the server publishes"),
        Step("config", "crypto pki server {ca}"),
        Step("cs-server", "database url flash:{ca}/"),
        start,
    )


CTL_REGENERATE = (
    Step("config", "ctl-client"),
    Step("config-ctl-client", "regenerate", why="a new CTL carrying the current certificates, signed by SAST1"),
)

NTP_PING = Step("exec", "ping {ntp_ip}", why="the NTP server answers (UDP 123 must pass every ACL on the way; where it "
                                             "answers only one of the router's addresses, `ntp source <interface>`)")
NTP_UPDATE_CALENDAR = Step("config", "ntp update-calendar",
                           why="the hardware calendar follows NTP, so a reload starts from a good time")

# NTP takes minutes to synchronise after `ntp server`: what signs with the clock's time (an
# enrollment, a CTL) waits in a block of its own, or it is dated by the wrong clock again.
NTP_SYNC_WAIT = Step(WAIT, "wait until the clock is synchronized", device=WAIT,
                     why="`show ntp status`: `Clock is synchronized` (minutes after `ntp server` or a reload); then "
                         "paste the next block")

DEBUG_BUFFER = "logging buffered 1000000 debugging"  # (1 MB: our choice of size)


def debugs_while_it_repeats(*debugs: Step) -> tuple[Step, ...]:
    """``debugs`` as primer 4.1 runs them: into the buffer, not the console (a busy CME's console
    cannot keep up with debug output), then, once the failure has repeated, the buffer read and the
    debugs ended."""
    return (
        Step("config", DEBUG_BUFFER,
             why="debug output into a buffer of 1 MB (our choice of size) that `show logging` reads (primer 4.1); "
                 "neither it nor the next line is saved: a reload gives the router its own logging back"),
        Step("config", "no logging console",
             why="not on the console: a busy router's console cannot keep up with debug output (primer 4.1)"),
        *debugs,
        Step(WAIT, "wait until the failure repeats", device=WAIT,
             why="the debugs record the next attempt (a phone registering again, an enrollment); then paste the "
                 "next block"),
        Step("exec", "show logging", why="the debug lines of that attempt: keep them with the case"),
        Step("exec", "undebug all", why="every debug off again"),
    )


CNF_FILES = (
    Step("config", "telephony-service"),
    Step("config-telephony", "create cnf-files", why="rebuild and re-sign the phones' configuration files"),
)

# What null-string CAPF authentication gives up (a re-issued LSC, a phone whose MIC cannot be checked).
NULL_STRING_WARNING = ("null-string: CAPF does not authenticate the phone for this operation; where the phones can be "
                       "reached by hand, `auth-mode auth-string` (CAPF001's steps) is the stricter choice")

# A phone fetches its CTL and configuration file when it boots: a fix that changes them ends
# with the phones restarted (primer F20-F26, F31: "reset phones"), or the phones keep what
# they hold until their next reload.
NEW_CTL_AND_FILES = "the new CTL and files"  # ("the new files" where no ctl-client exists: remediation_config)
PHONES_RESTART = (
    Step("config", "telephony-service"),
    Step("config-telephony", "reset all", why=f"the phones fetch {NEW_CTL_AND_FILES} when they restart",
         warning="every phone restarts and drops its calls: do it in a quiet hour"),
)


def restart_if_changed(*slots: str) -> tuple[Step, ...]:
    """PHONES_RESTART where the fix changes the CTL or what CME presents only when one of
    ``slots`` (the trustpoints enrolled, the SAST renewed) has a value: dropped when the
    evidence shows every one of them empty (each trustpoint keeps its certificate)."""
    telephony, reset = PHONES_RESTART
    return (replace(telephony, only_if=slots),
            replace(reset, only_if=slots, why=f"the phones fetch {NEW_CTL_AND_FILES}, with the certificates "
                                              "enrolled above, when they restart"))

# An ephone's security mode and CAPF operation reach the phone in its file (deviceSecurityMode,
# capfAuthMode): the files are rebuilt, then the phone restarts and reads its own (primer 2.4 step 4).
PHONE_FILE_THEN_RESET = (
    Step("config", "telephony-service"),
    Step("config-telephony", "create cnf-files", why="the phone's file carries its security mode and CAPF operation"),
    Step("config", "ephone {ephone}"),
    Step("config-ephone", "reset", why="the phone restarts and reads its new file"),
)


REKEY_WHY = "a new 2048-bit key under a new label, so IOS asks nothing and the old key stays until the new " \
            "certificate is in"


def rekey_steps(slot: str, why: str = REKEY_WHY) -> tuple[Step, ...]:
    """A new 2048-bit key under a new label for the trustpoint, so IOS asks nothing and
    the old key stays until the new certificate is in."""
    return (Step("config", f"crypto key generate rsa general-keys label {{{slot}}}-2048 exportable modulus 2048",
                 why=why),
            *trustpoint_steps(slot, f"rsakeypair {{{slot}}}-2048"))


def sast_rotation(authenticate_first: bool = False, rekey: bool = False) -> tuple[Step, ...]:
    """Renewing SAST1 and SAST2 together leaves phones with a CTL signed by a
    credential they never trusted (CMEAUTH). Stage 1 renews the spare while the
    trusted SAST1 still signs; once the phones hold that CTL, stage 2 makes the
    renewed credential the signer and renews the other. Every step names
    {spare_sast} or {signing_sast}, so the rotation drops when no SAST needs renewal."""
    def renew(slot: str, why: str) -> tuple[Step, ...]:
        return (*(rekey_steps(slot) if rekey else ()),
                *enroll_steps(slot, why=why, keyed=rekey,
                              authenticate=authenticate_first and f"{{{slot}}} takes the new CA certificate"))

    return (
        *renew("spare_sast", "stage 1: renew only the spare SAST {spare_sast}; {signing_sast}, which the phones "
                             "trust, still signs"),
        Step("config", "ctl-client", why="stage 1: a CTL carrying the renewed {spare_sast}, signed by {signing_sast}, "
                                         "whose certificate is kept: if both SAST certificates change at once, "
                                         "every phone must erase its CTL (or be factory reset) to accept a new one"),
        Step("config-ctl-client", "regenerate"),
        Step("config", "telephony-service", why="stage 1: the phones fetch the CTL with the renewed {spare_sast}"),
        Step("config-telephony", "reset all", warning="every phone restarts and drops its calls: do it in a quiet "
                                                      "hour ({spare_sast} renewal)"),
        Step("phone", "check ctl", device=PHONE,
             why="before stage 2, every phone must show the CTL with the renewed {spare_sast} (`Trust List Updated`)"),
        Step("config", "ctl-client", why="stage 2: the renewed {spare_sast} signs from now on (IOS checks that "
                                         "SAST1 and SAST2 differ when it builds the CTL: inferred)"),
        Step("config-ctl-client", "sast1 trustpoint {spare_sast}"),
        Step("config-ctl-client", "sast2 trustpoint {signing_sast}"),
        *renew("signing_sast", "stage 2: renew {signing_sast}, now the spare"),
        Step("config", "ctl-client", why="stage 2: a CTL signed by the renewed {spare_sast}, carrying the renewed "
                                         "{signing_sast}"),
        Step("config-ctl-client", "regenerate"),
        Step("config", "telephony-service", why="stage 2: the files signed again, where {signing_sast} also signs "
                                                "them (one trustpoint for CME, TFTP and SAST1, as in CMEAUTH)"),
        Step("config-telephony", "create cnf-files"),
    )


# secure-signaling applied to a trustpoint that held no certificate yet: CME opens TLS on 2443 only
# when the setting is applied again once it holds one (primer F34, the re-apply inferred). Filled
# (remediation_context) where the fix enrolls the secure-signaling trustpoint and it holds none now.
SIGNALING_REAPPLIED = (
    Step("config", "telephony-service", only_if=("reapplied_signaling",)),
    Step("config-telephony", "no secure-signaling trustpoint {reapplied_signaling}"),
    Step("config-telephony", "secure-signaling trustpoint {reapplied_signaling}",
         why="applied again now that the trustpoint holds a certificate: it was applied before it had one, and "
             "CME opens TLS on 2443 only when applied to a certified trustpoint (primer F34; inferred)"),
)


def refresh_after_enroll(slot: str, rekey: bool = False) -> tuple[Step, ...]:
    """What follows the enrollment of the trustpoints of ``slot``: secure-signaling applied again
    where its trustpoint got its first certificate; the CTL and the files carry the new
    certificates (not where ``slot`` is known empty: the SAST rotation below regenerates on
    its own), and a SAST the phones trust is renewed apart, one at a time."""
    return (*SIGNALING_REAPPLIED,
            *(replace(step, only_if=(slot,)) for step in (*CTL_REGENERATE, *CNF_FILES)),
            *sast_rotation(rekey=rekey))


# Primer F27 / CMEAUTH: a phone takes a new CTL only when a SAST of the CTL it holds signed it. Where
# SAST1's key or certificate changed and an original SAST survives, that one signs the next CTL and
# the new one becomes the spare; where none survives, every phone erases its CTL.
SAST_SURVIVOR_SIGNS = (
    Step("config", "ctl-client", why="only if an original SAST credential survives: {surviving_sast} signs "
                                     "again"),
    Step("config-ctl-client", "sast1 trustpoint {surviving_sast}",
         why="the SAST the phones already trust signs the new CTL"),
    Step("config-ctl-client", "sast2 trustpoint {replaced_sast}", why="the new SAST becomes the spare"),
    Step("config-ctl-client", "regenerate"),
)
PHONES_ERASE_CTL = (
    Step(PHONE, "erase ctl", device=PHONE,
         why="only where no original SAST survives ({lost_sasts} have new keys): the phone then takes "
             "CME's CTL on first use (or factory reset it)",
         warning="a phone without a CTL trusts the next CTL it is given: do it on a network you control"),
)

# Renew the trustpoints a finding names: the SAST ones never with the others. Rules that
# reach the phones another way too (an LSC operation in their files) restart them once, after it.
RENEWAL_BEFORE_RESTART = (
    *enroll_steps("trustpoint"),
    *refresh_after_enroll("trustpoint"),
)
RENEWAL = (
    *RENEWAL_BEFORE_RESTART,
    *PHONES_RESTART,
)


def enrollment_refresh(slot: str, authenticate: bool | str = False) -> tuple[Step, ...]:
    """Enroll the trustpoints of ``slot`` that the CA could not serve (first fetching the CA
    certificate when ``authenticate``, a string being its why), then refresh_after_enroll and the
    phones restarted where something was enrolled or a SAST renewed (primer F20-F26, F31: a
    changed CTL reaches a phone when it boots)."""
    return (*enroll_steps(slot, authenticate=authenticate),
            *refresh_after_enroll(slot),
            *restart_if_changed(slot, "spare_sast"))


def null_string_upgrade(why: str | None = None) -> Step:
    """`cert-oper upgrade auth-mode null-string` on an ephone, with what it gives up above the block."""
    return Step("config-ephone", "cert-oper upgrade auth-mode null-string", why=why, warning=NULL_STRING_WARNING)


# A phone re-keyed in non-secure mode (Cisco's auth-string procedure; a phone whose LSC no longer
# passes): it registers without TLS until its mode is set back, after the LSC is in.
PHONE_NONSECURE_WARNING = ("the phone registers without TLS, its calls unencrypted, until its secure mode is set "
                           "back (the last block); a phone that never gets its LSC stays non-secure")


def lsc_in_nonsecure_mode(cert_oper: Step, *on_phone: Step, why: str) -> tuple[Step, ...]:
    """The phone set to non-secure mode with ``cert_oper`` in its file and restarted; ``on_phone``
    (the user's steps, the LSC checked); then its mode as before, in its file, and restarted."""
    return (
        Step("config", "ephone {ephone}"),
        Step("config-ephone", "device-security-mode none", why=why, warning=PHONE_NONSECURE_WARNING),
        cert_oper,
        *PHONE_FILE_THEN_RESET,
        *on_phone,
        Step("config", "ephone {ephone}"),
        Step("config-ephone", "device-security-mode {phone_security_mode}",
             why="back to the mode it had, now with its LSC (where it took the mode from telephony-service, "
                 "`no device-security-mode` keeps it following telephony-service instead)"),
        *PHONE_FILE_THEN_RESET,
    )


def lsc_upgrade(why: str) -> tuple[Step, ...]:
    """A CAPF upgrade for each secure phone, in its file: CAPF issues the LSC when the phone
    next restarts (the restart is the caller's: one, after everything else the phones fetch)."""
    return (
        Step("config", "ephone {secure_ephone}"),
        null_string_upgrade(why),
        Step("config", "telephony-service"),
        Step("config-telephony", "create cnf-files", why="the phone's file carries the CAPF operation"),
    )


# CME no longer accepts the phones' LSCs: CAPF issues them again.
LSC_UPGRADE = lsc_upgrade("CME no longer accepts the phone's LSC (expired, or signed by a CA that is gone): CAPF "
                          "issues a new one at the phone's next restart")

# Issue the secure phones' LSCs again through CAPF (their LSC expired, or the CA that signed it is gone).
LSC_REISSUE = (
    *LSC_UPGRADE,
    Step("config", "ephone {secure_ephone}"),
    Step("config-ephone", "reset", why="the phone reads the new file and starts the CAPF session"),
)

# Renew with new 2048-bit keys (PKI013): the SASTs too, one at a time.
REKEYED_RENEWAL_BEFORE_RESTART = (
    *rekey_steps("trustpoint"),
    *enroll_steps("trustpoint", keyed=True),
    *refresh_after_enroll("trustpoint", rekey=True),
)
REKEYED_RENEWAL = (
    *REKEYED_RENEWAL_BEFORE_RESTART,
    *PHONES_RESTART,
)

# The size of the key CAPF asks each phone to generate for its LSC (ios-commands.md 2.7, CR-P).
PHONE_KEY_SIZE = (
    Step("config", "capf-server"),
    Step("config-capf-server", "phone-key-size 1024",
         why="CME's phone-key-size takes 512, 1024 (the default) or 2048 (CR-P); 1024 works on every secure "
             "phone, 2048 only on models that generate it, 512 is weak"),
)

# Rebuild the certificate server with the settings the evidence shows
# ({ca_*} slots; a setting the evidence shows at its default is left out).
CA_REBUILD = (
    Step("exec", "show clock detail", why="the clock must be right (NTP synchronised) before the CA is built again"),
    Step("exec", "show crypto pki server", why="record the server's settings; the steps below restore those the "
                                               "evidence shows"),
    # primer §2.7 steps 1-2: what the phones trust is recorded, and the SAST keys kept, before anything is deleted
    Step("exec", "show ctl-client", why="record the SAST1 and SAST2 trustpoints: an original SAST whose key "
                                        "survives is left untouched and signs the first CTL after the rebuild"),
    Step("exec", "show crypto pki certificates", why="record each trustpoint's certificate (serial, dates): "
                                                     "which SAST certificates the phones' CTL holds"),
    Step("config", "crypto key export rsa {sast_key} pem terminal 3des {export_passphrase}", device=SAST_KEY_BACKUP,
         why="a copy of each SAST key before the CA is deleted: the phones trust these keys, and with both lost "
             "every phone must erase its CTL (primer §2.7 step 2)",
         warning="prints the private key, encrypted with the passphrase: keep the output and the passphrase "
                 "apart and safe; IOS exports only a key generated `exportable`"),
    Step("exec", "mkdir flash:{ca}-new",
         why="a folder for the new CA's database: the old one's files stay where they are, untouched (primer §2.7 "
             "step 3 removes them; here they are kept as a record)"),
    Step("config", "no crypto pki server {ca}",
         warning="deletes the certificate server: every certificate it issued must be issued again, and the "
                 "phones' LSCs with them"),
    Step("config", "no crypto pki trustpoint {ca}", warning="deletes the old CA certificate from this router"),
    Step("config", "crypto pki server {ca}", why="build it again, restoring its settings"),
    Step("cs-server", "database level {ca_db_level}"),
    Step("cs-server", "database url flash:{ca}-new/",
         why="a new database, on storage a reload keeps: the new CA must not read the old one's serial file and CRL "
             "(inferred), and the database is no longer where PKI020 finds it at risk"),
    Step("cs-server", "issuer-name CN={ca}-new",
         why="a name of its own: a phone finds a CTL signer by issuer and serial number, and a CA built on "
             "a new database numbers its certificates from 1 again, so they must not repeat the old CA's "
             "(inferred from the CTL format)"),
    Step("cs-server", "lifetime certificate {ca_cert_days}"),
    Step("cs-server", "lifetime ca-certificate {ca_days}"),
    Step("cs-server", "grant {ca_grant}"),
    Step("cs-server", "auto-rollover 90", why="next time the CA certificate rolls over by itself"),
    Step("cs-server", "no shutdown", answers=("{passphrase}", "{passphrase}"),
         why="the first start asks a passphrase for the CA key"),
)

# After a rebuild: every trustpoint takes the new CA; SAST continuity; LSCs again.
REISSUE_AFTER_CA_REBUILD = (
    *enroll_steps("issued_trustpoint", authenticate="every trustpoint of the old CA takes the new CA certificate "
                                                    "(inferred: or remove and recreate the trustpoint)"),
    *CTL_REGENERATE,
    *CNF_FILES,
    *sast_rotation(authenticate_first=True),
    *LSC_REISSUE,
)
