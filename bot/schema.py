"""Getting the database schema ready at start-up, without a crash loop when the database is down."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import OperationalError

from bot.config import ConfigError
from storage import migrate
from storage.db import Database

log = logging.getLogger(__name__)
RETRY_SECONDS = 5.0


def prepare(db: Database, *, upgrade: bool) -> None:
    """Migrate (or check) the schema. When the database cannot be reached, keep going: requests answer
    "temporarily unavailable", /healthz says 503, and a background thread retries until it succeeds."""
    try:
        _prepare(db, upgrade=upgrade)
    except OperationalError as exc:
        log.warning("database unreachable at start (%s); retrying every %.0f s", exc.orig or exc, RETRY_SECONDS)
        threading.Thread(target=_retry, args=(db, upgrade), name="schema-retry", daemon=True).start()


def prepare_now(db: Database, *, upgrade: bool) -> None:
    """Migrate (or check) the schema now; an unreachable database raises OperationalError (`serve` checks this
    before its workers start, which then use `prepare`)."""
    _prepare(db, upgrade=upgrade)


def _prepare(db: Database, *, upgrade: bool) -> None:
    if upgrade:
        migrate.upgrade(db)
        return
    current, head = migrate.current(db), migrate.head()
    if current != head:
        raise ConfigError(
            f"DATABASE_URL: the schema is at revision {current or 'none'} and this version needs {head}; "
            "run `checklist-bot db upgrade` (or set DB_UPGRADE_ON_START=true)"
        )


def _retry(db: Database, upgrade: bool) -> None:
    stop = threading.Event()
    while not stop.wait(RETRY_SECONDS):
        try:
            _prepare(db, upgrade=upgrade)
        except OperationalError:
            continue
        except ConfigError as exc:
            log.error("%s", exc)
            return
        log.info("database reachable again; schema ready")
        return
