"""CME's TFTP server, in process: the files it binds and what `debug tftp events` prints."""
from __future__ import annotations


class TftpServer:
    def __init__(self, log) -> None:
        self.log = log
        self.files: dict[str, bytes] = {}

    def publish(self, name: str, data: bytes | None) -> None:
        if data is None:
            self.files.pop(name, None)
        else:
            self.files[name] = data

    def get(self, name: str, peer_ip: str, peer_port: int) -> bytes | None:
        """A phone's read request; None (error 1) when the file is not bound."""
        self.log.log(f"TFTP: Server request for port {peer_port}, socket_id 0x0 for process 1", "tftp events")
        self.log.log(f"TFTP: read request from host {peer_ip}({peer_port}) via GigabitEthernet0/0", "tftp events")
        self.log.log(f"TFTP: Looking for {name}", "tftp events")
        data = self.files.get(name)
        if data is None:
            self.log.log("TFTP: Sending error 1 No such file", "tftp events")
        return data
