"""A minimal Socket Mode endpoint for the fake Slack: enough WebSocket (RFC 6455) to hand the app envelopes
and read its acknowledgements, the way Slack's Socket Mode does."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode: int, data: bytes) -> bytes:
    head = bytes([0x80 | opcode])
    n = len(data)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + data


def _read_exact(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def _read_frame(conn: socket.socket) -> tuple[int, bytes]:
    b1, b2 = _read_exact(conn, 2)
    opcode, masked, n = b1 & 0x0F, b2 & 0x80, b2 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exact(conn, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exact(conn, 8))[0]
    mask = _read_exact(conn, 4) if masked else b"\0\0\0\0"
    data = bytes(b ^ mask[i % 4] for i, b in enumerate(_read_exact(conn, n)))
    return opcode, data


class SocketModeEndpoint:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._sock = socket.create_server((host, 0))
        self._conn: socket.socket | None = None
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self.acks: dict[str, dict[str, Any]] = {}
        self._running = True
        threading.Thread(target=self._accept, name="fake-socket-mode", daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"ws://{host}:{port}/link"

    def _accept(self) -> None:
        while self._running:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                request += chunk
            key = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in request.decode().split("\r\n")
                    if line.lower().startswith("sec-websocket-key:")
                ),
                "",
            )
            accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
            conn.sendall(
                (
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
                ).encode()
            )
            conn.sendall(_frame(0x1, json.dumps({"type": "hello", "num_connections": 1}).encode()))
            with self._cond:
                self._conn = conn
                self._cond.notify_all()
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        try:
            while True:
                opcode, data = _read_frame(conn)
                if opcode == 0x9:  # ping
                    conn.sendall(_frame(0xA, data))
                elif opcode == 0x8:
                    return
                elif opcode == 0x1:
                    message = json.loads(data)
                    with self._cond:
                        self.acks[message.get("envelope_id", "")] = message
                        self._cond.notify_all()
        except (ConnectionError, OSError, ValueError):
            return

    def wait_connected(self, timeout: float = 20) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._conn is not None, timeout):
                raise AssertionError("the app did not connect in Socket Mode")

    def send(self, kind: str, payload: dict[str, Any], *, timeout: float = 10) -> dict[str, Any]:
        """Deliver an envelope (`slash_commands`, `interactive`, `events_api`); return the app's ack."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        self.wait_connected()
        assert self._conn is not None
        self._conn.sendall(_frame(0x1, json.dumps(envelope).encode()))
        deadline = time.monotonic() + timeout
        with self._cond:
            while envelope_id not in self.acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for {kind} envelope")
                self._cond.wait(left)
            return self.acks[envelope_id]

    def close(self) -> None:
        self._running = False
        self._sock.close()
        if self._conn:
            self._conn.close()
