"""gunicorn's threaded worker, except that a request is read in full before a thread is given to it.

The stock `gthread` worker hands a connection to a thread as soon as its first byte arrives, and the thread
then blocks reading the rest: 16 clients trickling a byte every 2 s held every thread of two workers, and
`/healthz` and commands timed out. Here the worker's event loop reads what each connection sends, without
blocking, into a buffer; only a complete request (headers, and a body up to the app's 1 MiB cap) goes to the
thread pool, with those bytes put back in front of gunicorn's own parser. A connection that has not sent its
whole request within READ_TIMEOUT_S is closed. The request body limit itself is enforced by the app
(bot/slack/server.py); a larger declared body is handed over at once, answered 413, and the connection closed.
"""

from __future__ import annotations

import errno
import re
import selectors
import socket
import time
from functools import partial

from gunicorn.http.parser import Parser
from gunicorn.workers.gthread import TConn, ThreadWorker

from bot.slack.server import MAX_BODY_BYTES

READ_TIMEOUT_S = 10.0  # a whole request, headers and body; Slack sends one in a single burst
STOP_GRACE_S = 2.0  # after SIGTERM, a request still arriving gets this long
MAX_HEADER_BYTES = 64 * 1024  # more than this without the end of the headers: let the parser refuse it
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*([0-9]+)[ \t]*(?=\r\n|$)", re.IGNORECASE)
_MORE, _COMPLETE, _GONE = "more", "complete", "gone"  # where reading a request stands
_CHUNKED = re.compile(rb"\r\ntransfer-encoding[ \t]*:[^\r\n]*chunked", re.IGNORECASE)


def request_complete(buf: bytes | bytearray) -> bool:
    """True once `buf` holds a whole HTTP/1.x request, or enough to be refused without reading more."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return len(buf) > MAX_HEADER_BYTES
    head = bytes(buf[:end])
    body = len(buf) - end - 4
    if _CHUNKED.search(head):
        return buf.endswith(b"0\r\n\r\n") or body > MAX_BODY_BYTES
    m = _CONTENT_LENGTH.search(head)
    length = int(m.group(1)) if m else 0
    return length > MAX_BODY_BYTES or body >= length


class BufferedConn(TConn):
    """A connection this worker reads itself: `inbuf` holds what it sent so far, `prebuffer` the whole request
    once read, for gunicorn's parser to read first (`BufferingThreadWorker.handle`)."""

    inbuf: bytearray  # set when reading starts (`_start_reading`)
    prebuffer: bytes = b""


class BufferingThreadWorker(ThreadWorker):
    def init_process(self) -> None:
        self.reading: dict[BufferedConn, float] = {}  # connections being read, and the time they must be done by
        super().init_process()

    def accept(self, listener: socket.socket) -> None:
        if self.cfg.is_ssl:  # TLS is read by the thread (terminate it in front; see README "Deployment")
            return super().accept(listener)
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = BufferedConn(self.cfg, client_sock, client_addr, listener.getsockname())  # non-blocking
        self._start_reading(conn)

    def on_client_socket_readable(self, conn: TConn, client: socket.socket) -> None:
        """A kept-alive connection has its next request coming: read it like a new one."""
        if self.cfg.is_ssl or not isinstance(conn, BufferedConn):  # TLS: read by the thread, as `accept` left it
            return super().on_client_socket_readable(conn, client)
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        conn.sock.setblocking(False)
        self._start_reading(conn)

    def _start_reading(self, conn: BufferedConn) -> None:
        conn.inbuf = bytearray()
        self.reading[conn] = time.monotonic() + READ_TIMEOUT_S
        # Usually the whole request is there already (a kept-alive connection just turned readable; a new one
        # often brings its request in the first packets): read it now, and wait on the poller only for the rest.
        # That spares registering the socket and a turn of the event loop on every request.
        state = self._read(conn)
        if state == _MORE:
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_bytes, conn))
        else:
            self._done_reading(conn, state)

    def _on_bytes(self, conn: BufferedConn, client: socket.socket) -> None:
        state = self._read(conn)
        if state != _MORE:
            self.poller.unregister(client)
            self._done_reading(conn, state)

    def _read(self, conn: BufferedConn) -> str:
        """Read what the connection has sent so far (without blocking): _MORE to come, _COMPLETE, or _GONE."""
        try:
            data = conn.sock.recv(256 * 1024)
        except (BlockingIOError, InterruptedError):
            return _MORE
        except OSError:
            data = b""
        if not data:  # the client went away before finishing its request
            return _GONE
        conn.inbuf += data
        return _COMPLETE if request_complete(conn.inbuf) else _MORE

    def _done_reading(self, conn: BufferedConn, state: str) -> None:
        if state == _GONE:
            self._drop(conn)
            return
        del self.reading[conn]
        conn.prebuffer, conn.inbuf = bytes(conn.inbuf), bytearray()
        conn.data_ready = True
        self.enqueue_req(conn)

    def _drop(self, conn: BufferedConn) -> None:
        self.reading.pop(conn, None)
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """Close connections that took too long to send their request; when stopping, idle ones at once and
        the others after STOP_GRACE_S."""
        super().murder_pending()
        now = time.monotonic()
        for conn, until in list(self.reading.items()):
            if not self.alive:
                if not conn.inbuf:
                    self._drop(conn)
                    continue
                until = self.reading[conn] = min(until, now + STOP_GRACE_S)
            if now >= until:
                self._drop(conn)

    def handle(self, conn: TConn) -> bool:
        if isinstance(conn, BufferedConn) and conn.prebuffer:
            pending, conn.prebuffer = conn.prebuffer, b""
            conn.sock.setblocking(True)
            conn.init()
            http1(conn).unreader.unread(pending)
        return super().handle(conn)

    def _keepalive_after(self, conn: TConn, keepalive: bool) -> bool:
        """Keep the connection only if the request was read to its end already (no waiting on a slow client
        for a body the app did not read, e.g. one refused with 413)."""
        if not keepalive:
            return False
        # types-gunicorn 26.2 says finish_body returns None; gunicorn 27 returns whether the body was drained.
        drained = http1(conn).finish_body(deadline=time.monotonic() + 0.05)  # type: ignore[func-returns-value]
        return bool(drained)


def http1(conn: TConn) -> Parser:
    """The connection's HTTP/1.x parser: a request this worker read whole, and the end of one, are HTTP/1.x."""
    if not isinstance(conn.parser, Parser):
        raise TypeError(f"an HTTP/1.x parser was expected, not {type(conn.parser).__name__}")
    return conn.parser
