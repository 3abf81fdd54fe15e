"""PostgreSQL tells each process which channels' checklists changed (LISTEN/NOTIFY), so the stamp `/checklist
status` checks is answered from memory instead of a round trip per request.

Triggers (migrations 0013 and 0014, and `install_trigger` for `create_all`) run `pg_notify('checklist_changed',
'<team> <channel>')` for every INSERT, UPDATE or DELETE of a checklist row (`*` for a TRUNCATE), at commit. One
connection per process LISTENs, on a thread of its own; a notice drops that channel's remembered stamp. The memory
is trusted only while the process can vouch for the notices:

- It starts empty each time the listening connection is made (notices may have been missed meanwhile), and is
  emptied after every write this process commits (`Database.write()`), so a process sees its own changes at once.
- Every `ECHO_EVERY_S` the thread sends a notice of its own through a second connection of its own, asking in the
  same statement whether the triggers are there and enabled. Nothing is trusted before the first echo comes back
  on a new connection, nor while one is more than `ECHO_WAIT_S` late (a network that drops packets without
  closing anything; a pooler that does not pass LISTEN through), nor without the triggers; the thread then
  connects afresh. A silent network can so keep an old stamp for at most `ECHO_EVERY_S + ECHO_WAIT_S`.
- A lookup first reads whatever notices have reached the socket, under the lock the thread reads them with; a stamp
  read from the database is remembered only if nothing was forgotten since the lookup that preceded the read.

So a change made through another replica is seen as soon as its notice arrives: PostgreSQL sends it when the change
commits, well before Slack can deliver a next command. Writes by a session with `session_replication_role =
replica` (which fires no trigger) are not seen until something else changes the channel's checklist.
"""

from __future__ import annotations

import functools
import logging
import os
import select
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from storage import deadline
from storage.held import close_quietly, detached_connection

log = logging.getLogger(__name__)

CHANNEL = "checklist_changed"
EVERYTHING = "*"  # the notice of a TRUNCATE
ECHO_EVERY_S = 3.0
ECHO_WAIT_S = 2.0  # also the bound on each of the thread's own waits on the database
RECONNECT_S = (0.5, 10.0)  # first and longest pause between attempts to listen again

# What `create_all` installs: the same as migrations 0013 and 0014 together (each migration keeps its own copy
# of the SQL it ran; tests/test_migrations.py checks that both ways give the same function). One statement each:
# a driver may refuse several in one execute.
TRIGGER_DDL = (
    f"""CREATE OR REPLACE FUNCTION checklist_changed_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('{CHANNEL}', '{EVERYTHING}');
  ELSIF TG_OP = 'DELETE' THEN
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
    "DROP TRIGGER IF EXISTS checklist_truncated ON checklist",
    "CREATE TRIGGER checklist_truncated AFTER TRUNCATE ON checklist "
    "FOR EACH STATEMENT EXECUTE FUNCTION checklist_changed_notify()",
)
TRIGGERS = ("checklist_changed", "checklist_truncated")
# The echo, and whether both triggers are there and enabled (not 'D'isabled), in one round trip.
ECHO_SQL = (
    "SELECT pg_notify(%s, %s), (SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('checklist') "
    "AND tgname IN ('checklist_changed', 'checklist_truncated') AND tgenabled <> 'D')"
)

Key = tuple[str, str]  # (team_id, channel_id), as the notice names it


class ChecklistWatch:
    """Stamps remembered per channel, forgotten when PostgreSQL says the channel's checklist changed.

    `thread=False` leaves the listening to the caller (`listen()`, then `step()` as the thread would): the tests
    drive it one step at a time."""

    def __init__(self, engine: Engine, *, thread: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.clock = clock
        self._threaded = thread
        self._reset()
        os.register_at_fork(after_in_child=functools.partial(_reset_in_child, weakref.ref(self)))

    def _reset(self) -> None:
        """A new watch, or one inherited by a forked child: threads do not survive a fork, a lock held at that
        moment would never be released, and the parent's connections are not the child's to use."""
        self._lock = threading.Lock()
        self._stamps: dict[Key, Any] = {}
        self._generation = 0  # moves at every forgetting: a read that began before it is not remembered
        self._conn: Any = None  # the listening connection, while it listens
        self._sender: Any = None  # the echo's connection
        self._poller: Any = None  # lookups' view of the listening socket (the thread polls with its own)
        self._heard = False  # an echo came back on this connection: until then it proves nothing
        self._echo_token = ""
        self._echo_sent: float | None = None  # when the echo now awaited was sent
        self._next_echo = 0.0
        self._started = False
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- what the hot path asks ---------------------------------------------------------------------------

    def lookup(self, key: Key) -> tuple[bool, Any, int]:
        """(trusted, remembered stamp or None, generation). Not trusted: read the database, do not remember."""
        if not self._started and self._threaded:
            self._start_thread()
        with self._lock:
            if self._conn is not None and self._poller.poll(0):
                self._read_notices()
            if not self._hearing():
                return False, None, self._generation
            return True, self._stamps.get(key), self._generation

    def remember(self, key: Key, stamp: Any, generation: int) -> None:
        """Keep `stamp`, read from the database after `lookup` gave `generation`, unless something was forgotten
        since (the read may be older than what the database now holds). A notice still on the socket is read by
        the next lookup, which then forgets this."""
        with self._lock:
            if self._generation == generation and self._hearing():
                self._stamps[key] = stamp

    def forget_all(self) -> None:
        with self._lock:
            self._forget_all()

    def stop(self) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2 * ECHO_WAIT_S + 1)
        with self._lock:
            self._close()

    # -- listening ----------------------------------------------------------------------------------------

    def _start_thread(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
            self._thread = threading.Thread(target=self._run, name="checklist-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        stopping = self._stopping
        pause = RECONNECT_S[0]
        while not stopping.is_set():
            try:
                self.listen()
                pause = RECONNECT_S[0]
                while not stopping.is_set():
                    self.step(0.5)
            except Exception as exc:  # noqa: BLE001  (any failure: stop trusting, listen again after a pause)
                log.warning("checklist watch: not listening (%s); status reads the database until it is", exc)
            with self._lock:
                self._close()
            if stopping.wait(pause):
                return
            pause = min(pause * 2, RECONNECT_S[1])

    def listen(self) -> None:
        """Make the listening connection and the echo's (each wait bounded by ECHO_WAIT_S); trusted from the first
        echo heard."""
        with deadline.within(ECHO_WAIT_S):
            conn = detached_connection(self.engine)
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                sender = detached_connection(self.engine)
            except Exception:
                conn.close()
                raise
        poller = select.poll()
        poller.register(conn.pgconn.socket, select.POLLIN)
        with self._lock:
            self._close()
            self._conn, self._sender, self._poller = conn, sender, poller
            self._heard, self._echo_sent, self._next_echo = False, None, self.clock()
        self._waiter = select.poll()
        self._waiter.register(conn.pgconn.socket, select.POLLIN)

    def step(self, timeout: float) -> None:
        """Send the echo when it is due, wait up to `timeout` for notices and read them; raises when the
        connection broke, the echo is late or the triggers are missing (and trusts nothing from then on)."""
        try:
            if self.clock() >= self._next_echo:
                self._send_echo()
            self._waiter.poll(int(timeout * 1000))
            with self._lock:
                if self._conn is not None:
                    self._read_notices()
                if self._conn is None or self._echo_late():
                    raise ConnectionError(f"the listening connection broke, or no echo came back in {ECHO_WAIT_S} s")
        except BaseException:
            with self._lock:
                self._close()
            raise

    def _send_echo(self) -> None:
        with self._lock:
            if self._echo_sent is None:
                self._echo_token, self._echo_sent = f"echo {uuid.uuid4().hex}", self.clock()
            token, sender = self._echo_token, self._sender
        with deadline.within(ECHO_WAIT_S):
            row = sender.execute(ECHO_SQL, (CHANNEL, token)).fetchone()
        self._next_echo = self.clock() + ECHO_EVERY_S
        if row is None or row[1] != len(TRIGGERS):
            raise LookupError("the checklist triggers are missing or disabled (run `checklist-bot db upgrade`)")

    # -- under the lock -----------------------------------------------------------------------------------

    def _hearing(self) -> bool:
        return self._conn is not None and self._heard and not self._echo_late()

    def _echo_late(self) -> bool:
        return self._echo_sent is not None and self.clock() - self._echo_sent > ECHO_WAIT_S

    def _read_notices(self) -> None:
        pg = self._conn.pgconn
        try:
            pg.consume_input()  # never blocks: libpq's socket is non-blocking
            while (notice := pg.notifies()) is not None:
                self._notice(notice.extra.decode())
        except Exception:  # noqa: BLE001  (a broken connection: the thread listens again)
            log.debug("checklist watch: reading notices failed", exc_info=True)
            self._close()

    def _notice(self, payload: str) -> None:
        if payload.startswith("echo "):
            if payload == self._echo_token:
                self._echo_sent, self._heard = None, True
            return
        self._generation += 1
        if payload == EVERYTHING:
            self._stamps.clear()
        else:
            team_id, _, channel_id = payload.partition(" ")
            self._stamps.pop((team_id, channel_id), None)

    def _forget_all(self) -> None:
        self._generation += 1
        self._stamps.clear()

    def _close(self) -> None:
        conns = (self._conn, self._sender)
        self._conn = self._sender = self._poller = None
        self._heard = False
        self._forget_all()
        for conn in conns:
            if conn is not None:
                close_quietly(conn)


def _reset_in_child(ref: weakref.ReferenceType[ChecklistWatch]) -> None:
    watch = ref()
    if watch is not None:
        watch._reset()


def install_trigger(connection: Any) -> None:
    """Create the triggers (PostgreSQL only): for a schema made by `create_all` rather than by the migrations."""
    for statement in TRIGGER_DDL:
        connection.exec_driver_sql(statement)
