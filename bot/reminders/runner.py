"""`Reminders.run_due(now)`: everything that is due, posted at most once per period across restarts and replicas.

For each due (key, period) a claim row is inserted with ON CONFLICT DO NOTHING, one channel (or person) at a time
right before its post, so a process that dies holds at most the one claim it was posting. The row then moves
claimed → posting → posted(ts) | failed | skipped. Every post carries message metadata with the run's key, so an
uncertain outcome (a timeout, a dropped connection, a 5xx, or a process that died while posting) is resolved by
looking for that key in the channel's history (`bot.slack.delivery`): found → posted; not there → failed, retried; the
look itself impossible (e.g. the history scope is missing) → `unknown`, never retried, logged and counted.
A claim left `claimed` by a dead process is retaken after `STALE_CLAIM`. No Web API call runs inside a database
transaction.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.checklists import rules
from bot.clock import Clock
from bot.reminders.digest import Digest, DigestTarget, SignoffProvider, iter_digests, no_signoffs
from bot.reminders.messages import digest_view, nudge_view
from bot.reminders.schedule import Weekly, due_period, local_now, nudge_period
from bot.slack.delivery import dm_channel, find_post, metadata_for, uncertain
from bot.slack.reasons import reason_of
from bot.slack.workspaces import Workspaces
from storage import schedules as sq
from storage.db import Database

log = logging.getLogger(__name__)

# Slack errors that will not go away by retrying: the channel's schedule is paused and the reason logged.
PAUSE_ERRORS = {"channel_not_found", "is_archived", "channel_is_archived", "not_in_channel"}
# A person we cannot DM: that day's nudge is skipped.
DM_ERRORS = {"user_not_found", "cannot_dm_bot", "user_disabled", "account_inactive", "users_not_found"}
STALE_CLAIM = timedelta(minutes=2)  # a claim or post that old belongs to a dead process (a post takes seconds)
MAX_ATTEMPTS = 3
BUILD_CHUNK = 100  # digests built together; each is still claimed on its own, right before its post
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
    unknown: list[str] = field(default_factory=list)  # may or may not have been posted: left alone, logged


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


def run_key(kind: str, key: str, period: str) -> str:
    """The idempotency key a run's message carries in its metadata."""
    return f"{kind}:{key}:{period}"


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

    # -- claims ------------------------------------------------------------------------------------------

    def _retakable(self, run: sq.ReminderRun, now: datetime) -> bool:
        if run.status == sq.CLAIMED:
            return run.claimed_at < now - STALE_CLAIM
        return run.status == sq.FAILED and run.attempts < MAX_ATTEMPTS

    def _open(self, kind: str, due: dict[tuple[str, str], P], now: datetime) -> dict[tuple[str, str], P]:
        """The due pairs nobody holds: never claimed, failed and retryable, or claimed by a dead process."""
        if not due:
            return {}
        with self.db.read() as session:
            existing = sq.runs_for(session, kind, list(due))
        return {p: v for p, v in due.items() if p not in existing or self._retakable(existing[p], now)}

    def _claim_one(self, kind: str, pair: tuple[str, str], now: datetime) -> bool:
        """Claim one (key, period) right before posting it; True when this process won it."""
        with self.db.write() as session:
            if sq.claim_runs(session, kind, [pair], owner=self.owner, at=now):
                return True
            run = sq.runs_for(session, kind, [pair]).get(pair)
            if run is None or not self._retakable(run, now):
                return False
            if sq.retake_run(
                session, run, owner=self.owner, at=now, stale_before=now - STALE_CLAIM, max_attempts=MAX_ATTEMPTS
            ):
                log.info("reminders: retook %s %s for %s (was %s)", kind, pair[0], pair[1], run.status)
                return True
        return False

    def _finish(self, kind: str, key: str, period: str, status: str, **kw: Any) -> None:
        with self.db.write() as session:
            sq.finish_run(session, kind, key, period, status=status, at=self.clock.now(), **kw)

    def _post(
        self, kind: str, key: str, period: str, client: WebClient, channel: Callable[[], str], view: dict[str, Any]
    ) -> str | None:
        """Mark the claim `posting`, post `view` with the run's key in its metadata (outside any transaction),
        record the outcome. An uncertain outcome is resolved by looking for the key in the channel.

        Returns the message ts, or None when the claim was lost or the outcome stays uncertain; Slack's certain
        refusals propagate after being recorded."""
        with self.db.write() as session:
            if not sq.start_posting(session, kind, key, period, owner=self.owner, at=self.clock.now()):
                log.info("reminders: lost the claim on %s %s %s", kind, key, period)
                return None
        mkey = run_key(kind, key, period)
        where: str | None = None
        try:
            where = channel()
            ts: str = client.chat_postMessage(channel=where, metadata=metadata_for(mkey), **view)["ts"]
        except Exception as exc:
            if where is None or not uncertain(exc):
                self._finish(kind, key, period, sq.FAILED, error=reason_of(exc))
                raise
            log.warning(
                "reminders: %s %s %s: outcome uncertain (%s); looking in the channel", kind, key, period, reason_of(exc)
            )
            return self._look(kind, key, period, client, where, mkey)
        self._finish(kind, key, period, sq.POSTED, ts=ts)
        return ts

    def _look(self, kind: str, key: str, period: str, client: WebClient, channel: str, mkey: str) -> str | None:
        """Settle a post whose outcome is uncertain by looking for its key: posted, failed (safe to retry), or,
        when the look itself fails, left `posting` for the stale check to look again."""
        try:
            ts = find_post(client, channel, mkey)  # the newest messages: a stale post is minutes old
        except Exception as exc:  # noqa: BLE001  (the look failed: nothing is settled)
            error = reason_of(exc)
            if isinstance(exc, SlackApiError) and not uncertain(exc):
                # e.g. missing_scope: we can never look, so never retry; an operator sees it in the log and the row
                self._finish(kind, key, period, sq.UNKNOWN, error=f"outcome unknown; could not look: {error}")
                log.error(
                    "reminders: %s %s %s may or may not have been posted (cannot look: %s); not retried",
                    kind,
                    key,
                    period,
                    error,
                )
            else:
                log.warning(
                    "reminders: could not look for %s %s %s (%s); looking again later", kind, key, period, error
                )
            return None
        if ts is not None:
            log.info("reminders: %s %s %s was posted after all (found %s)", kind, key, period, ts)
            self._finish(kind, key, period, sq.POSTED, ts=ts)
            return ts
        self._finish(kind, key, period, sq.FAILED, error="not posted (looked in the channel)")
        return None

    def resolve_stale(self, kind: str, now: datetime, report: RunReport) -> None:
        """Runs left `posting` by a dead process (or an unsettled look): look for them in their channel."""
        with self.db.read() as session:
            stale = sq.stale_posting(session, kind, now - STALE_CLAIM)
        if not stale:
            return
        clients = self.workspaces.clients_for(self._team_of(kind, r.key) for r in stale)
        for run in stale:
            client = clients.get(self._team_of(kind, run.key))
            if client is None:
                continue
            try:
                channel = self._channel_of(kind, run.key, client)
            except Exception as exc:  # noqa: BLE001  (logged; looked at again next tick)
                log.warning("reminders: could not open the channel of %s %s: %s", kind, run.key, reason_of(exc))
                continue
            mkey = run_key(kind, run.key, run.period)
            if run.attempts >= MAX_ATTEMPTS + 2:
                self._finish(kind, run.key, run.period, sq.UNKNOWN, error="outcome unknown; looked too often")
            else:
                with self.db.write() as session:  # restart the stale timer: one looker at a time
                    if not sq.touch_posting(session, run, owner=self.owner, at=now):
                        continue
                self._look(kind, run.key, run.period, client, channel, mkey)
            with self.db.read() as session:
                after = sq.runs_for(session, kind, [(run.key, run.period)]).get((run.key, run.period))
            if after is not None and after.status == sq.UNKNOWN:
                report.unknown.append(run.key)

    def _team_of(self, kind: str, key: str) -> str:
        if kind == sq.DIGEST or self.workspaces.oauth:
            return key.split(":", 1)[0]
        return ""

    def _channel_of(self, kind: str, key: str, client: WebClient) -> str:
        if kind == sq.DIGEST:
            return key.split(":", 1)[1]
        return dm_channel(client, key.rsplit(":", 1)[-1])

    # -- digests -------------------------------------------------------------------------------------------

    def run_digests(self, now: datetime, report: RunReport) -> None:
        with self.db.read() as session:
            schedules = list(sq.active_schedules(session))
        due: dict[tuple[str, str], sq.DigestSchedule] = {}
        for s in schedules:
            period = due_period(Weekly(s.weekday, s.hour, s.minute, s.timezone), now, s.updated_at)
            if period is not None:
                due[(digest_key(s.team_id, s.channel_id), period.isoformat())] = s
        self.resolve_stale(sq.DIGEST, now, report)
        pairs = list(due)
        # Build a chunk at a time; each digest is claimed on its own right before it is posted, so a process that
        # dies holds one claim, not a batch.
        for start in range(0, len(pairs), BUILD_CHUNK):
            todo = self._open(sq.DIGEST, {p: due[p] for p in pairs[start : start + BUILD_CHUNK]}, now)
            if todo:
                self._post_digests(todo, now, report)

    def _post_digests(self, todo: dict[tuple[str, str], sq.DigestSchedule], now: datetime, report: RunReport) -> None:
        by_key = {key: (period, s) for (key, period), s in todo.items()}
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
            for s in todo.values()
        ]
        clients = self.workspaces.clients_for(t.team_id for t in targets)
        for target, digest in iter_digests(self.db, targets, signoffs=self.signoffs):
            key = digest_key(target.team_id, target.channel_id)
            period, s = by_key[key]
            client = clients.get(target.team_id)
            if not self._claim_one(sq.DIGEST, (key, period), now):
                continue
            try:
                if digest is None and client is not None:
                    posted = self._post_portfolio(key, period, target, client)
                    if posted is not None:  # a portfolio channel: handled like a digest
                        if posted:
                            report.posted.append(key)
                        continue
                why = skip_reason(digest, client)
                if why is not None:
                    self._finish(sq.DIGEST, key, period, sq.SKIPPED, error=why)
                    report.skipped.append(key)
                    continue
                assert digest is not None and client is not None
                view = digest_view(digest)

                def channel(c: str = digest.channel_id) -> str:
                    return c

                ts = self._post(sq.DIGEST, key, period, client, channel, view)
                if ts is None:
                    continue
                with self.db.write() as session:
                    sq.record_digest(
                        session, s.pk, checklist_id=digest.checklist_id, version=digest.version, done=digest.done
                    )
                report.posted.append(key)
            except SlackApiError as exc:
                error = reason_of(exc)
                report.failed.append(key)
                if error in PAUSE_ERRORS:
                    with self.db.write() as session:
                        sq.pause_schedule(session, s.pk, error, self.clock.now())
                    report.paused.append(key)
                    log.warning("reminders: paused the digest of %s: Slack says %s", key, error)
                else:
                    log.warning("reminders: digest for %s failed (%s); retried next minute", key, error)
            except Exception as exc:  # noqa: BLE001  (one channel failing does not stop the others)
                report.failed.append(key)
                log.warning("reminders: digest for %s failed (%s); retried next minute", key, reason_of(exc))

    def _post_portfolio(self, key: str, period: str, target: DigestTarget, client: WebClient) -> bool | None:
        """A channel with no checklist of its own: its weekly post is its portfolio, when checklists are shared
        to it, under the same claim as a digest (one post per channel and period). None when nothing is shared
        (the caller then records the skip), else whether it was posted; Slack errors propagate, as for a digest."""
        from bot.portfolio.messages import portfolio_view
        from bot.portfolio.service import build_portfolio

        portfolio = build_portfolio(self.db, target.team_id, target.channel_id, target.now or self.clock.now())
        if not portfolio.lines:
            return None
        view = portfolio_view(portfolio, weekly=True)
        return self._post(sq.DIGEST, key, period, client, lambda: target.channel_id, view) is not None

    def digest_now(self, team_id: str, channel_id: str) -> Digest | None:
        """The digest of one channel now, for `/checklist remind now`; None without an active checklist."""
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
        return digest

    # -- nudges --------------------------------------------------------------------------------------------

    def user_timezone(self, client: WebClient, user_id: str) -> str | None:
        """The IANA timezone from the person's Slack profile (a Web API call with their workspace's client)."""
        try:
            tz = client.users_info(user=user_id)["user"].get("tz")
        except SlackApiError as exc:
            log.info("reminders: users.info %s failed: %s", user_id, reason_of(exc))
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
        self.resolve_stale(sq.NUDGE, now, report)
        for (key, day), items in self._open(sq.NUDGE, due, now).items():
            if not self._claim_one(sq.NUDGE, (key, day), now):
                continue
            team, user_id = whose[key]
            view = nudge_view(user_id, items, now)
            client = clients[team]

            try:
                if self._post(sq.NUDGE, key, day, client, partial(dm_channel, client, user_id), view):
                    report.nudged.append(key)
            except Exception as exc:  # noqa: BLE001  (one person failing does not stop the others)
                error = reason_of(exc)
                report.failed.append(key)
                if error in DM_ERRORS:
                    self._finish(sq.NUDGE, key, day, sq.SKIPPED, error=error)
                log.warning("reminders: nudge for %s failed (%s)", key, error)
