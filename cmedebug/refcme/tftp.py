"""CME's TFTP server: a real RFC 1350 server on UDP 127.0.0.1 (read requests only),
and the phone's client. It logs what `debug tftp events` prints (VRFDG shapes in
primer §4.1), with the phone's modelled address."""
from __future__ import annotations

import socket
import struct
import threading

from cmedebug.refcme.tls import LOOPBACK

RRQ, DATA, ACK, ERROR = 1, 3, 4, 5
BLOCK = 512
FILE_NOT_FOUND = 1
TIMEOUT, TRIES = 1.0, 5


class TftpServer:
    def __init__(self, log) -> None:
        self.log = log
        self.files: dict[str, bytes] = {}
        self.peer: tuple[str, int] = ("0.0.0.0", 0)  # modelled address of the next requester
        self.sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self, name: str, data: bytes | None) -> None:
        if data is None:
            self.files.pop(name, None)
        else:
            self.files[name] = data

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def start(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.settimeout(0.05)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="refcme-tftp", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.sock.close()
            self._thread = None

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                packet, client = self.sock.recvfrom(2048)
            except (socket.timeout, OSError):
                continue
            if len(packet) > 2 and struct.unpack(">H", packet[:2])[0] == RRQ:
                name = packet[2:].split(b"\0")[0].decode(errors="replace")
                self._transfer(name, client)

    def _transfer(self, name: str, client) -> None:
        ip, port = self.peer
        self.log.emit("tftp.server-request", port=port)
        self.log.emit("tftp.read-request", ip=ip, port=port)
        self.log.emit("tftp.looking-for", file=name)
        data = self.files.get(name)
        if data is None:
            self.log.emit("tftp.no-such-file")
            self.sock.sendto(struct.pack(">HH", ERROR, FILE_NOT_FOUND) + b"File not found\0", client)
            return
        for block in range(1, len(data) // BLOCK + 2):
            packet = struct.pack(">HH", DATA, block % 65536) + data[(block - 1) * BLOCK:block * BLOCK]
            if not self._send_until_acked(packet, block % 65536, client):
                return

    def _send_until_acked(self, packet: bytes, block: int, client) -> bool:
        for _ in range(TRIES):
            self.sock.sendto(packet, client)
            try:
                while True:
                    reply, sender = self.sock.recvfrom(2048)
                    if sender == client and reply[:4] == struct.pack(">HH", ACK, block):
                        return True
            except socket.timeout:
                if self._stop.is_set():
                    return False
                continue
        return False


def fetch(port: int, name: str) -> bytes | None:
    """The phone's read request to the router's TFTP server; None on "file not found"."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        server = (LOOPBACK, port)
        request = struct.pack(">H", RRQ) + name.encode() + b"\0octet\0"
        data, expected, last = b"", 1, request
        for _ in range(TRIES * 64):
            sock.sendto(last, server)
            try:
                packet, server = sock.recvfrom(BLOCK + 4)
            except socket.timeout:
                continue  # lost: send the request or the last ACK again
            opcode, number = struct.unpack(">HH", packet[:4])
            if opcode == ERROR:
                return None
            if opcode == DATA and number == expected % 65536:
                data += packet[4:]
                last = struct.pack(">HH", ACK, number)
                if len(packet) - 4 < BLOCK:
                    sock.sendto(last, server)
                    return data
                expected += 1
        raise TimeoutError(f"TFTP transfer of {name} did not complete")
