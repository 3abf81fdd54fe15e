"""Side effects through an outbox: written with the change they belong to, sent after the acknowledgement.

A listener runs its change and stages its effects in one transaction (`with rt.outbox.unit() as fx:`); once it
commits, the background pool sends them. What a stopped or crashed process leaves behind (pending effects, or one
claimed by a process that died while sending it) is sent by the next scheduler tick of any process, which runs at
start-up too. Each effect is claimed with a conditional UPDATE, so replicas never send one twice.

Each effect has an idempotency key; every message it posts carries `<key>:<step>` in its metadata. A handler does
its Web API work through `Delivery`, which records each step's progress in the effect's row: a step done is never
done again, and a post whose outcome is uncertain (timeout, dropped connection, 5xx, a crash) is looked up in the
channel before it is ever posted again (`bot.slack.delivery`). What cannot be looked up (a `response_url` post) is
marked unknown, logged and counted, never retried blindly.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.slack.background import Background
from bot.slack.delivery import find_post, metadata_for, uncertain
from bot.slack.reasons import reason_of
from bot.slack.workspaces import Workspaces
from storage import outbox as oq
from storage.db import Database

log = logging.getLogger(__name__)

TRIES_NOW = 3  # attempts in a row before an effect waits for the scheduler
BACKOFF_NOW = (0.2, 1.0)  # seconds between those attempts
MAX_ATTEMPTS = 8  # then it is given up: unknown if a step's outcome is uncertain, failed otherwise
SWEEP_LIMIT = 200
SWEEP_GRACE = timedelta(seconds=5)  # a pending effect younger than this is its own process's to send
KEEP = timedelta(days=14)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_key(kind: str) -> str:
    """A fresh idempotency key for an effect that has no natural one."""
    return f"{kind}:{uuid.uuid4().hex}"


@dataclass
class Effect:
    kind: str
    payload: dict[str, Any]
    team_id: str = ""
    key: str = ""  # idempotency key; a fresh one when empty

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "key": self.key or new_key(self.kind),
            "kind": self.kind,
            "team_id": self.team_id or "",
            "payload": json.dumps(self.payload),
            "state": "{}",
            "status": oq.PENDING,
            "attempts": 0,
            "due_at": now,
            "created_at": now,
        }


@dataclass
class Staged:
    """The effects of one unit of work, written when it commits."""

    effects: list[Effect] = field(default_factory=list)

    def add(self, kind: str, payload: dict[str, Any], *, team_id: str = "", key: str = "") -> None:
        self.effects.append(Effect(kind, payload, team_id, key))


class Retry(Exception):
    """Try the effect again later (Slack did not answer, or a step's outcome is still uncertain)."""


class Unknown(Exception):
    """Slack may or may not have acted and we cannot find out: the effect is left `unknown`."""


class LostClaim(Exception):
    """Another process took the effect over (this one was presumed dead)."""


@dataclass
class Handler:
    send: Callable[[Delivery], None]
    give_up: Callable[[Delivery, str], None] | None = None  # when it is abandoned (failed or unknown)


class Delivery:
    """One attempt at one effect: its payload, its progress so far, and the client of its workspace."""

    def __init__(self, outbox: Outbox, row: oq.OutboxEffect, client: WebClient) -> None:
        self.outbox = outbox
        self.id = row.pk
        self.key = row.key
        self.kind = row.kind
        self.team_id = row.team_id
        self.attempts = row.attempts
        self.payload: dict[str, Any] = json.loads(row.payload)
        self.state: dict[str, Any] = json.loads(row.state or "{}")
        self.client = client

    # -- progress ------------------------------------------------------------------------------------------

    def save(self) -> None:
        """Record progress (in the caller's joined transaction, if any); renews the claim."""
        with self.outbox.db.write() as session:
            if not oq.save_state(session, self.id, json.dumps(self.state), owner=self.outbox.owner, at=utcnow()):
                raise LostClaim(self.key)

    def done(self, step: str) -> bool:
        return (self.state.get(step) or {}).get("status") == "done"

    def result(self, step: str) -> Any:
        return (self.state.get(step) or {}).get("result")

    def _mark(self, step: str, status: str, result: Any = None) -> None:
        self.state[step] = {"status": status, "result": result}
        self.save()

    # -- steps ---------------------------------------------------------------------------------------------

    def once(self, step: str, call: Callable[[], Any]) -> Any:
        """An idempotent step (conversations.open, chat.update, views.publish): done once, redone freely if its
        outcome was uncertain. Slack's refusals propagate; an uncertain failure becomes Retry."""
        if self.done(step):
            return self.result(step)
        try:
            result = call()
        except SlackApiError as exc:
            if uncertain(exc):
                raise Retry(f"{step}: {reason_of(exc)}") from exc
            raise
        except Exception as exc:
            if uncertain(exc):
                raise Retry(f"{step}: {reason_of(exc)}") from exc
            raise
        self._mark(step, "done", result)
        return result

    def post(self, step: str, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        """chat.postMessage at most once: the message carries `<key>:<step>` in its metadata; an uncertain outcome
        (now or left by a dead process) is settled by looking for it in `channel`. Returns {"channel", "ts"}."""
        if self.done(step):
            posted: dict[str, Any] = self.result(step)
            return posted
        mkey = f"{self.key}:{step}"
        if (self.state.get(step) or {}).get("status") == "inflight":
            found = self._look(step, channel, mkey)
            if found is not None:
                return found
        for _ in range(2):
            self._mark(step, "inflight", {"channel": channel})
            try:
                resp = self.client.chat_postMessage(channel=channel, metadata=metadata_for(mkey), **message)
            except Exception as exc:
                if not uncertain(exc):
                    del self.state[step]
                    self.save()
                    raise
                log.warning(
                    "outbox: %s %s: outcome uncertain (%s); looking in %s", self.kind, step, reason_of(exc), channel
                )
                found = self._look(step, channel, mkey)
                if found is not None:
                    return found
                continue  # looked: Slack does not have it, so posting again cannot double it
            result = {"channel": resp["channel"], "ts": resp["ts"]}
            self._mark(step, "done", result)
            return result
        raise Retry(f"{step}: Slack did not confirm the post")

    def _look(self, step: str, channel: str, mkey: str) -> dict[str, Any] | None:
        try:
            ts = find_post(self.client, channel, mkey)
        except SlackApiError as exc:
            if uncertain(exc):
                raise Retry(f"{step}: could not look ({reason_of(exc)})") from exc
            raise Unknown(f"{step}: may or may not have been posted; cannot look ({reason_of(exc)})") from exc
        except Exception as exc:  # noqa: BLE001  (the look itself timed out: settle it later)
            raise Retry(f"{step}: could not look ({reason_of(exc)})") from exc
        if ts is None:
            return None
        log.info("outbox: %s %s was posted after all (%s)", self.kind, step, ts)
        result = {"channel": channel, "ts": ts}
        self._mark(step, "done", result)
        return result

    def settle(self, step: str, call: Callable[[], Any], look: Callable[[], Any]) -> Any:
        """A non-idempotent call whose effect can be found by `look()` (None when absent), e.g. completing a file
        upload: an uncertain outcome is looked up before the call is ever made again."""
        if self.done(step):
            return self.result(step)
        if (self.state.get(step) or {}).get("status") == "inflight":
            found = self._settle_look(step, look)
            if found is not None:
                return found
        for _ in range(2):
            self._mark(step, "inflight")
            try:
                result = call()
            except Exception as exc:
                if not uncertain(exc):
                    del self.state[step]
                    self.save()
                    raise
                log.warning("outbox: %s %s: outcome uncertain (%s); looking", self.kind, step, reason_of(exc))
                found = self._settle_look(step, look)
                if found is not None:
                    return found
                continue
            self._mark(step, "done", result)
            return result
        raise Retry(f"{step}: Slack did not confirm it")

    def _settle_look(self, step: str, look: Callable[[], Any]) -> Any:
        try:
            found = look()
        except SlackApiError as exc:
            if uncertain(exc):
                raise Retry(f"{step}: could not look ({reason_of(exc)})") from exc
            raise Unknown(f"{step}: may or may not have happened; cannot look ({reason_of(exc)})") from exc
        except Exception as exc:  # noqa: BLE001
            raise Retry(f"{step}: could not look ({reason_of(exc)})") from exc
        if found is None:
            return None
        self._mark(step, "done", found)
        return found

    def respond(self, step: str, url: str | None, body: dict[str, Any], *, idempotent: bool = False) -> None:
        """Post to a `response_url`. It cannot be looked up: an uncertain outcome of a non-idempotent post
        (a new message) is marked unknown for this step, logged and counted, and never sent again; a
        `replace_original` update is idempotent and simply retried."""
        if not url or self.done(step):
            return
        status = (self.state.get(step) or {}).get("status")
        if status == "unknown" or (status == "inflight" and not idempotent):
            if status == "inflight":
                self._unknown_step(step, "a process stopped while posting it")
            return
        self._mark(step, "inflight")
        try:
            resp = WebhookClient(url=url, timeout=self.client.timeout).send_dict(body)
        except Exception as exc:
            if idempotent:
                raise Retry(f"{step}: {reason_of(exc)}") from exc
            self._unknown_step(step, reason_of(exc))
            return
        if resp.status_code >= 500 and idempotent:
            raise Retry(f"{step}: HTTP {resp.status_code}")
        if resp.status_code != 200:
            log.warning("outbox: %s %s: response_url answered %s", self.kind, step, resp.status_code)
        self._mark(step, "done")

    def _unknown_step(self, step: str, why: str) -> None:
        self.outbox.unknown += 1
        log.error("outbox: %s %s (%s): outcome unknown (%s); not sent again", self.kind, step, self.key, why)
        self._mark(step, "unknown")

    def upload(self, step: str, url: str, data: bytes) -> None:
        """POST the bytes of a file to its upload URL (files.getUploadURLExternal); repeating it is harmless."""
        if self.done(step):
            return

        def send() -> None:
            req = urllib.request.Request(url, data=data, method="POST")
            with urllib.request.urlopen(req, timeout=self.client.timeout) as resp:  # noqa: S310 (Slack's URL)
                resp.read()

        self.once(step, send)


class Outbox:
    def __init__(
        self,
        db: Database,
        background: Background,
        workspaces: Workspaces,
        *,
        lease: timedelta = timedelta(minutes=2),
        owner: str | None = None,
    ) -> None:
        self.db = db
        self.background = background
        self.workspaces = workspaces
        self.lease = lease  # a claim not renewed for this long belongs to a dead process
        self.grace = SWEEP_GRACE
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.handlers: dict[str, Handler] = {}
        self.unknown = 0  # steps left unknown by this process (also logged, and kept in the rows)
        self.stopping = False  # set on shutdown: effects not yet started stay in the outbox for the next process
        self._pruned_at: datetime | None = None

    def register(
        self, kind: str, send: Callable[[Delivery], None], give_up: Callable[[Delivery, str], None] | None = None
    ) -> None:
        self.handlers[kind] = Handler(send, give_up)

    # -- writing -------------------------------------------------------------------------------------------

    def rows(self, effects: Iterable[Effect]) -> list[dict[str, Any]]:
        """The rows of `effects`, refusing any whose kind has no handler: it would never be sent (a LookupError
        before the unit of work commits, so the change it belongs to is not kept without it)."""
        effects = list(effects)
        missing = sorted({e.kind for e in effects} - self.handlers.keys())
        if missing:
            raise LookupError(f"no handler registered for outbox effect {', '.join(missing)}")
        now = utcnow()
        return [e.row(now) for e in effects]

    @contextmanager
    def unit(self, *, inline: bool = False) -> Iterator[Staged]:
        """A unit of work and its effects in one transaction: every `db.write()` inside joins it, the staged
        effects are inserted before it commits, and sent by the background pool once it has (or, `inline`, by
        the calling thread: the scheduler's own work)."""
        staged = Staged()
        with self.db.joined() as session:
            yield staged
            ids = oq.add(session, self.rows(staged.effects))
        if inline:
            self.deliver(ids)
        else:
            self.kick(ids)

    def send(self, *effects: Effect) -> None:
        """Effects of a unit that changes nothing else (an export, a Home publish): written, then sent."""
        rows = self.rows(effects)
        with self.db.write() as session:
            ids = oq.add(session, rows)
        self.kick(ids)

    def kick(self, ids: list[int]) -> None:
        if ids:
            self.background.submit(self.deliver, ids)

    # -- sending -------------------------------------------------------------------------------------------

    def deliver(self, ids: list[int]) -> None:
        for effect_id in ids:
            if self.stopping:
                return
            try:
                self.deliver_one(effect_id)
            except Exception:  # noqa: BLE001  (logged; the effect stays claimed and is retaken after the lease)
                log.exception("outbox: effect %s failed unexpectedly", effect_id)

    def deliver_one(self, effect_id: int) -> str | None:
        """Claim one effect and run it; returns the status it ended in (None if another process has it)."""
        now = utcnow()
        with self.db.write() as session:
            if not oq.claim(session, effect_id, owner=self.owner, at=now, stale_before=now - self.lease):
                return None
            row = oq.get(session, effect_id)
        assert row is not None
        return self._run(row)

    def run_once(self, effect: Effect) -> str | None:
        """Write `effect` already claimed by this process and run it here, unless an effect with its key exists:
        then someone else did (or is doing) it, and this returns None. For work that several effects may each
        want done once, e.g. closing one approver's DM (a decision and a late-recorded DM ts both lead there)."""
        row = self.rows([effect])[0] | {"status": oq.SENDING, "claimed_by": self.owner, "claimed_at": utcnow()}
        row["attempts"] = 1
        with self.db.write() as session:
            ids = oq.add(session, [row])
            if not ids:
                return None
            stored = oq.get(session, ids[0])
        assert stored is not None
        return self._run(stored)

    def _run(self, row: oq.OutboxEffect) -> str | None:
        handler = self.handlers.get(row.kind)
        if handler is None:
            return self._finish(row.pk, oq.FAILED, f"no handler for {row.kind}")
        client = self.workspaces.client_for(row.team_id) if row.team_id else self.workspaces.app_client
        if client is None:
            return self._later(row.pk, row.attempts, "app not installed in this workspace")
        d = Delivery(self, row, client)
        for attempt in range(TRIES_NOW):
            try:
                handler.send(d)
                return self._finish(d.id, oq.SENT)
            except LostClaim:
                log.warning("outbox: lost the claim on %s", d.key)
                return None
            except Unknown as exc:
                self.unknown += 1
                log.error("outbox: %s (%s): outcome unknown: %s; not sent again", d.kind, d.key, exc)
                self._give_up(handler, d, str(exc))
                return self._finish(d.id, oq.UNKNOWN, str(exc))
            except Retry as exc:
                log.info("outbox: %s (%s) to be retried: %s", d.kind, d.key, exc)
                if attempt + 1 < TRIES_NOW:
                    time.sleep(BACKOFF_NOW[min(attempt, len(BACKOFF_NOW) - 1)])
                    continue
                if d.attempts >= MAX_ATTEMPTS:
                    inflight = any((s or {}).get("status") == "inflight" for s in d.state.values())
                    status = oq.UNKNOWN if inflight else oq.FAILED
                    if inflight:
                        self.unknown += 1
                    log.error("outbox: gave up %s (%s) after %d attempts: %s", d.kind, d.key, d.attempts, exc)
                    self._give_up(handler, d, str(exc))
                    return self._finish(d.id, status, str(exc))
                return self._later(d.id, d.attempts, str(exc))
            except Exception as exc:  # noqa: BLE001  (Slack refused for good, or a bug: logged, not retried)
                if uncertain(exc) and attempt + 1 < TRIES_NOW:
                    time.sleep(BACKOFF_NOW[min(attempt, len(BACKOFF_NOW) - 1)])
                    continue
                if uncertain(exc) and d.attempts < MAX_ATTEMPTS:
                    return self._later(d.id, d.attempts, reason_of(exc))
                level = logging.WARNING if isinstance(exc, SlackApiError) else logging.ERROR
                log.log(level, "outbox: %s (%s) failed: %s", d.kind, d.key, reason_of(exc), exc_info=level > 30)
                self._give_up(handler, d, reason_of(exc))
                return self._finish(d.id, oq.FAILED, reason_of(exc))
        return None

    def _give_up(self, handler: Handler, d: Delivery, why: str) -> None:
        if handler.give_up is None:
            return
        try:
            handler.give_up(d, why)
        except Exception:  # noqa: BLE001
            log.exception("outbox: giving up %s failed", d.key)

    def _finish(self, effect_id: int, status: str, error: str | None = None) -> str:
        with self.db.write() as session:
            oq.finish(session, effect_id, owner=self.owner, status=status, at=utcnow(), error=error)
        return status

    def _later(self, effect_id: int, attempts: int, error: str) -> str:
        wait = timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
        with self.db.write() as session:
            oq.finish(
                session,
                effect_id,
                owner=self.owner,
                status=oq.PENDING,
                at=utcnow(),
                due_at=utcnow() + wait,
                error=error,
            )
        return oq.PENDING

    def sweep(self, limit: int = SWEEP_LIMIT) -> int:
        """Send what is due: effects left by a stopped or crashed process, and retries. Any process may call it
        (each effect is claimed first). Returns how many it handled."""
        now = utcnow()
        with self.db.read() as session:
            ids = oq.due(session, now - self.grace, now - self.lease, limit)
        self.deliver(ids)
        if self._pruned_at is None or now - self._pruned_at > timedelta(hours=1):
            self._pruned_at = now
            with self.db.write() as session:
                oq.prune(session, now - KEEP)
        return len(ids)

    def stop(self) -> None:
        """Start no more effects; those in flight finish, the rest wait in the database for the next process."""
        self.stopping = True
        left = self.counts().get(oq.PENDING, 0)
        if left:
            log.info("outbox: %d effect(s) left for the next process", left)

    def counts(self) -> dict[str, int]:
        with self.db.read() as session:
            return oq.counts(session)
