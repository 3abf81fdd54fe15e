"""Bounded inputs and waits: request bodies are capped before they are buffered (issue 10)."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

from bot.slack.server import MAX_BODY_BYTES


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


def test_request_complete_reads_headers_and_declared_bodies():
    from bot.slack.http_worker import request_complete

    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
    assert not request_complete(head[:20])
    assert not request_complete(head + b"abc")
    assert request_complete(head + b"abcde")
    assert request_complete(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    big = f"POST / HTTP/1.1\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode()
    assert request_complete(big)  # refused from the header, no need to wait for the body
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
    assert not request_complete(chunked) and request_complete(chunked + b"0\r\n\r\n")
    assert request_complete(b"x" * (64 * 1024 + 1))  # no end of headers in sight: the parser refuses it


def test_a_hundred_trickling_clients_leave_healthz_and_commands_answering(fake_slack, tmp_path):
    """100 connections sending one byte every 2 s, against `checklist-bot serve` (2 workers × 8 threads)."""
    import statistics
    import threading
    import time
    import urllib.request

    from tests.fake.driver import SlackDriver, http_transport
    from tests.fake.signed import Signer
    from tests.test_serve import SECRET, free_port, start_serve, stop

    port = free_port()
    proc = start_serve(fake_slack, f"sqlite:///{tmp_path}/slow.db", port)
    socks: list[socket.socket] = []
    done = threading.Event()
    try:
        slack = SlackDriver(http_transport(f"http://127.0.0.1:{port}/slack/events"), Signer(SECRET), fake_slack)
        assert slack.command("start").response_type == "in_channel"
        slow = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n\r\n" + b"a" * 64
        socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(100)]

        def trickle() -> None:
            for i in range(len(slow)):
                for s in socks:
                    try:
                        s.send(slow[i : i + 1])
                    except OSError:
                        pass
                if done.wait(2.0):
                    return

        threading.Thread(target=trickle, daemon=True).start()
        time.sleep(2.5)  # every slow connection has begun its request

        def timed(fn) -> float:
            t = time.monotonic()
            fn()
            return time.monotonic() - t

        def health() -> None:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                assert r.status == 200

        def status() -> None:
            assert "0/25 done" in slack.command("status").content

        health_times = [timed(health) for _ in range(5)]
        command_times = [timed(status) for _ in range(5)]
        assert statistics.median(health_times) < 1.0 and max(health_times) < 3.0, health_times
        assert statistics.median(command_times) < 1.0 and max(command_times) < 3.0, command_times
    finally:
        done.set()
        for s in socks:
            s.close()
        out = stop(proc)
    assert proc.returncode == 0, out
    assert "Traceback" not in out
