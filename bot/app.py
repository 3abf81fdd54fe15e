"""The app factory: one Bolt app wired to storage, the service and the listeners.

`create_runtime(settings)` is used by the HTTP server, Socket Mode, the console and the tests alike; tests and
the console hand in their own clock and Web API base URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot import grammar as _grammar  # noqa: F401  (the command table, every feature's rows in help's order)
from bot import metrics, schema
from bot.checklists.listeners import actions as checklist_actions
from bot.checklists.listeners import commands as _checklist_commands  # noqa: F401  (registers its subcommands)
from bot.checklists.listeners import effects as _checklist_effects  # noqa: F401  (registers `status.refresh`, `export`)
from bot.checklists.listeners import modals as checklist_modals
from bot.checklists.service import ChecklistService
from bot.checklists.templates import load_templates
from bot.clock import Clock
from bot.config import Settings
from bot.home import listeners as home_listeners
from bot.lifecycle import Lifecycle
from bot.portfolio import listeners as _portfolio_commands  # noqa: F401  (registers `portfolio`)
from bot.reminders import listeners as _remind_commands  # noqa: F401  (registers `remind`)
from bot.reminders.digest import pending_signoffs
from bot.reminders.runner import Reminders
from bot.reminders.service import ReminderService
from bot.signoffs import listeners as signoff_listeners
from bot.signoffs.flow import SignoffFlow
from bot.signoffs.service import SignoffService
from bot.slack import commands as command_listener
from bot.slack import errors as error_handler
from bot.slack import events as event_listeners
from bot.slack.background import Background
from bot.slack.cache import LRUCache
from bot.slack.delivery import SafeConnectionRetry, SafeServerErrorRetry
from bot.slack.effects import register_effects
from bot.slack.outbox import Outbox
from bot.slack.verify import Replays, VerifiedOnce
from bot.slack.workspaces import StoredBotAuthorize, Workspaces, oauth_setup
from storage.db import Database

if TYPE_CHECKING:
    from apscheduler.events import JobSubmissionEvent
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)
OUTBOX_SWEEP_SECONDS = 5


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client that retries 429s (honouring Retry-After), Slack's 5xx answers and dropped connections,
    but never a post that may have reached Slack (see `bot.slack.delivery`).

    Without `token` it carries SLACK_BOT_TOKEN, or none in OAuth mode (each workspace has its own)."""
    return WebClient(
        token=token or (None if settings.oauth else settings.bot_token),
        base_url=settings.api_url,
        timeout=settings.api_timeout,  # type: ignore[arg-type]  # slack_sdk says int; urllib takes seconds as a float
        retry_handlers=[
            metrics.WebApiObserver(),  # first: it sees every attempt and retry, and never retries itself
            SafeConnectionRetry(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            SafeServerErrorRetry(max_retry_count=2),
        ],
    )


@dataclass
class Runtime:
    settings: Settings
    app: App
    db: Database
    service: ChecklistService
    background: Background
    clock: Clock
    signoffs: SignoffService
    signoff_flow: SignoffFlow
    reminders: Reminders
    remind: ReminderService
    workspaces: Workspaces
    outbox: Outbox
    lifecycle: Lifecycle
    scheduler: BackgroundScheduler | None = None  # set by start_scheduler()
    status_cache: LRUCache = field(default_factory=lambda: LRUCache(512))

    def escalate_stale_signoffs(self, now: datetime | None = None) -> int:
        """Escalate sign-offs pending too long (the scheduler calls this periodically); see SignoffFlow."""
        return self.signoff_flow.escalate_stale_signoffs(now)

    def tick(self, now: datetime | None = None) -> None:
        """One scheduler tick: effects left in the outbox (by a stopped or crashed process, or to be retried), due
        digests and nudges, then stale sign-offs. Each part claims its work in the database first, so any number
        of processes may tick. The first tick runs at start-up."""
        now = now or self.clock.now()
        self.sweep_outbox()
        metrics.count_reminders(self.reminders.run_due(now))
        try:
            self.escalate_stale_signoffs(now)
        except Exception:  # noqa: BLE001  (logged; the next tick tries again)
            log.exception("sign-off escalation failed")
        try:
            self.lifecycle.run_due(now)
        except Exception:  # noqa: BLE001  (logged; the next tick tries again)
            log.exception("data retention failed")

    def sweep_outbox(self) -> None:
        try:
            self.outbox.sweep()
        except Exception:  # noqa: BLE001  (logged; the next sweep tries again)
            log.exception("outbox sweep failed")

    def start_scheduler(self, interval_seconds: int = 60) -> None:
        """Run `tick` every minute in this process (first tick now, to catch up missed runs).

        Schedules and claims live in the database, so any number of processes may run this: each period is
        posted once between them."""
        if self.scheduler is not None:
            return
        from apscheduler.events import EVENT_JOB_SUBMITTED
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone="UTC")
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=interval_seconds,
            id="reminders-tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now().astimezone() + timedelta(seconds=1),
        )
        # The outbox is swept more often: what a stopped or crashed process left goes out within seconds.
        scheduler.add_job(
            self.sweep_outbox,
            "interval",
            seconds=min(interval_seconds, OUTBOX_SWEEP_SECONDS),
            id="outbox-sweep",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now().astimezone() + timedelta(seconds=1),
        )
        scheduler.add_listener(_tick_submitted, EVENT_JOB_SUBMITTED)
        scheduler.start()
        self.scheduler = scheduler
        log.info("reminders: scheduler started (every %d s)", interval_seconds)

    def stop_scheduler(self) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)

    def close(self) -> None:
        self.stop_scheduler()
        try:
            self.outbox.stop()
        except Exception:  # noqa: BLE001  (the database may be down; the effects are safe in it either way)
            log.warning("outbox: could not count what is left")
        self.background.shutdown()
        self.db.dispose()


def _tick_submitted(event: JobSubmissionEvent) -> None:
    """APScheduler hands a due tick to its pool: how late it is against the time it was due."""
    times = getattr(event, "scheduled_run_times", None) or []
    metrics.tick_started(max(times).timestamp() if times else None)


def create_runtime(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    prepare_schema: bool = True,
) -> Runtime:
    clock = clock or Clock()
    db = db or Database(settings.database_url)
    if prepare_schema:
        schema.prepare(db, upgrade=settings.db_upgrade_on_start)
    templates = load_templates(settings.templates_dir)
    client = web_client(settings)
    lifecycle = Lifecycle(
        db,
        clock,
        uninstall_retention_days=settings.uninstall_retention_days,
        archive_retention_days=settings.archive_retention_days,
    )
    try:
        lifecycle.refresh_pending()
    except Exception:  # noqa: BLE001  (the database may be down at start; the first tick refreshes it)
        log.warning("could not read the workspaces waiting for deletion; the scheduler reads them again")
    oauth: dict[str, Any] = {}
    installations = None
    if settings.oauth:
        if settings.bot_token:
            log.warning("SLACK_CLIENT_ID is set, so SLACK_BOT_TOKEN is ignored: each workspace installs the app")
        oauth_settings, installations = oauth_setup(
            settings, db, client, on_install=lambda team: lifecycle.returned(team)
        )
        # Stored installations authorize requests without an auth.test round trip on the acknowledgement path.
        oauth = {"oauth_settings": oauth_settings, "authorize": StoredBotAuthorize(installations)}
    app = App(
        client=client,
        signing_secret=settings.signing_secret,
        # Listeners answer from the database in a few milliseconds and hand Web API calls to `background`,
        # so the reply can carry the answer itself; see README "Why it is fast".
        process_before_response=True,
        # The signature is checked in one place, `VerifiedOnce` (with `is_signed`; over HTTP the server has done it
        # before reading the body and marked the request): Bolt's own check would compute it a second time. It
        # also notes what kind of request this is (metrics, the request log line) and acknowledges a replay
        # without running it again.
        request_verification_enabled=False,
        before_authorize=VerifiedOnce(settings.signing_secret, Replays(db, clock).first_time, metrics.note_request),
        logger=logging.getLogger("slack_bolt"),
        **oauth,
    )
    workspaces = Workspaces(app.client, lambda token: web_client(settings, token), installations)
    service = ChecklistService(db, templates, clock)
    signoffs = SignoffService(service)
    background = Background()
    # A claim on an effect not renewed for this long belongs to a dead process: each step renews it, and a step
    # is one Web API call (with its retries), so a dozen client timeouts is ample.
    lease = timedelta(seconds=max(6.0, 12 * settings.api_timeout))
    outbox = Outbox(db, background, workspaces, lease=lease)
    rt = Runtime(
        settings=settings,
        app=app,
        db=db,
        service=service,
        background=background,
        clock=clock,
        signoffs=signoffs,
        signoff_flow=SignoffFlow(signoffs, workspaces, clock, settings.signoff_escalation_days, outbox=outbox),
        reminders=Reminders(db, workspaces, clock, signoffs=pending_signoffs),
        remind=ReminderService(db, clock),
        workspaces=workspaces,
        outbox=outbox,
        lifecycle=lifecycle,
    )
    metrics.watch_database([db.writer, db.reader] if db.is_sqlite else [db.writer])

    # The effect kinds each feature registered when imported (bot.checklists.listeners.effects, the Home's and the
    # sign-offs' listeners), bound to this runtime's outbox.
    register_effects(outbox, rt)
    # Each module's `register(app, rt)`: the /checklist command, each feature's actions, forms and events, then the
    # error handler that turns any exception into an answer.
    for module in (
        command_listener,
        checklist_actions,
        checklist_modals,
        signoff_listeners,
        home_listeners,
        event_listeners,
        error_handler,
    ):
        module.register(app, rt)
    return rt
