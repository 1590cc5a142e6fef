"""`debug ctl-client`: the CTL client building and signing CTLFile.tlv, one
record per function and trustpoint."""
from __future__ import annotations

from cmedebug.parsers.grammar import ShapeParser, shape

SHAPES = (
    # create_ctl_record: Function 0 Trustpoint cisco1
    # msg: ctl.create-record
    shape("ctl_client.record_requested", r"create_ctl_record: Function (?P<function>\d+) Trustpoint (?P<trustpoint>\S+)"),
    # create_ctl_record: record added for function 0
    # msg: ctl.record-added
    shape("ctl_client.record_added", r"create_ctl_record: record added for function (?P<function>\d+)"),
    # ctl_client_create_ctlfile: Signature length 128
    # msg: ctl.signature-length
    shape("ctl_client.signed", r"ctl_client_create_ctlfile: Signature length (?P<signature_length>\d+)"),
    # CTL File Created Successfully
    # msg: ctl.created
    shape("ctl_client.created", r"CTL File Created Successfully", result="success"),
    # ctl_client_create_ctlfile: Failed to get the trustpoint sast2   (any failure wording of these functions)
    shape("ctl_client.failed", r"(?i)(?P<text>(?:ctl_client\w*|create_ctl_record|CTL File)\b.*\b(?:fail|error|unable|cannot|not found).*)$",
          result="failure"),
    # ctl_client_create_ctlfile:
    # msg: ctl.create-ctlfile
    shape("ctl_client.build_started", r"ctl_client_create_ctlfile:$"),
    # ctl_client_<anything>: ...   (other steps, kept)
    shape("ctl_client.debug", r"(?P<step>ctl_client\w*|create_ctl_record):? ?(?P<text>.*)$"),
)


class CtlClientParser(ShapeParser):
    name = "ctl-client"
    description = "debug ctl-client (CTL file creation)"
    keywords = ("ctl_client", "create_ctl_record", "CTL File")
    priority = 30
    shapes = SHAPES

    def refine(self, kind, fields, rec):
        if kind == "ctl_client.failed":
            fields["text"] = rec.text
        return fields
