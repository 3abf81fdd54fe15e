"""Bounded inputs and waits: request bodies are capped before they are buffered (issue 10)."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

from bot.server import MAX_BODY_BYTES


def _exchange(url: str, head: bytes, body: bytes = b"") -> bytes:
    u = urlparse(url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(head + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return data


def test_a_body_over_the_cap_is_413_before_it_is_read(bot):
    # Only the headers are sent: the answer must come without waiting for 100 MB that never arrive.
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {100 * 1024 * 1024}\r\n\r\n"
    ).encode()
    answer = _exchange(bot.url, head)
    assert answer.startswith(b"HTTP/1.") and b" 413 " in answer.split(b"\r\n")[0], answer[:200]


def test_a_chunked_body_over_the_cap_is_413(bot):
    chunk = b"x" * 65536
    pieces = MAX_BODY_BYTES // len(chunk) + 2
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(pieces)) + b"0\r\n\r\n"
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    answer = _exchange(bot.url, head, body)
    assert b" 413 " in answer.split(b"\r\n")[0], answer[:200]


def test_a_body_at_the_cap_is_read_and_checked(bot):
    body = b"a" * MAX_BODY_BYTES
    head = f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    answer = _exchange(bot.url, head.encode(), body)
    assert b" 401 " in answer.split(b"\r\n")[0]  # read, then refused as unsigned
