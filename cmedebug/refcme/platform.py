"""The router a scenario runs on: model, IOS train, image and licences.

Secure CME is supported on the ISR G2 with IOS 15.x (ios-commands.md §4:
CMEAUTH, MATRIX); the reference system is a CISCO2911/K9 with the seed's
universalk9 image and the uck9 + securityk9 technology packages. IOS XE
platforms are modelled where a scenario is about one (Secure CME is not
supported on the ISR 4000 series). The train gates the messages the router may
print (``cmedebug.messages``).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    model: str  # as `show version` names it: CISCO2911/K9
    train: str  # "15" (classic IOS 15.x) or "XE"
    version: str  # 15.7(3)M4
    image: str  # flash0:c2900-universalk9-mz.SPA.157-3.M4.bin
    licences: tuple[str, ...] = ("uck9", "securityk9")
    family: str = "C2900"  # `C2900 Software (C2900-UNIVERSALK9-M)`
    battery_calendar: bool = True  # ISR G2: the software clock is set from the calendar at boot (BSMTIME)

    @property
    def board_serial(self) -> str:
        """`Processor board ID` of `show version` (the serial number an enrollment may include)."""
        return "FDO21520TGH" if self.train == "XE" else "FTX1840AHKT"

    @property
    def config_version(self) -> str:
        """`version 15.7` as the running-config prints it."""
        major, minor = self.version.split("(")[0].split(".")[:2]
        return f"{major}.{minor}"

    def show_version(self, host: str, uptime: str, render) -> list[str]:
        return (self._show_version_xe if self.train == "XE" else self._show_version_15)(host, uptime, render)

    def _show_version_xe(self, host: str, uptime: str, render) -> list[str]:
        """`show version` of an ISR 4000 on IOS XE (the licence level lines of the universalk9 image)."""
        major, minor, rest = self.version.split(".", 2)
        out = [render("show.version-xe.banner", version_padded=f"{major}.{int(minor):02d}.{int(rest[:-1] or 0):02d}{rest[-1]}"),
               render("show.version-xe.banner2", codename="Bengaluru", version=self.version),
               render("show.version.support"), render("show.version.copyright", year=2021),
               render("show.version-xe.compiled", when="Sat 21-Aug-21 03:20"), "",
               render("show.version.uptime", host=host, uptime=uptime),
               render("show.version-xe.returned"), render("show.version.image", image=self.image),
               render("show.version-xe.reload-reason"), "",
               render("show.version-xe.platform", model=self.model, memory="1795979K/6147K"),
               render("show.version.board", serial=self.board_serial)]
        out += [render("show.version-xe.license-level", level=licence) for licence in self.licences]
        return out + ["", render("show.version.config-register")]

    def _show_version_15(self, host: str, uptime: str, render) -> list[str]:
        """`show version` of an ISR G2 (IOS 15.x) with its technology-package table."""
        module = self.family.lower()
        out = [render("show.version.banner", family=self.family, image_name=f"{self.family}-UNIVERSALK9-M",
                      version=self.version),
               render("show.version.support"), render("show.version.copyright", year=2018),
               render("show.version.compiled", when="Thu 06-Dec-18 12:23"), "",
               render("show.version.rom", rom="15.0(1r)M16"), "",
               render("show.version.uptime", host=host, uptime=uptime),
               render("show.version.returned", reason="reload"),
               render("show.version.image", image=self.image),
               render("show.version.reload-type"), "",
               render("show.version.platform", model=self.model, memory="483328K/40960K"),
               render("show.version.board", serial=self.board_serial), "",
               render("show.version.tech-title", module=module), "",
               render("show.version.rule", dashes="-" * 65),
               render("show.version.tech-head1"), render("show.version.tech-head2"),
               render("show.version.rule", dashes="-" * 66)]
        for tech, package in (("ipbase", "ipbasek9"), ("security", "securityk9"), ("uc", "uck9"), ("data", "datak9")):
            active = package == "ipbasek9" or package in self.licences
            out.append(render("show.version.tech-row", technology=tech, current=package if active else "None",
                              type="Permanent" if active else "None", next=package if active else "None"))
        return out + ["", render("show.version.config-register")]


ISR_G2 = Platform("CISCO2911/K9", "15", "15.7(3)M4", "flash0:c2900-universalk9-mz.SPA.157-3.M4.bin")
# Secure CME is not supported on the ISR 4000 series (CMEAUTH, MATRIX): a scenario about that.
ISR_4331_XE = Platform("ISR4331/K9", "XE", "17.6.1a", "bootflash:isr4300-universalk9.17.06.01a.SPA.bin", family="ISR")
