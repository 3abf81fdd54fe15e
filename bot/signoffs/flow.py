"""The Slack side of sign-offs: open DMs, post and update them, tell the channel, escalate stale requests.

These are outbox handlers (`bot.slack.outbox`): they run after the acknowledgement, from the background pool or, after
a crash, from the next process's scheduler tick; never inside a DB transaction, each Web API call a recorded step.
Order for a new request: open every DM first (nothing recorded if one fails), record the request (together with
the effect's progress), post the DMs at most once each and keep their ts, then answer through `response_url`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.checklists.service import ContactChange
from bot.clock import Clock
from bot.errors import UserError
from bot.signoffs.messages import (
    NO_ANSWER,
    decision_text,
    dm_closed_view,
    dm_failed_text,
    dm_moved_view,
    dm_view,
    escalation_text,
    removed_contact_text,
    requested_text,
    withdrawn_dm_text,
)
from bot.signoffs.service import Decision, Plan, Signoff, SignoffService
from bot.slack.answers import ephemeral, in_channel
from bot.slack.blocks import message, section
from bot.slack.delivery import dm_channel
from bot.slack.outbox import Effect
from bot.slack.reasons import reason_of
from bot.slack.workspaces import Workspaces
from bot.who import Who
from storage.signoffs import APPROVED, PENDING, SignoffApproval

if TYPE_CHECKING:
    from bot.slack.outbox import Delivery, Outbox

log = logging.getLogger(__name__)


class SignoffFlow:
    """Speaks with `client`: the requesting workspace's (`using(client)` with Bolt's per-request client), or for
    escalations each workspace's own, from `workspaces`."""

    def __init__(
        self,
        signoffs: SignoffService,
        workspaces: Workspaces,
        clock: Clock,
        escalation_days: int,
        client: WebClient | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        self.signoffs = signoffs
        self.workspaces = workspaces
        self.client = client or workspaces.app_client
        self.clock = clock
        self.escalation_days = escalation_days
        self.outbox = outbox

    def using(self, client: WebClient) -> SignoffFlow:
        """This flow speaking with `client` (an outbox delivery's client carries its workspace's token)."""
        return SignoffFlow(self.signoffs, self.workspaces, self.clock, self.escalation_days, client, self.outbox)

    # -- building blocks (each Web API call through `d`, the outbox delivery it belongs to) -----------------

    def open_dms(self, d: Delivery, user_ids: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
        """`conversations.open` for each user: ({user: dm channel}, {user: error}). Opening is idempotent, so an
        uncertain outcome is simply retried (Retry propagates)."""
        dms: dict[str, str] = {}
        failures: dict[str, str] = {}
        for user_id in user_ids:
            try:
                dms[user_id] = d.once(f"open:{user_id}", partial(dm_channel, self.client, user_id))
            except SlackApiError as exc:
                failures[user_id] = reason_of(exc)
        return dms, failures

    def post_dms(
        self, d: Delivery, signoff: Signoff, user_ids: Iterable[str] | None = None, *, reminder_days: int = 0
    ) -> dict[str, str]:
        """Post the live request to each approver (or to `user_ids`), at most once each, and keep each DM's ts;
        returns failures."""
        failures: dict[str, str] = {}
        for a, channel in _with_dm(signoff, user_ids):
            step = f"dm:{a.user_id}" + (":reminder" if reminder_days else "")
            try:
                posted = d.post(step, channel, dm_view(signoff, a.user_id, reminder_days=reminder_days))
            except SlackApiError as exc:
                failures[a.user_id] = reason_of(exc)
                continue
            decided = self.signoffs.set_dm(signoff.id, a.user_id, posted["channel"], posted["ts"])
            # A click may have decided it before its ts was kept (its own update then skipped this DM); set_dm is
            # serialised with decisions on the checklist row, so exactly one of the two updates the DM.
            if decided is not None:
                self.update_dms(d, decided, [a.user_id])
        return failures

    def update_dms(self, d: Delivery, signoff: Signoff, user_ids: Iterable[str] | None = None) -> None:
        """Show the outcome, without buttons, in the approvers' DMs (all, or `user_ids`). Each DM is closed once
        per outcome (an effect keyed by request, approver and outcome), whichever effect gets there first."""
        if self.outbox is None:
            return
        for a, _, _ in _posted_dms(signoff, user_ids):
            key = f"dm.close:{signoff.id}:{a.user_id}:{signoff.request.status}:{a.decision or '-'}"
            payload = {"request_id": signoff.id, "user_id": a.user_id}
            self.outbox.run_once(Effect("signoff.dm_close", payload, team_id=d.team_id, key=key))

    def close_dm(self, d: Delivery) -> None:
        """One approver's DM shows the request's current outcome, without buttons (chat.update: idempotent)."""
        signoff = self.signoffs.get(d.payload["request_id"])
        for dm in _posted_dms(signoff, [d.payload["user_id"]]):
            self.update_dm(d, "update", dm, dm_closed_view(signoff, dm.approval.user_id))

    def update_dm(self, d: Delivery, step: str, dm: PostedDM, view: dict[str, Any]) -> None:
        """Replace one approver's posted DM with `view` (chat.update, at most once per `step`); a Slack error is
        logged, not raised: the request itself is already settled."""
        try:
            d.once(step, lambda: self.client.chat_update(channel=dm.channel, ts=dm.ts, **view) and None)
        except SlackApiError as exc:
            log.warning("could not update sign-off DM of %s: %s", dm.approval.user_id, reason_of(exc))

    def tell_channel(self, d: Delivery, channel_id: str, text: str, step: str = "notice") -> None:
        try:
            d.post(step, channel_id, message(text, [section(text)]))
        except SlackApiError as exc:
            log.warning("could not post to %s: %s", channel_id, reason_of(exc))

    # -- flows (outbox handlers) -------------------------------------------------------------------------

    def request(self, d: Delivery) -> None:
        """Ask the plan's approvers by DM; the outcome goes to the command's `response_url`.

        Open every DM (nothing recorded if one fails), record the request together with this effect's progress
        (one transaction), post the DMs at most once each and keep their ts, then answer."""
        p = d.payload
        who = Who(**p["who"])
        plan = Plan(**{**p["plan"], "approvers": tuple(p["plan"]["approvers"])})
        url = p.get("response_url")
        if "request_id" not in d.state:
            dms, failures = self.open_dms(d, plan.approvers)
            if failures:
                d.respond("answer", url, _reply(ephemeral(dm_failed_text(plan.item_number, failures))))
                return
            try:
                with self.signoffs.db.joined():
                    signoff, superseded = self.signoffs.record(who, plan, dms, p.get("note") or "")
                    d.state["request_id"] = signoff.id
                    d.state["superseded"] = [s.id for s in superseded]
                    d.save()
            except UserError as exc:
                d.respond("answer", url, _reply(ephemeral(exc.message)))
                return
        request_id = d.state["request_id"]
        superseded_ids = d.state.get("superseded") or []
        for old_id in superseded_ids:
            self.update_dms(d, self.signoffs.get(old_id))
        signoff = self.signoffs.get(request_id)
        if signoff.request.status != PENDING:
            return  # withdrawn meanwhile: its own effects tell the approvers
        failures = self.post_dms(d, signoff)
        if failures:
            abandoned = self.signoffs.abandon(signoff.id, who.user_id)
            if abandoned is not None:
                self.update_dms(d, abandoned)
            d.respond("answer", url, _reply(ephemeral(dm_failed_text(plan.item_number, failures))))
            return
        d.respond(
            "answer", url, _reply(in_channel(requested_text(self.signoffs.get(request_id), bool(superseded_ids))))
        )

    def request_given_up(self, d: Delivery, why: str) -> None:
        """Slack never confirmed the DMs: withdraw the request (if recorded) and tell the requester."""
        p = d.payload
        request_id = d.state.get("request_id")
        if request_id is not None:
            self.signoffs.abandon(request_id, p["who"]["user_id"])
        failures = dict.fromkeys(p["plan"]["approvers"], NO_ANSWER)
        d.respond(
            "answer", p.get("response_url"), _reply(ephemeral(dm_failed_text(p["plan"]["item_number"], failures)))
        )

    def after_decision(self, d: Delivery) -> None:
        """Update the DMs (the decider's, or all once the request is closed) and tell the channel when closed."""
        p = d.payload
        signoff = self.signoffs.get(p["request_id"])
        decision = Decision(signoff, p["user_id"], p["decision"], p["closed"])
        self.update_dms(d, signoff, None if decision.closed else [decision.user_id])
        if decision.closed:
            self.tell_channel(d, signoff.channel_id, decision_text(decision))

    def after_cancel(self, d: Delivery) -> None:
        self.update_dms(d, self.signoffs.get(d.payload["request_id"]))

    def notice(self, d: Delivery) -> None:
        """A line in a channel (e.g. an item marked done from the App Home)."""
        self.tell_channel(d, d.payload["channel"], d.payload["text"])

    def after_archive(self, d: Delivery) -> None:
        """The requests an archive cancelled: every approver's DM shows it, with no live buttons."""
        for request_id in d.payload["request_ids"]:
            self.update_dms(d, self.signoffs.get(request_id))

    def after_withdraw(self, d: Delivery) -> None:
        """A signed-off item was reopened: each approver's DM loses its outcome line and each is told by DM."""
        p = d.payload
        signoff = self.signoffs.get(p["request_id"])
        self.update_dms(d, signoff)
        text = withdrawn_dm_text(signoff, p["by"], p["reason"])
        for a in signoff.approvals:
            if a.decision != APPROVED:
                continue
            channel = a.dm_channel or self.open_dms(d, [a.user_id])[0].get(a.user_id)
            if channel:
                self.tell_channel(d, channel, text, step=f"withdrawn:{a.user_id}")

    def tell_removed_contacts(self, d: Delivery) -> None:
        """Each contact a lead took out of a signing role is told by DM."""
        change = ContactChange.from_payload(d.payload)
        dms, failures = self.open_dms(d, change.removed)
        for user_id, error in failures.items():
            log.warning("could not tell %s they were removed as a contact: %s", user_id, error)
        for user_id, channel in dms.items():
            self.tell_channel(d, channel, removed_contact_text(change), step=f"removed:{user_id}")

    def escalate_stale_signoffs(self, now: datetime | None = None) -> int:
        """Re-send each sign-off pending for `escalation_days` working days once, and ask the role's backup.

        Safe to call repeatedly and from several processes: each request is claimed with a conditional UPDATE,
        committed together with the outbox effect that does the escalating, so exactly one caller escalates it
        and a crash afterwards leaves the effect for the next process. Returns how many it claimed."""
        now = now or self.clock.now()
        stale = self.signoffs.stale(now, self.escalation_days)
        clients = self.workspaces.clients_for(team_id for _, team_id in stale)  # uninstalled workspaces wait
        escalated = 0
        for request_id, team_id in stale:
            if team_id not in clients or self.outbox is None:
                continue
            with self.outbox.unit(inline=True) as fx:
                if self.signoffs.claim_escalation(request_id, now) is None:
                    continue
                payload = {"request_id": request_id, "now": now.isoformat()}
                fx.add("signoff.escalate", payload, team_id=team_id, key=f"escalate:{request_id}")
            escalated += 1
        return escalated

    def escalate(self, d: Delivery) -> None:
        """Ask the backups, move the undecided approvers' DMs to a reminder, and tell the channel."""
        request_id = d.payload["request_id"]
        now = datetime.fromisoformat(d.payload["now"])
        signoff = self.signoffs.get(request_id)
        if "backups" not in d.state:
            backups = self.signoffs.backups(signoff, self.signoffs.item_role(signoff))
            dms, failures = self.open_dms(d, backups)
            for user_id, error in failures.items():
                log.warning("could not DM backup %s for sign-off %s: %s", user_id, request_id, error)
            with self.signoffs.db.joined():
                if dms:
                    self.signoffs.add_backups(request_id, dms)
                d.state["backups"] = list(dms)
                d.save()
            signoff = self.signoffs.get(request_id)
        backups = d.state["backups"]
        reminded = [a.user_id for a in signoff.approvals if a.decision is None and not a.backup]
        for dm in _posted_dms(signoff, reminded):
            self.update_dm(d, f"moved:{dm.approval.user_id}", dm, dm_moved_view(signoff, dm.approval.user_id))
        days, today = self.signoffs.waited(signoff, now)  # the real wait, not the setting
        self.post_dms(d, signoff, reminded + list(backups), reminder_days=days)
        self.tell_channel(d, signoff.channel_id, escalation_text(signoff, reminded, list(backups), days, today))


class PostedDM(NamedTuple):
    """An approver's DM that was posted: its channel and ts."""

    approval: SignoffApproval
    channel: str
    ts: str


def _wanted(signoff: Signoff, user_ids: Iterable[str] | None) -> Iterator[SignoffApproval]:
    wanted = set(user_ids) if user_ids is not None else None
    return (a for a in signoff.approvals if wanted is None or a.user_id in wanted)


def _with_dm(signoff: Signoff, user_ids: Iterable[str] | None = None) -> Iterator[tuple[SignoffApproval, str]]:
    """The approvals (all, or those of `user_ids`) that have a DM channel, with it."""
    for a in _wanted(signoff, user_ids):
        if a.dm_channel:
            yield a, a.dm_channel


def _posted_dms(signoff: Signoff, user_ids: Iterable[str] | None = None) -> Iterator[PostedDM]:
    """The approvals (all, or those of `user_ids`) whose DM was posted (a DM channel and its ts)."""
    for a in _wanted(signoff, user_ids):
        if a.dm_channel and a.dm_ts:
            yield PostedDM(a, a.dm_channel, a.dm_ts)


def _reply(payload: dict[str, Any]) -> dict[str, Any]:
    return {"replace_original": False, **payload}
