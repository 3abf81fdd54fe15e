"""`Reminders.run_due(now)`: everything that is due, posted exactly once per period across restarts and replicas.

For each due (key, period) a claim row is inserted with ON CONFLICT DO NOTHING; only the process whose insert
returned the row posts. The row then moves claimed → posting → posted(ts) | failed | skipped. A claim left
`claimed` by a crashed process is retaken after `STALE_CLAIM`; one left `posting` (the crash hit during the Web
API call, so Slack may have the message) becomes `unknown` and is never retried: a missing digest beats a double.
No Web API call ever runs inside a database transaction.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from storage import schedules as sq
from storage.db import Database

from .. import rules
from ..clock import Clock
from ..views.digest import digest_view, nudge_view
from ..workspaces import Workspaces
from .digest import Digest, DigestTarget, SignoffProvider, iter_digests, no_signoffs
from .schedule import Weekly, due_period, local_now, nudge_period

log = logging.getLogger(__name__)

# Slack errors that will not go away by retrying: the channel's schedule is paused and the reason logged.
PAUSE_ERRORS = {"channel_not_found", "is_archived", "channel_is_archived", "not_in_channel"}
# A person we cannot DM: that day's nudge is skipped.
DM_ERRORS = {"user_not_found", "cannot_dm_bot", "user_disabled", "account_inactive", "users_not_found"}
STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 3
CLAIM_CHUNK = 500
TZ_REFRESH = timedelta(days=7)
KEEP_RUNS = timedelta(days=60)  # claims older than this are pruned, once an hour per process
NOT_INSTALLED = "app not installed in this workspace"
TZ_LOOKUPS_PER_RUN = 50  # users.info is Tier 4 (~100/min); the next tick looks up the rest

P = TypeVar("P")


@dataclass
class RunReport:
    """What one `run_due` did, by key ("team:channel" for digests, user id for nudges)."""

    posted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    nudged: list[str] = field(default_factory=list)


def digest_key(team_id: str, channel_id: str) -> str:
    return f"{team_id}:{channel_id}"


def skip_reason(digest: Digest | None, client: WebClient | None) -> str | None:
    """Why a due digest is not posted (recorded on its claim), or None to post it."""
    if digest is None:
        return "no active checklist"
    if digest.finished:
        return "checklist complete"
    if client is None:
        return NOT_INSTALLED
    return None


def _error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__


class Reminders:
    def __init__(
        self,
        db: Database,
        clients: WebClient | Workspaces,
        clock: Clock,
        *,
        signoffs: SignoffProvider = no_signoffs,
        owner: str | None = None,
    ) -> None:
        self.db = db
        # Each workspace's digests and nudges go out with its own bot token (OAuth), or all with SLACK_BOT_TOKEN's.
        self.workspaces = clients if isinstance(clients, Workspaces) else Workspaces(clients)
        self.client = self.workspaces.app_client
        self.clock = clock
        self.signoffs = signoffs  # the hook for pending sign-offs; the sign-off feature sets it
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._pruned_at: datetime | None = None

    # -- the tick ------------------------------------------------------------------------------------------

    def run_due(self, now: datetime | None = None) -> RunReport:
        """Post every digest and nudge that is due at `now` and not yet claimed; safe to call any time."""
        now = now or self.clock.now()
        report = RunReport()
        for part in (self.run_digests, self.run_nudges, self.prune):
            try:
                part(now, report)
            except Exception:  # noqa: BLE001  (logged; the next tick tries again)
                log.exception("reminders: %s failed", part.__name__)
        return report

    def prune(self, now: datetime, report: RunReport) -> None:
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=1):
            return
        self._pruned_at = now
        with self.db.write() as session:
            sq.prune_runs(session, now - KEEP_RUNS)

    # -- claims --------------------------------------------------------------------------------------------

    def _retakable(self, run: sq.ReminderRun, now: datetime) -> bool:
        if run.status == sq.CLAIMED:
            return run.claimed_at < now - STALE_CLAIM
        return run.status == sq.FAILED and run.attempts < MAX_ATTEMPTS

    def _claim(self, kind: str, due: dict[tuple[str, str], P], now: datetime) -> dict[tuple[str, str], P]:
        """Claim what is due; return the part this process won."""
        if not due:
            return {}
        pairs = list(due)
        with self.db.read() as session:
            existing = sq.runs_for(session, kind, pairs)
        todo = [p for p in pairs if p not in existing or self._retakable(existing[p], now)]
        stale = any(r.status == sq.POSTING and r.claimed_at < now - STALE_CLAIM for r in existing.values())
        if not todo and not stale:
            return {}
        with self.db.write() as session:
            lost = sq.mark_unknown(session, kind, now - STALE_CLAIM, now)
            if lost:
                log.warning(
                    "reminders: %d %s run(s) crashed while posting; not retried to avoid duplicates", lost, kind
                )
            won = sq.claim_runs(session, kind, [p for p in todo if p not in existing], owner=self.owner, at=now)
            for p in todo:
                if p in existing and sq.retake_run(
                    session,
                    existing[p],
                    owner=self.owner,
                    at=now,
                    stale_before=now - STALE_CLAIM,
                    max_attempts=MAX_ATTEMPTS,
                ):
                    log.info("reminders: retook %s %s for %s (was %s)", kind, p[0], p[1], existing[p].status)
                    won.add(p)
        return {p: due[p] for p in pairs if p in won}

    def _finish(self, kind: str, key: str, period: str, status: str, **kw: Any) -> None:
        with self.db.write() as session:
            sq.finish_run(session, kind, key, period, status=status, at=self.clock.now(), **kw)

    def _post(self, kind: str, key: str, period: str, send: Callable[[], str]) -> str | None:
        """Mark the claim `posting`, call `send()` (outside any transaction), record the outcome.

        Returns the message ts, or None when the claim was lost; Slack errors propagate after being recorded."""
        with self.db.write() as session:
            if not sq.start_posting(session, kind, key, period, owner=self.owner, at=self.clock.now()):
                log.info("reminders: lost the claim on %s %s %s", kind, key, period)
                return None
        try:
            ts = send()
        except Exception as exc:
            self._finish(kind, key, period, sq.FAILED, error=_error(exc))
            raise
        self._finish(kind, key, period, sq.POSTED, ts=ts)
        return ts

    # -- digests -------------------------------------------------------------------------------------------

    def run_digests(self, now: datetime, report: RunReport) -> None:
        with self.db.read() as session:
            schedules = list(sq.active_schedules(session))
        due: dict[tuple[str, str], sq.DigestSchedule] = {}
        for s in schedules:
            period = due_period(Weekly(s.weekday, s.hour, s.minute, s.timezone), now, s.updated_at)
            if period is not None:
                due[(digest_key(s.team_id, s.channel_id), period.isoformat())] = s
        pairs = list(due)
        # Claim, build and post a chunk at a time, so claims stay fresh while a long run works through them.
        for start in range(0, len(pairs), CLAIM_CHUNK):
            won = self._claim(sq.DIGEST, {p: due[p] for p in pairs[start : start + CLAIM_CHUNK]}, now)
            if won:
                self._post_digests(won, now, report)

    def _post_digests(self, won: dict[tuple[str, str], sq.DigestSchedule], now: datetime, report: RunReport) -> None:
        by_key = {key: (period, s) for (key, period), s in won.items()}
        targets = [
            DigestTarget(
                s.team_id,
                s.channel_id,
                local_now(now, s.timezone).date(),
                s.last_checklist_id,
                s.last_version,
                s.last_done,
                now,
            )
            for s in won.values()
        ]
        clients = self.workspaces.clients_for(t.team_id for t in targets)
        for target, digest in iter_digests(self.db, targets, signoffs=self.signoffs):
            key = digest_key(target.team_id, target.channel_id)
            period, s = by_key[key]
            client = clients.get(target.team_id)
            try:
                why = skip_reason(digest, client)
                if why is not None:
                    self._finish(sq.DIGEST, key, period, sq.SKIPPED, error=why)
                    report.skipped.append(key)
                    continue
                assert digest is not None and client is not None
                view = digest_view(digest)
                ts = self._post(
                    sq.DIGEST,
                    key,
                    period,
                    lambda d=digest, v=view, c=client: c.chat_postMessage(channel=d.channel_id, **v)["ts"],
                )
                if ts is None:
                    continue
                with self.db.write() as session:
                    sq.record_digest(
                        session, s.id, checklist_id=digest.checklist_id, version=digest.version, done=digest.done
                    )
                report.posted.append(key)
            except SlackApiError as exc:
                error = _error(exc)
                report.failed.append(key)
                if error in PAUSE_ERRORS:
                    with self.db.write() as session:
                        sq.pause_schedule(session, s.id, error, self.clock.now())
                    report.paused.append(key)
                    log.warning("reminders: paused the digest of %s: Slack says %s", key, error)
                else:
                    log.warning("reminders: digest for %s failed (%s); retried next minute", key, error)
            except Exception as exc:  # noqa: BLE001  (one channel failing does not stop the others)
                report.failed.append(key)
                log.warning("reminders: digest for %s failed (%s); retried next minute", key, _error(exc))

    def digest_now(self, team_id: str, channel_id: str) -> dict | None:
        """The full digest for one channel, for `/checklist remind now`; None without an active checklist."""
        with self.db.read() as session:
            s = sq.schedule_for(session, team_id, channel_id)
        tz = s.timezone if s else "UTC"
        target = DigestTarget(
            team_id,
            channel_id,
            local_now(self.clock.now(), tz).date(),
            s.last_checklist_id if s else None,
            s.last_version if s else None,
            s.last_done if s else None,
            self.clock.now(),
        )
        [(_, digest)] = list(iter_digests(self.db, [target], signoffs=self.signoffs))
        return None if digest is None else digest_view(digest, allow_quiet=False)

    # -- nudges --------------------------------------------------------------------------------------------

    def user_timezone(self, client: WebClient, user_id: str) -> str | None:
        """The IANA timezone from the person's Slack profile (a Web API call with their workspace's client)."""
        try:
            tz = client.users_info(user=user_id)["user"].get("tz")
        except SlackApiError as exc:
            log.info("reminders: users.info %s failed: %s", user_id, _error(exc))
            return None
        return tz or None

    def remember_timezones(self, found: dict[str, str | None]) -> None:
        if not found:
            return
        with self.db.write() as session:
            for user_id, tz in found.items():
                pref = sq.ensure_user_pref(session, user_id)
                pref.timezone = tz or pref.timezone or "UTC"
                pref.tz_checked_at = self.clock.now()
                session.add(pref)

    def nudge_key(self, team_id: str, user_id: str) -> str:
        """The claim key of a person's daily nudge: per workspace with OAuth; the user id alone with one bot token
        (the key it always had, so an upgrade never nudges twice on one day)."""
        return f"{team_id}:{user_id}" if self.workspaces.oauth else user_id

    def run_nudges(self, now: datetime, report: RunReport) -> None:
        with self.db.read() as session:
            rows = sq.owned_items_due_before(session, now.date() + timedelta(days=2), not_status=rules.DONE)
            # (team, user) -> items: with OAuth one DM per workspace, sent with its token; with one bot token one
            # DM for all of a person's items, as before (team "").
            owners: dict[tuple[str, str], list[Any]] = {}
            for row in rows:
                for owner in rules.owners(row):  # every owner of the item is nudged
                    owners.setdefault((row.team_id if self.workspaces.oauth else "", owner), []).append(row)
            prefs = sq.user_prefs(session, {u for _, u in owners})
        if not owners:
            return
        clients = self.workspaces.clients_for(team for team, _ in owners)
        owners = {k: items for k, items in owners.items() if k[0] in clients}
        stale: dict[str, str] = {}  # user -> a workspace to ask for their profile
        for team, u in owners:
            p = prefs.get(u)
            if p is None or (
                p.dm_enabled and (p.timezone is None or p.tz_checked_at is None or p.tz_checked_at < now - TZ_REFRESH)
            ):
                stale.setdefault(u, team)
        if stale:
            lookups = list(stale.items())[:TZ_LOOKUPS_PER_RUN]
            self.remember_timezones({u: self.user_timezone(clients[team], u) for u, team in lookups})
            with self.db.read() as session:
                prefs = sq.user_prefs(session, {u for _, u in owners})
        due: dict[tuple[str, str], list[Any]] = {}
        whose: dict[str, tuple[str, str]] = {}
        for (team, user_id), items in owners.items():
            pref = prefs.get(user_id)
            if pref is None or pref.timezone is None or not pref.dm_enabled:
                continue
            # The nudge goes out on the person's working days in their timezone; whether an item is overdue is its
            # checklist's rule, in the checklist's timezone.
            period = nudge_period(now, pref.timezone, pref.workweek)
            if period is None or (pref.snooze_until is not None and period <= pref.snooze_until):
                continue
            overdue = [i for i in items if rules.is_overdue(i, rules.today(i.ctz, now))]
            if overdue:
                key = self.nudge_key(team, user_id)
                due[(key, period.isoformat())] = overdue
                whose[key] = (team, user_id)
        for (key, period), items in self._claim(sq.NUDGE, due, now).items():
            team, user_id = whose[key]
            view = nudge_view(user_id, items, now)

            def send(u: str = user_id, v: dict = view, c: WebClient = clients[team]) -> str:
                channel = c.conversations_open(users=u)["channel"]["id"]
                return c.chat_postMessage(channel=channel, **v)["ts"]

            try:
                if self._post(sq.NUDGE, key, period, send):
                    report.nudged.append(key)
            except Exception as exc:  # noqa: BLE001  (one person failing does not stop the others)
                error = _error(exc)
                report.failed.append(key)
                if error in DM_ERRORS:
                    self._finish(sq.NUDGE, key, period, sq.SKIPPED, error=error)
                log.warning("reminders: nudge for %s failed (%s)", key, error)
