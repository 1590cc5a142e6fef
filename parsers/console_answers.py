"""Console transcripts: what the router answered to a typed command (issue #14 class 7).

A `% ` line that follows a prompt is the router's answer to that command; an
error answer becomes an event carrying the command that caused it, so the
analysis sees `crypto key generate rsa ...` refused, not a stray line. The
summary line of `ping` is reachability evidence. Informational answers
(`% Generating 1024 bit RSA keys ...[OK]`, `% Certificate Server enabled.`) are
recognised and kept out of the events. Answers that a family parser knows more
precisely (`% Error in receiving Certificate Authority certificate ...`: pki)
are read there first: this parser runs after the family parsers.
"""
from __future__ import annotations

import re

from cmedebug.parsers.base import Context, LineParser
from cmedebug.parsers.framing import Record
from cmedebug.parsers.grammar import norm_serial

# % Please define a domain-name first.             (crypto key generate rsa without `ip domain name`)
# % Invalid input detected at '^' marker.          (ios-commands.md: IOS's answer to a command it does not know)
# % Incomplete command.   % Ambiguous command: "sh cr"
_ANSWER = re.compile(r"^% ?(?P<text>[A-Z].*)$")
_ERROR = re.compile(r"^(?:Invalid input|Incomplete command|Ambiguous command|Unrecognized|Unknown|Error|Bad |"
                    r"Please define)|\b(?:failed|failure|does not exist|not found|not exportable|denied|refused|"
                    r"unable to|timed out)\b", re.IGNORECASE)
_SYSLOG = re.compile(r"^%[A-Z0-9_]+-\d-[A-Z0-9_]+:")
# crypto key generate rsa general-keys label CME modulus 2048
_KEYGEN = re.compile(r"^cry\w* +key +gen\w* +rsa\b", re.IGNORECASE)
_LABEL = re.compile(r"\blabel +(?P<label>\S+)", re.IGNORECASE)
# Success rate is 0 percent (0/5)      (IOS `ping` summary; Success rate is 100 percent (5/5), round-trip min/avg/max = 1/2/4 ms)
_PING = re.compile(r"^Success rate is (?P<rate>\d{1,3}) percent \((?P<received>\d+)/(?P<sent>\d+)\)")
# Type escape sequence to abort.   Sending 5, 100-byte ICMP Echos to 10.1.1.99, timeout is 2 seconds:
_PING_CHATTER = re.compile(r"^(?:Type escape sequence to abort\.|Sending \d+, \d+-byte ICMP Echos to )")
# ping 10.1.1.99   ping vrf CUST 10.1.1.99 source Gi0/0
_PING_TARGET = re.compile(r"^ping\b.*?\b(?P<target>\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:]+|[A-Za-z][\w.-]*\.[A-Za-z]{2,})\b")


# crypto pki server srstcaserver revoke 0x2     (ios-commands.md: `crypto pki server <cs> revoke <serial>`, Router#;
# IOS reads the serial as hex after 0x, else decimal)
_REVOKE = re.compile(r"^cry\w* +pki +ser\w* +(?P<ca>\S+) +rev\w* +(?P<serial>0x[0-9A-Fa-f]+|\d+)$", re.IGNORECASE)


class ConsoleAnswersParser(LineParser):
    name = "console-answers"
    description = "answers to typed commands: `% ` error lines, `ping` summaries, `crypto pki server <cs> revoke`"
    keywords = ("%", "Success rate is", "Type escape sequence", "ICMP Echos")
    commands = (r"cry\w* +pki +ser\w* +\S+ +rev\w* ",)
    priority = 97  # after every family parser, before the generic syslog one

    def start_block(self, rec: Record, ctx: Context):
        """The revocation typed at the prompt, located at the prompt line."""
        m = _REVOKE.match(ctx.command or "")
        if m is None:
            return []
        serial = m.group("serial")
        serial = serial[2:] if serial.lower().startswith("0x") else f"{int(serial):X}"
        return [ctx.event("pki.cs.revoke", rec, ca=m.group("ca"), serial=norm_serial(serial), command=ctx.command)]

    def declines_message(self, text: str, facility: str | None) -> bool:
        return facility is not None  # (parse's first test)

    def parse(self, rec: Record, ctx: Context):
        if rec.facility is not None:
            return None  # a `%FAC-SEV-MNEMONIC:` message, which _SYSLOG below refuses (at no cost, on every syslog)
        text = rec.text
        ping = _PING.match(text)
        if ping:
            target = _PING_TARGET.match(ctx.command or "")
            rate = int(ping.group("rate"))
            return [ctx.event("net.ping.failed" if rate == 0 else "net.ping.result", rec, command=ctx.command,
                              target=target.group("target") if target else None, success_rate=rate,
                              received=int(ping.group("received")), sent=int(ping.group("sent")))]
        if _PING_CHATTER.match(text):
            return []
        answer = _ANSWER.match(text)
        if answer is None or _SYSLOG.match(text) or not ctx.command:
            return None  # an answer is read with the command that caused it; without a prompt it stays unparsed
        said = answer.group("text").strip()
        if not _ERROR.search(said):
            return []  # informational: `% Generating 1024 bit RSA keys ...[OK]`
        command = ctx.command
        if _KEYGEN.match(command):
            label = _LABEL.search(command)
            return [ctx.event("crypto.key.generate_failed", rec, command=command,
                              label=label.group("label") if label else None, text=said)]
        return [ctx.event("console.error", rec, command=command, text=said)]
