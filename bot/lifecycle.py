"""How long data is kept, and erasing it on request: units of work over `storage.lifecycle` for the scheduler,
the listeners and the command line.

- After `app_uninstalled`, a workspace's data is deleted once `UNINSTALL_RETENTION_DAYS` have passed without it
  coming back (a reinstall, or any request from it). The scheduler does it, exactly once between any number of
  processes: the purge is claimed first (a `reminder_run` row, kind `purge`, under its unique constraint, like a
  digest) in the same transaction that deletes, with the workspace's pending row locked.
- `ARCHIVE_RETENTION_DAYS` (default: keep) deletes archived checklists archived longer ago than that.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import select

from bot.clock import Clock
from storage import lifecycle as lq
from storage import schedules as sq
from storage.db import Database

log = logging.getLogger(__name__)

PURGE = "purge"  # the claim kind of a workspace's deletion
PURGED = "done"
ARCHIVE_EVERY = timedelta(hours=1)


class Lifecycle:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        uninstall_retention_days: int = 30,
        archive_retention_days: int | None = None,
        owner: str = "",
    ) -> None:
        self.db = db
        self.clock = clock
        self.uninstall_retention = timedelta(days=uninstall_retention_days)
        self.archive_retention = timedelta(days=archive_retention_days) if archive_retention_days else None
        self.owner = owner
        self._archives_checked_at: datetime | None = None
        # Workspaces waiting for deletion, so a request from one of them (it is back) can cancel it without a
        # database read on every request; refreshed every tick.
        self.pending: set[str] = set()

    # -- uninstall and return -------------------------------------------------------------------------------

    def uninstalled(self, team_id: str) -> None:
        with self.db.write() as session:
            lq.record_uninstall(session, team_id, self.clock.now())
        self.pending.add(team_id)
        log.info(
            "workspace %s uninstalled the app: its data is deleted in %d days unless it comes back",
            team_id,
            self.uninstall_retention.days,
        )

    def returned(self, team_id: str) -> None:
        """The workspace reinstalled the app or spoke to it again: nothing of it is deleted."""
        with self.db.write() as session:
            cancelled = lq.cancel_uninstall(session, team_id)
        self.pending.discard(team_id)
        if cancelled:
            log.info("workspace %s is back: the deletion of its data is cancelled", team_id)

    def refresh_pending(self) -> list[lq.WorkspaceUninstall]:
        with self.db.read() as session:
            rows = lq.pending_uninstalls(session)
        self.pending = {r.team_id for r in rows}
        return rows

    # -- the tick -------------------------------------------------------------------------------------------

    def run_due(self, now: datetime | None = None) -> list[str]:
        """Delete what is past its retention; returns the workspaces this call purged."""
        now = now or self.clock.now()
        purged = []
        for row in self.refresh_pending():
            if row.uninstalled_at <= now - self.uninstall_retention and self.purge_if_due(row.team_id, now):
                purged.append(row.team_id)
        if self.archive_retention is not None and (
            self._archives_checked_at is None or now - self._archives_checked_at >= ARCHIVE_EVERY
        ):
            self._archives_checked_at = now
            self.delete_old_archives(now)
        return purged

    def purge_if_due(self, team_id: str, now: datetime) -> bool:
        """Claim and purge one workspace in one transaction; False when it came back or another process won."""
        with self.db.write() as session:
            stmt = select(lq.WorkspaceUninstall).where(lq.WorkspaceUninstall.team_id == team_id).with_for_update()
            row = session.exec(stmt).first()
            if row is None or row.uninstalled_at > now - self.uninstall_retention:
                return False
            period = row.uninstalled_at.date().isoformat()
            if not sq.claim_runs(session, PURGE, [(team_id, period)], owner=self.owner or "lifecycle", at=now):
                return False
            rows = lq.purge_workspace(session, team_id, at=now, reason="uninstall retention")
            sq.finish_run(session, PURGE, team_id, period, status=PURGED, at=now)
        self.pending.discard(team_id)
        log.warning(
            "workspace %s: deleted its data (%d rows), %d days after it uninstalled the app",
            team_id,
            rows,
            self.uninstall_retention.days,
        )
        return True

    def delete_old_archives(self, now: datetime) -> int:
        assert self.archive_retention is not None
        total = 0
        while True:
            with self.db.write() as session:
                ids = lq.expired_archives(session, now - self.archive_retention)
                if not ids:
                    break
                total += lq.delete_archives(session, ids, at=now)
        if total:
            log.info("deleted archived checklists older than %d days (%d rows)", self.archive_retention.days, total)
        return total

    # -- on request (the command line) ----------------------------------------------------------------------

    def forget_user(self, user_id: str) -> lq.Forgotten:
        with self.db.write() as session:
            return lq.forget_user(session, user_id, at=self.clock.now())

    def purge_workspace(self, team_id: str) -> int:
        with self.db.write() as session:
            rows = lq.purge_workspace(session, team_id, at=self.clock.now(), reason="purge-workspace")
        self.pending.discard(team_id)
        return rows
