"""`show version`: `platform.version` (image, IOS version, platform, uptime,
reload reason) and, from the ISR G2 technology table, one `platform.license`
per technology package.

Shapes as IOS 15.x (ISR G2) and IOS XE print them.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context
from cmedebug.parsers.framing import Record
from cmedebug.parsers.show_block import ShowBlockParser, extend_fact

# Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.7(3)M4, RELEASE SOFTWARE (fc1)
# Cisco IOS XE Software, Version 16.09.04
# Cisco IOS Software [Fuji], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.4, RELEASE SOFTWARE (fc2)
_BANNER = re.compile(r"Cisco IOS(?: XE)? Software\b.*?, Version (?P<version>[^,\s]+)")
# CME1 uptime is 2 weeks, 3 days, 4 hours, 12 minutes
_UPTIME = re.compile(r"(?P<host>\S+) uptime is (?P<uptime>.+)$")
_UPTIME_UNITS = {"year": 365 * 86400, "week": 7 * 86400, "day": 86400, "hour": 3600, "minute": 60, "second": 1}
# System image file is "flash0:c2900-universalk9-mz.SPA.157-3.M4.bin"
_IMAGE = re.compile(r'System image file is "(?P<path>[^"]+)"')
# System returned to ROM by power-on      System returned to ROM by reload at 10:00:00 UTC Mon Jan 1 2024
# Last reload reason: Reload Command
_RELOAD = re.compile(r"(?:System returned to ROM by |Last reload reason: )(?P<reason>.+)$")
# Cisco CISCO2911/K9 (revision 1.0) with 483328K/40960K bytes of memory.
# cisco ISR4451-X/K9 (2RU) processor with 1795979K/6147K bytes of memory.
_PLATFORM = re.compile(r"[Cc]isco (?P<model>\S+) \(.*\) (?:processor )?with \S+ bytes of (?:physical )?memory")
# License Level: uck9      (IOS XE / older ISR "License Level")
_LICENSE_LEVEL = re.compile(r"License Level: (?P<level>\S+)")
# ipbase        ipbasek9      Permanent      ipbasek9
# uc            None          None           None
# security      securityk9    EvalRightToUse securityk9
_TECH_ROW = re.compile(r"(?P<tech>[a-z][a-z0-9]*) +(?P<current>\S+) +(?P<type>\S+(?: \S+)?) +(?P<next>\S+)$")
# lines understood that carry nothing the rules need
_BOILERPLATE = re.compile(
    r"Technical Support:|Copyright \(c\)|Compiled |ROM: |BOOTLDR: |System restarted at|Last reload type:|"
    r"Processor board ID|\d+ .*(?:interfaces?|lines?|[Mm]odules?)$|DRAM configuration|\d+K bytes of|"
    r"License Info:|License UDI:|-{5,}$|Device# +PID +SN$|\*\d+ +\S+ +\S+$|Technology Package License Information|"
    r"Technology +Technology-package|Current +Type +Next reboot|Configuration register is|License Type:|"
    r"Next reload license Level:|Suite License Information|Suite +Suite Current|Smart Licensing Status:|"
    r"Installation mode is|Router operating mode:|AIR License Level:|Next reload AIR license Level:|"
    r"Cisco IOS-XE software|All rights reserved|Certain components of Cisco|licensed under|"
    r"documentation or \"License Notice\"|software\.$|under the terms|of such|version 2\.0|"
    r"http://www\.(?:cisco|gnu)\.|export@cisco\.com|A summary of U\.S\. laws|If you require further assistance|"
    r"Base Ethernet MAC Address|Motherboard|Model (?:revision|number)|System serial number|Top Assembly|"
    r"Hardware Board Revision|Chassis Serial|\S+ Software \(.*\), Version")
_NOTICE_START = "This product contains cryptographic features"
_MAX_NOTICE_LINES = 20


def uptime_seconds(text: str) -> int | None:
    """'2 weeks, 3 days, 4 hours, 12 minutes' -> seconds."""
    total = 0
    for amount, unit in re.findall(r"(\d+) (year|week|day|hour|minute|second)s?", text):
        total += int(amount) * _UPTIME_UNITS[unit]
    return total if total or "0" in text else None


class ShowVersionParser(ShowBlockParser):
    name = "show-version"
    description = "show version"
    # R1#sh ver
    commands = (r"sh\w* ver\w*",)
    # the technology table also starts a block: the `Device#   PID   SN` header before it reads as a prompt
    block_start = re.compile(_BANNER.pattern + r"|Technology Package License Information")

    def __init__(self) -> None:
        super().__init__()
        self.version = None
        self.notice_lines = 0

    def take(self, text, rec: Record, ctx: Context):
        m = _BANNER.match(text)
        # IOS XE prints two banners; a banner after the uptime line starts another `show version`
        if m and (self.version is None or self.version.fields["uptime"] is not None):
            done = self.flush(ctx)
            self.version = ctx.fact("platform.version", rec, version=m.group("version"), image=None,
                                    image_path=None, platform=None, hostname=None, uptime=None,
                                    uptime_seconds=None, reload_reason=None, license_level=None)
            return done
        fields = self.version.fields if self.version is not None else {}
        out: list = []
        if m:
            pass  # the second banner of IOS XE
        elif m := _UPTIME.match(text):
            fields["hostname"], fields["uptime"] = m.group("host"), m.group("uptime")
            fields["uptime_seconds"] = uptime_seconds(m.group("uptime"))
        elif m := _IMAGE.match(text):
            fields["image_path"] = m.group("path")
            fields["image"] = re.split(r"[:/]", m.group("path"))[-1]
        elif m := _RELOAD.match(text):
            fields["reload_reason"] = fields["reload_reason"] or m.group("reason")
        elif m := _PLATFORM.match(text):
            fields["platform"], self.notice_lines = m.group("model"), 0
        elif m := _LICENSE_LEVEL.match(text):
            fields["license_level"] = m.group("level")
        elif text.startswith(_NOTICE_START):
            self.notice_lines = _MAX_NOTICE_LINES  # the export notice: free text up to the platform line
        elif _BOILERPLATE.match(text):
            pass
        elif self.notice_lines > 0:
            self.notice_lines -= 1
        elif m := _TECH_ROW.match(text):
            current, kind, after_reload = (None if v == "None" else v for v in m.group("current", "type", "next"))
            out.append(ctx.fact("platform.license", rec, feature=current, technology=m.group("tech"),
                                state=kind, license_type=kind, next_reboot=after_reload,
                                active=current is not None, command="show version"))
        else:
            return None
        if self.version is not None:
            extend_fact(self.version, rec)
        return out

    def flush(self, ctx: Context):
        version, self.version, self.notice_lines = self.version, None, 0
        return [version] if version is not None else []
