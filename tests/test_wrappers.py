"""Foreign wrappers around IOS lines (issue #14 class 8): the wrapper is stripped,
the IOS line and its own stamp are kept.

The wrapper shapes are those issue #14 names (an automation tool's logger
`2023-06-22 21:02:23,500: tool DEBUG …`, `tcpdump -A` renderings of syslog
packets, relays prefixing `AP:<mac>:`, a syslog server's tab-separated export);
the IOS lines inside are real ones from ../shared/corpus/11 and 01."""
from __future__ import annotations

from cmedebug.parsers.framing import frame
from cmedebug.pipeline import analyze

# corpus 11
TLS = ("Dec 13 06:15:54.587: %EPHONE_CRED-2-CTL_TLS_HANDSHAKE_FAILED: Reason: unsupported protocol, Socket ID: 1, "
       "local address : 10.1.20.11:2445 and  remote address : 10.5.10.50:56372")
# corpus 01
UNREG = ("001891: .Jul 21 18:17:07.014: %IPPHONE-6-UNREGISTER_NORMAL: ephone-1:SEP000E325C9A43 IP:10.10.10.194 "
         "Socket:3 DeviceType:Phone has unregistered normally.")

WRAPPED = {
    "tool logger": f"2023-06-22 21:02:23,500: tool DEBUG {TLS}",
    "tool logger, dashes": f"2023-06-22 21:02:23,500 - netmiko - DEBUG - {TLS}",
    "tcpdump -A": f"E..l.K@.?.......(.....<189>{UNREG}",
    "AP relay": f"AP:00a2.891c.2140: {TLS}",
    "syslog export": f"2023-06-22 21:02:23\tLocal7.Debug\t10.1.20.11\t{UNREG}",
}


def test_each_wrapper_is_stripped_and_the_ios_stamp_kept():
    for name, line in WRAPPED.items():
        (rec,) = list(frame([line]))
        inner = TLS if TLS in line else UNREG
        stamp = rec.stamp
        assert stamp is not None, name
        assert (stamp.month, stamp.day) == ((12, 13) if inner is TLS else (7, 21)), name
        assert rec.facility in ("EPHONE_CRED", "IPPHONE"), name
        # the wrapper stripped: the IOS line (a syslog packet's keeps its <PRI>)
        assert rec.lines in ([inner], ["<189>" + inner]), name


def test_the_relay_names_the_sender():
    (rec,) = list(frame([WRAPPED["AP relay"]]))
    assert rec.host == "AP:00a2.891c.2140"


def test_a_wrapped_capture_gives_the_diagnosis_of_the_plain_one(tmp_path):
    plain, wrapped = tmp_path / "plain.log", tmp_path / "wrapped.log"
    plain.write_text(TLS + "\n")
    wrapped.write_text(WRAPPED["tool logger"] + "\n")
    expected = sorted((f.rule_id, f.message) for f in analyze([str(plain)]).findings)
    got = sorted((f.rule_id, f.message) for f in analyze([str(wrapped)]).findings)
    assert expected and got == expected


def test_plain_text_with_a_date_is_not_taken_for_a_wrapper():
    (rec,) = list(frame(["2023-06-22 21:02:23,500: the backup finished"]))
    assert rec.stamp is None and rec.facility is None


def _items(path):
    from cmedebug.ingest import read_input
    from cmedebug.model import Case
    from cmedebug.sources import Input

    case = Case()
    read_input(Input(str(path), lambda: open(path, "rb")), case)
    return ([(e.kind, e.source.first_line, e.fields) for e in case.events],
            [(f.kind, f.source.first_line, f.fields) for f in case.facts], case.commands_given)


def test_a_console_transcript_logged_by_a_tool_reads_as_the_plain_one(corpus_dir, tmp_path):
    """Prompts, the commands typed, their output and the answers inside a tool's log
    lines are the transcript itself (issue #14 classes 7 and 8): every capture of the
    corpus, each non-blank line wrapped, gives the same events and facts."""
    checked = 0
    for path in sorted(corpus_dir.glob("*.log")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if not any("#" in line and not line.startswith("## ") for line in lines):
            continue  # no prompt in it
        wrapped = tmp_path / path.name
        wrapped.write_text("\n".join(f"2023-06-22 21:02:{n % 60:02d},500 - netmiko - DEBUG - {line}" if line.strip()
                                     else line for n, line in enumerate(lines)) + "\n", encoding="utf-8")
        plain_items, wrapped_items = _items(path), _items(wrapped)
        assert wrapped_items == plain_items, path.name
        checked += bool(plain_items[2])  # a transcript with commands typed at prompts
    assert checked >= 5
