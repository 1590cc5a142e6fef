"""The CLI of the second router a scenario may model: the CA on a router of its own
(``World.ca_log``, with its own clock). A fix block for that device (a step whose
device is the CA's hostname, e.g. CLK005's NTP steps) is typed there, with the
same command table, modes and answers as CME's CLI; what the model holds of that
router is its clock, its address and its certificate server, so commands acting
on anything else are refused as the table says or change nothing."""
from __future__ import annotations

from dataclasses import dataclass, field

from cmedebug.refcme.ios_cli import CliSession


@dataclass
class CaRouter:
    """The CA router as the CLI's actions see a router."""

    world: object  # runner.World
    ntp_server: str | None = None
    http_server: bool = True
    trustpoints: dict = field(default_factory=dict)

    @property
    def log(self):
        return self.world.ca_log

    @property
    def hostname(self) -> str:
        return self.world.ca_log.hostname

    @property
    def clock(self):
        return self.world.ca_log.clock  # the certificate server's clock too

    @property
    def ca(self):
        return self.world.ca

    @property
    def address(self) -> str:
        return self.world.ca.address


@dataclass
class CaRouterWorld:
    """The world as seen from the CA router's console."""

    world: object

    @property
    def router(self) -> CaRouter:
        return self._router

    def __post_init__(self):
        self._router = CaRouter(self.world)

    def __getattr__(self, name):  # phone, seed, ca, ca_log, ...: the shared world's
        return getattr(self.world, name)


def ca_router_session(world) -> CliSession | None:
    """A CLI session on the CA's own router, or None when the CA runs on CME."""
    return CliSession(CaRouterWorld(world)) if world.ca_log is not None else None
