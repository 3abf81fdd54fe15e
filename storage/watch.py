"""PostgreSQL tells each process which channels' checklists changed (LISTEN/NOTIFY), so the stamp `/checklist
status` checks is answered from memory instead of a round trip per request.

A trigger (migration 0013, and `install_trigger` for `create_all`) runs `pg_notify('checklist_changed',
'<team> <channel>')` for every INSERT, UPDATE or DELETE of a checklist row, at commit. One connection per process
LISTENs on a thread of its own; a notice drops that channel's remembered stamp. The memory is trusted only while
that connection is known to hear, from the first echo it hears (below):

- It is dropped whole when the listening connection is (re)made, since notices may have been missed meanwhile, and
  after every write this process commits (`Database.write()`), so a process always sees its own changes at once.
- Every `ECHO_EVERY_S` the thread sends a notice of its own through another connection; if it has not come back
  within `ECHO_WAIT_S`, the connection is deemed deaf (a network that drops packets without closing anything), the
  memory is not used and the thread connects afresh.
- A lookup first reads whatever notices have reached the socket, under the same lock the thread reads them with.

So a change made through another replica is seen as soon as its notice arrives: PostgreSQL sends it when the change
commits, well before Slack can deliver a next command; until it arrives the earlier stamp is answered. Every path
that is not sure (no listener yet, listener down, echo late, another process's fork) reads the database as before.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

CHANNEL = "checklist_changed"
ECHO_EVERY_S = 5.0
ECHO_WAIT_S = 2.0
RECONNECT_S = (0.5, 10.0)  # first and longest wait between attempts to listen again

# The trigger, one statement each (a driver may refuse several in one execute).
TRIGGER_DDL = (
    f"""CREATE OR REPLACE FUNCTION checklist_changed_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('{CHANNEL}', OLD.team_id || ' ' || OLD.channel_id);
  ELSE
    PERFORM pg_notify('{CHANNEL}', NEW.team_id || ' ' || NEW.channel_id);
    IF TG_OP = 'UPDATE' AND (OLD.team_id, OLD.channel_id) IS DISTINCT FROM (NEW.team_id, NEW.channel_id) THEN
      PERFORM pg_notify('{CHANNEL}', OLD.team_id || ' ' || OLD.channel_id);
    END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS checklist_changed ON checklist",
    "CREATE TRIGGER checklist_changed AFTER INSERT OR UPDATE OR DELETE ON checklist "
    "FOR EACH ROW EXECUTE FUNCTION checklist_changed_notify()",
)
DROP_TRIGGER_DDL = (
    "DROP TRIGGER IF EXISTS checklist_changed ON checklist",
    "DROP FUNCTION IF EXISTS checklist_changed_notify()",
)

Key = tuple[str, str]  # (team_id, channel_id), as the notice names it


class ChecklistWatch:
    """Stamps remembered per channel, forgotten when PostgreSQL says the channel's checklist changed."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine  # autocommit: the echo is sent through it
        self.clock = clock
        self._lock = threading.Lock()
        self._stamps: dict[Key, Any] = {}
        self._generation = 0  # moves at every forgetting: a read that began before it must not be remembered
        self._conn: Any = None  # the listening psycopg connection, while it listens
        self._echo_token = ""
        self._echo_sent: float | None = None  # when the echo now awaited was sent
        self._heard = False  # an echo came back on this connection: until then it proves nothing
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- what the hot path asks ---------------------------------------------------------------------------

    def lookup(self, key: Key) -> tuple[bool, Any, int]:
        """(trusted, remembered stamp or None, generation). Not trusted: read the database and do not remember."""
        self._ensure_started()
        with self._lock:
            if not self._hearing():
                return False, None, self._generation
            self._read_notices()
            if self._conn is None:  # reading found the connection broken
                return False, None, self._generation
            return True, self._stamps.get(key), self._generation

    def remember(self, key: Key, stamp: Any, generation: int) -> None:
        """Keep `stamp`, read from the database after `lookup` gave `generation`, unless something was forgotten
        since (it may be older than what the database now holds)."""
        with self._lock:
            if self._conn is not None:
                self._read_notices()
            if self._generation == generation and self._hearing():
                self._stamps[key] = stamp

    def forget_all(self) -> None:
        """After a write this process committed: nothing remembered is trusted (its own notice is on its way)."""
        with self._lock:
            self._forget_all()

    def stop(self) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=ECHO_WAIT_S + 1)
        with self._lock:
            self._close()

    # -- the listening thread -----------------------------------------------------------------------------

    def _ensure_started(self) -> None:
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            # First use, or first use in a forked child (threads do not survive a fork; the parent's connection
            # is not ours to use).
            self._conn = None
            self._forget_all()
            self._pid = pid
            self._stopping = threading.Event()
            self._thread = threading.Thread(target=self._run, name="checklist-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        wait = RECONNECT_S[0]
        while not self._stopping.is_set():
            try:
                self._listen()
                wait = RECONNECT_S[0]
            except Exception as exc:  # noqa: BLE001  (any failure: stop trusting, connect again after a pause)
                log.warning("checklist watch: not listening (%s); status reads the database until it is", exc)
            with self._lock:
                self._close()
            if self._stopping.wait(wait):
                return
            wait = min(wait * 2, RECONNECT_S[1])

    def _listen(self) -> None:
        conn = self._connect()
        with self._lock:
            self._forget_all()  # whatever changed while nobody listened is unknown
            self._conn = conn
            self._echo_sent, self._heard = None, False
        fd = conn.pgconn.socket
        next_echo = self.clock()
        while not self._stopping.is_set():
            now = self.clock()
            if now >= next_echo:
                self._send_echo()
                next_echo = now + ECHO_EVERY_S
            select.select([fd], [], [], 0.5)
            with self._lock:
                if self._conn is not conn:
                    return
                self._read_notices()
                if self._conn is None or self._echo_late():
                    raise ConnectionError(f"the listening connection broke, or no echo came back in {ECHO_WAIT_S} s")

    def _connect(self) -> Any:
        fairy = self.engine.raw_connection()
        try:
            fairy.detach()  # ours: the pool neither counts nor recycles it
            conn: Any = fairy.dbapi_connection
            conn.rollback()  # a checkout's pre-ping may have opened a transaction
            conn.autocommit = True
            conn.execute(f"LISTEN {CHANNEL}")
        except Exception:
            fairy.close()
            raise
        return conn

    def _send_echo(self) -> None:
        """A notice only this process awaits, sent through another connection: it proves the listener hears."""
        token = f"echo {uuid.uuid4().hex}"
        with self._lock:
            if self._echo_sent is None:
                self._echo_token, self._echo_sent = token, self.clock()
            else:
                token = self._echo_token  # still awaited: send it again, keep the first time
        with self.engine.connect() as c:
            c.execute(text("SELECT pg_notify(:channel, :token)"), {"channel": CHANNEL, "token": token})

    # -- under the lock -----------------------------------------------------------------------------------

    def _hearing(self) -> bool:
        return self._conn is not None and self._heard and not self._echo_late()

    def _echo_late(self) -> bool:
        return self._echo_sent is not None and self.clock() - self._echo_sent > ECHO_WAIT_S

    def _read_notices(self) -> None:
        pg = self._conn.pgconn
        try:
            if not select.select([pg.socket], [], [], 0)[0]:
                return
            pg.consume_input()
            while (notice := pg.notifies()) is not None:
                self._notice(notice.extra.decode())
        except Exception:  # noqa: BLE001  (a broken connection: the thread connects again)
            log.debug("checklist watch: reading notices failed", exc_info=True)
            self._close()

    def _notice(self, payload: str) -> None:
        if payload.startswith("echo "):
            if payload == self._echo_token:
                self._echo_sent, self._heard = None, True
            return
        team_id, _, channel_id = payload.partition(" ")
        self._generation += 1
        self._stamps.pop((team_id, channel_id), None)

    def _forget_all(self) -> None:
        self._generation += 1
        self._stamps.clear()

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        self._forget_all()
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                log.debug("checklist watch: closing failed", exc_info=True)


def install_trigger(connection: Any) -> None:
    """Create the trigger (PostgreSQL only): for a schema made by `create_all` rather than by the migrations."""
    for statement in TRIGGER_DDL:
        connection.exec_driver_sql(statement)
