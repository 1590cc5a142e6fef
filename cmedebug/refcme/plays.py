"""How each scenario plays: the changes made to the reference system and when
(before the build, or after a working history), used by the catalogue in
``scenarios.py``."""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

from cmedebug.refcme import runner
from cmedebug.refcme.clock import clock_update
from cmedebug.refcme.runner import DAY, NOW, World, boot_phone, build, history, start_capture
from cmedebug.refcme.trustpoints import SCEP_RETRY_PERIOD


BOOT_SECONDS = 95.0  # a reload takes the router about a minute and a half


def plain(world: World) -> None:
    build(world)
    boot_phone(world)


def configure(change: Callable[[World], None]) -> Callable[[World], None]:
    """A fault made in the configuration before the system is built."""
    def play(world: World) -> None:
        change(world)
        plain(world)
    return play


def after_history(change: Callable[[World], None]) -> Callable[[World], None]:
    """A system that worked, then something changed; the capture starts at the change."""
    def play(world: World) -> None:
        history(world)
        start_capture(world)
        change(world)
        world.router.start_services()
        boot_phone(world)
    return play


def after_history_of(setup: Callable[[World], None], change: Callable[[World], None]) -> Callable[[World], None]:
    """Like ``after_history``, with ``setup`` applied to the configuration before the build."""
    later = after_history(change)

    def play(world: World) -> None:
        setup(world)
        later(world)
    return play


CALENDAR_BEHIND = 47 * 60.0  # an ISR G2 calendar NTP never updated (no `ntp update-calendar`), after years of drift


def reload_from_calendar(world: World) -> None:
    """A reload ten minutes after the build: the clock comes from the battery calendar, which
    NTP never updated; NTP has not synchronised yet, so the clock is not authoritative."""
    world.timeline.advance(600.0)
    world.router.clock.reload_from_calendar(CALENDAR_BEHIND)
    world.timeline.advance(BOOT_SECONDS)
    world.log.lines.clear()
    start_capture(world)


def age(days: float) -> Callable[[World], None]:
    return lambda world: world.timeline.advance(days * DAY)


def database_on_tftp(world: World) -> None:
    world.ca.database_url = "tftp://10.1.1.50/cme-root/"


def database_lost_then_renew(world: World) -> None:
    """Reload while the TFTP server holding the CA database is gone; then the phone's LSC
    is renewed through CAPF."""
    router = world.router
    router.ca.database_lost = True
    router.ca.start_after_reload(world.log)
    router.ephones[0].cert_oper = ("upgrade", "null-string")
    router.create_cnf_files()


def ntp_unsynchronised(world: World) -> None:
    """NTP is configured on CME but has not synchronised: its clock drifted 3 days behind,
    while the CA router keeps the right time."""
    world.router.clock.set(NOW - timedelta(days=3), "ntp-unsynchronised")
    plain(world)


def clock_set_after_build(world: World) -> None:
    """The ISR G2's calendar battery had failed, so after a power cut the calendar and the
    clock started at the boot default (inferred for a lost calendar); the system was built
    on that date, then the clock was set: the CA (1095 days from Mar 1 2002) and everything
    it issued are long expired on the corrected clock."""
    router = world.router
    router.ntp_server = None
    router.clock.reload_unset()
    world.timeline.advance(BOOT_SECONDS)
    plain(world)
    before = router.clock.now
    router.clock.set(NOW, "manual")
    world.log.emit("SYS-6-CLOCKUPDATE", **clock_update(before, router.clock.now))
    router.start_services()
    boot_phone(world)


def without_capf_record(world: World) -> None:
    client = world.router.ctl_client
    client.servers = [s for s in client.servers if s[0] != "capf"]


def manual_grant_after_build(world: World) -> None:
    """Cisco's advice once the build is done: `no grant auto`. The next LSC request waits."""
    world.ca.grant_auto = False
    world.router.ephones[0].cert_oper = ("upgrade", "null-string")
    world.router.create_cnf_files()


def rebuild_ca(world: World) -> None:
    router = world.router
    router.ca.rebuild(world.log)
    router.adopt_ca()
    router.enroll_all([router.ca], ("cme-sccp", "cme-tftp", "cme-capf"), new_key=True)
    router.create_cnf_files()  # `create cnf-files`, but no `ctl-client` / `regenerate`


def rekey_sasts(world: World) -> None:
    router = world.router
    router.enroll_all([router.ca], ("sast1", "sast2"), new_key=True)
    router.regenerate_ctl()


def set(**changes) -> Callable[[World], None]:
    """Attribute changes on the router (``capf_config__keygen_timeout_min`` reaches one level down)."""
    def change(world: World) -> None:
        for key, value in changes.items():
            target, attr = world.router, key
            if "__" in key:
                head, attr = key.split("__")
                target = getattr(world.router, head)
            setattr(target, attr, value)
    return change


def each_trustpoint(**changes) -> Callable[[World], None]:
    def change(world: World) -> None:
        for tp in runner.FUNCTIONAL:
            for key, value in changes.items():
                setattr(world.router.trustpoints[tp], key, value)
    return change


def ephone(**changes) -> Callable[[World], None]:
    def change(world: World) -> None:
        for key, value in changes.items():
            setattr(world.router.ephones[0], key, value)
    return change


def phone(**changes) -> Callable[[World], None]:
    def change(world: World) -> None:
        for key, value in changes.items():
            setattr(world.phone, key, value)
    return change


def both(*changes) -> Callable[[World], None]:
    def change(world: World) -> None:
        for c in changes:
            c(world)
    return change


def crl_checked_on_tftp_database(world: World) -> None:
    world.router.trustpoints[world.ca.name].revocation_check = "crl"
    database_on_tftp(world)


def tftp_storage_gone(world: World) -> None:
    world.ca.database_lost = True


def polled_while_pending(world: World) -> None:
    """Manual granting: each trustpoint polls its pending request (`enrollment retry period`)."""
    change = lambda w: setattr(w.ca, "grant_auto", False)  # noqa: E731
    change(world)
    build(world)
    for _ in range(2):
        world.timeline.advance(SCEP_RETRY_PERIOD)
        for tp in world.router.trustpoints.values():
            tp.poll(world.ca, world.log)
    boot_phone(world)


def ssl3_phone(world: World) -> None:
    """The phone's old load offers only SSL 3.0; the engineer adds `debug ssl openssl errors`."""
    world.phone.ssl3_only = True
    world.log.debug_on("ssl openssl errors")


def watched(world: World) -> None:
    world.router.watch_capf_encrypt = True
    plain(world)


def key_too_small(world: World) -> None:
    """Trustpoints without `rsakeypair`: IOS auto-generates 512-bit keys at enrollment.
    The phone already holds an LSC, so it goes straight to TLS on 2443."""
    each_trustpoint(key_bits=None)(world)
    world.router.ephones[0].cert_oper = None
    build(world)
    key = runner.rsa_key(f"lsc/{world.phone.mac}", 1024, world.seed)
    world.phone.state.lsc = (world.ca.issue(runner.name(world.phone.device), key.public_key()), key)
    boot_phone(world)
