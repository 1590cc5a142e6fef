"""`show ip http server status`: is the HTTP server (SCEP transport of the IOS CA) on?

Shape as IOS 15.x prints it.
"""
from __future__ import annotations

import re

from cmedebug.parsers.show_block import KeyValueShowParser, text_or_none, to_int, yes_no


class ShowHttpServerStatusParser(KeyValueShowParser):
    name = "show-http-server-status"
    description = "show ip http server status"
    # R1#show ip http server status
    commands = (r"sh\w* ip http ser\w* (?:stat\w*|all)",)
    # HTTP server status: Enabled
    block_start = re.compile(r"HTTP server status: ")
    fact_kind = "http.server_status"
    keys = {
        # HTTP server status: Disabled
        "http server status": ("enabled", yes_no),
        # HTTP server port: 80
        "http server port": ("port", to_int),
        # HTTP server authentication method: enable
        "http server authentication method": ("auth_method", text_or_none),
        # HTTP secure server status: Enabled
        "http secure server status": ("secure_enabled", yes_no),
        # HTTP secure server port: 443
        "http secure server port": ("secure_port", to_int),
        # HTTP secure server trustpoint: TP-self-signed-1215158049
        "http secure server trustpoint": ("secure_trustpoint", text_or_none),
    }
    # HTTP server digest algorithm: md5      Maximum number of concurrent server connections allowed: 5
    # Server idle time-out: 180 seconds      HTTP server auth-retry 0 time-window 0
    other_lines = re.compile(r"HTTP (?:secure )?server|Maximum number of|Server (?:idle|life|session|linger)")
