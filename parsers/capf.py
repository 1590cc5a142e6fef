"""`debug capf-server all | events | messages | error`: CAPF sessions on CME.

Faithful to the log: the transient `SSL Handshake Error -6983` lines that
precede `SSL Handshake Successful` in a working session are emitted as they
are (``capf.tls.handshake_error`` then ``capf.tls.handshake_ok``); rules tell
transient from real failures.
"""
from __future__ import annotations

from cmedebug.parsers.grammar import SEP_NAME, ShapeParser, shape

# CAPF command codes, formats.md §8.2
CAPF_OPERATIONS = {
    1: "AUTH_REQUEST", 2: "AUTH_RESPONSE", 3: "KEY_GENERATE_REQUEST", 4: "KEY_GENERATE_RESPONSE",
    5: "ENCRYPT_RESPONSE", 6: "ENCRYPT_REQUEST", 7: "DECRYPT_REQUEST", 8: "DECRYPT_RESPONSE",
    9: "STORE_CERTIFICATE_REQUEST", 10: "STORE_CERTIFICATE_RESPONSE", 11: "FETCH_CERTIFICATE_REQUEST",
    12: "FETCH_CERTIFICATE_RESPONSE", 13: "DELETE_CERTIFICATE_REQUEST", 14: "DELETE_CERTIFICATE_RESPONSE",
    15: "END_SESSION", 16: "RETRY_LATER", 17: "REQUEST_IN_PROGRESS", 18: "STATUS_REQUEST",
    19: "STATUS_RESPONSE", 20: "ABORT_REQUEST", 21: "ABORT_RESPONSE", 22: "SIGN_CERTIFICATE_REQUEST",
    23: "SIGN_CERTIFICATE_RESPONSE",
}
# AUTH_TYPE element, formats.md §8.3 (a reading: CME prints only the number)
AUTH_MODE_NAMES = {0: "none", 1: "auth-string", 2: "null-string", 3: "LSC", 4: "MIC"}

# SEP000E325C9A43
_SEP = rf"(?P<mac>{SEP_NAME})"
SHAPES = (
    # New Connection from phone, socket 1
    # msg: capf.new-connection
    shape("capf.session.started", r"New Connection from phone, socket (?P<socket>\d+)"),
    # Created New Handshake Process
    # msg: capf.handshake-process
    shape("capf.handshake.created", r"Created New Handshake Process"),
    # SSL Handshake Error -6983      (older reference CME output printed an OpenSSL reason: SSL Handshake Error tlsv1 alert unknown ca)
    # msg: capf.ssl-would-block, capf.ssl-handshake-failed
    shape("capf.tls.handshake_error", r"SSL Handshake Error (?:(?P<code>-?\d+)$|(?P<reason>.+))", service="capf"),
    # SSL Handshake Successful
    # msg: capf.ssl-ok
    shape("capf.tls.handshake_ok", r"SSL Handshake Successful", service="capf"),
    # ephone_capf_send_auth_req:
    # msg: capf.send-auth-req
    shape("capf.auth.requested", r"ephone_capf_send_auth_req:"),
    # ephone_capf_ssl_write: 12 bytes
    # msg: capf.ssl-write
    shape("capf.ssl.write", r"ephone_capf_ssl_write: (?P<bytes>\d+) bytes"),
    # ephone_capf_ssl_read: Read 35 bytes
    # msg: capf.ssl-read
    shape("capf.ssl.read", r"ephone_capf_ssl_read: Read (?P<bytes>\d+) bytes"),
    # ephone_capf_handle_phone_msg: msgtype 2
    # msg: capf.phone-msg
    shape("capf.message", r"ephone_capf_handle_phone_msg: msgtype (?P<msgtype>\d+)"),
    # ephone_capf_process_auth_res_msg: SEP000E325C9A43 AuthMode 2
    # msg: capf.auth-res
    shape("capf.auth.result", rf"ephone_capf_process_auth_res_msg: {_SEP} AuthMode (?P<auth_mode>\d+)"),
    # ephone_capf_send_delete_cert_req_msg: SEP000E325C9A43
    # msg: capf.send-store, capf.send-delete, capf.send-fetch
    shape("capf.cert.requested", rf"ephone_capf_send_(?P<operation>delete|fetch|store)_cert_req_msg: {_SEP}"),
    # certificate delete successful for SEP000E325C9A43
    # msg: capf.store-ok, capf.delete-ok, capf.fetch-ok
    shape("capf.cert.result",
          rf"certificate (?P<operation>delete|fetch|store|upgrade) (?P<result>successful|success|failed|failure)"
          rf" for {_SEP}"),
    # ephone_capf_send_encrypt_req_msg: SEP000E325C9A43
    # msg: capf.send-encrypt
    shape("capf.encrypt.requested", rf"ephone_capf_send_encrypt_req_msg: {_SEP}"),
    # ephone_capf_send_PhKeyGenReq_msg: SEP000E325C9A43 KeySize 1024
    # msg: capf.keygen-req
    shape("capf.keygen.requested", rf"ephone_capf_send_PhKeyGenReq_msg: {_SEP} KeySize (?P<key_size>\d+)"),
    # ephone_capf_process_req_in_progress: SEP000E325C9A43 delay 0
    # msg: capf.req-in-progress
    shape("capf.keygen.in_progress", rf"ephone_capf_process_req_in_progress: {_SEP} delay (?P<delay>\d+)"),
    # ephone_capf_release_session: SEP000E325C9A43
    # msg: capf.release-session
    shape("capf.session.released", rf"ephone_capf_release_session: {_SEP}"),
    # ephone_capf_send_end_session_msg: SEP000E325C9A43
    # msg: capf.end-session
    shape("capf.session.end_sent", rf"ephone_capf_send_end_session_msg: {_SEP}"),
    # ephone_capf_process_store_cert_res: SEP000E325C9A43 ...   (any other CAPF function, kept)
    shape("capf.debug", rf"(?P<step>ephone_capf_\w+):? ?(?:{_SEP})?(?P<text>.*)$"),
)
_RESULTS = {"successful": "success", "failed": "failure"}


class CapfParser(ShapeParser):
    name = "capf"
    description = "debug capf-server all | events | messages | error"
    keywords = ("ephone_capf_", "New Connection from phone", "Handshake Process", "SSL Handshake", " for SEP")
    priority = 30
    shapes = SHAPES

    def refine(self, kind, fields, rec):
        if "msgtype" in fields:
            fields["operation"] = CAPF_OPERATIONS.get(fields["msgtype"], "UNKNOWN")
        if "auth_mode" in fields:
            fields["auth_mode_name"] = AUTH_MODE_NAMES.get(fields["auth_mode"], "unknown")
        if "result" in fields:
            fields["result"] = _RESULTS.get(fields["result"], fields["result"])
        if kind == "capf.debug":
            fields["text"] = rec.text
        return fields


__all__ = ["CapfParser", "CAPF_OPERATIONS", "AUTH_MODE_NAMES"]
