"""The Slack side of sign-offs: open DMs, post and update them, tell the channel, escalate stale requests.

Runs after the acknowledgement (from `rt.background`) or from the scheduler; never inside a DB transaction.
Order for a new request: open every DM first (nothing recorded if one fails), record the request, post the DMs
and keep their ts, then tell the channel through the command's `response_url`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from .clock import Clock
from .errors import UserError
from .service import ContactChange, Who
from .signoffs import Decision, Plan, Signoff, SignoffService
from .views.answers import ephemeral, in_channel
from .views.blocks import message, section
from .views.signoff import (
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
from .workspaces import Workspaces

log = logging.getLogger(__name__)


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or "unknown_error")


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
    ) -> None:
        self.signoffs = signoffs
        self.workspaces = workspaces
        self.client = client or workspaces.app_client
        self.clock = clock
        self.escalation_days = escalation_days

    def using(self, client: WebClient) -> SignoffFlow:
        """This flow speaking with `client` (Bolt's per-request client carries the requesting workspace's token)."""
        return SignoffFlow(self.signoffs, self.workspaces, self.clock, self.escalation_days, client)

    # -- building blocks ---------------------------------------------------------------------------------

    def open_dms(self, user_ids: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
        """`conversations.open` for each user: ({user: dm channel}, {user: error}) ."""
        dms: dict[str, str] = {}
        failures: dict[str, str] = {}
        for user_id in user_ids:
            try:
                dms[user_id] = self.client.conversations_open(users=user_id)["channel"]["id"]
            except SlackApiError as exc:
                failures[user_id] = _error(exc)
        return dms, failures

    def post_dms(
        self, signoff: Signoff, user_ids: Iterable[str] | None = None, *, reminder_days: int = 0
    ) -> dict[str, str]:
        """Post the live request to each approver (or to `user_ids`) and keep each DM's ts; returns failures."""
        wanted = set(user_ids) if user_ids is not None else None
        failures: dict[str, str] = {}
        for a in signoff.approvals:
            if (wanted is not None and a.user_id not in wanted) or not a.dm_channel:
                continue
            try:
                resp = self.client.chat_postMessage(
                    channel=a.dm_channel, **dm_view(signoff, a.user_id, reminder_days=reminder_days)
                )
            except SlackApiError as exc:
                failures[a.user_id] = _error(exc)
                continue
            self.signoffs.set_dm(signoff.id, a.user_id, resp["channel"], resp["ts"])
        return failures

    def update_dms(self, signoff: Signoff, user_ids: Iterable[str] | None = None) -> None:
        """Show the outcome, without buttons, in the approvers' DMs (all, or `user_ids`)."""
        wanted = set(user_ids) if user_ids is not None else None
        for a in signoff.approvals:
            if (wanted is not None and a.user_id not in wanted) or not (a.dm_channel and a.dm_ts):
                continue
            try:
                self.client.chat_update(channel=a.dm_channel, ts=a.dm_ts, **dm_closed_view(signoff, a.user_id))
            except SlackApiError as exc:
                log.warning("could not update sign-off DM of %s: %s", a.user_id, _error(exc))

    def tell_channel(self, channel_id: str, text: str) -> None:
        self.say(channel_id, text)

    # -- flows -------------------------------------------------------------------------------------------

    def request(self, who: Who, plan: Plan, note: str, response_url: str | None) -> None:
        """Ask the plan's approvers by DM; the outcome goes to `response_url` (in channel, or to the requester)."""

        def answer(payload: dict) -> None:
            if response_url:
                Respond(response_url=response_url)(replace_original=False, **payload)

        dms, failures = self.open_dms(plan.approvers)
        if failures:
            answer(ephemeral(dm_failed_text(plan.item_number, failures)))
            return
        try:
            signoff, superseded = self.signoffs.record(who, plan, dms, note)
        except UserError as exc:
            answer(ephemeral(exc.message))
            return
        for old in superseded:
            self.update_dms(old)
        failures = self.post_dms(signoff)
        if failures:
            abandoned = self.signoffs.abandon(signoff.id, who.user_id)
            if abandoned is not None:
                self.update_dms(abandoned)
            answer(ephemeral(dm_failed_text(plan.item_number, failures)))
            return
        answer(in_channel(requested_text(signoff, bool(superseded))))

    def after_decision(self, decision: Decision) -> None:
        """Update the DMs (the decider's, or all once the request is closed) and tell the channel when closed."""
        signoff = decision.signoff
        self.update_dms(signoff, None if decision.closed else [decision.user_id])
        if decision.closed:
            self.tell_channel(signoff.channel_id, decision_text(decision))

    def after_cancel(self, signoff: Signoff) -> None:
        self.update_dms(signoff)

    def after_archive(self, request_ids: Iterable[int]) -> None:
        """The requests an archive cancelled: every approver's DM shows it, with no live buttons."""
        for request_id in request_ids:
            self.update_dms(self.signoffs.get(request_id))

    def after_withdraw(self, request_id: int, by: str, reason: str) -> None:
        """A signed-off item was reopened: each approver's DM loses its outcome line and each is told by DM."""
        signoff = self.signoffs.get(request_id)
        self.update_dms(signoff)
        text = withdrawn_dm_text(signoff, by, reason)
        for a in signoff.approvals:
            if a.decision != "approved":
                continue
            channel = a.dm_channel or self.open_dms([a.user_id])[0].get(a.user_id)
            if channel:
                self.say(channel, text)

    def tell_removed_contacts(self, change: ContactChange) -> None:
        """Each contact a lead took out of a signing role is told by DM."""
        dms, failures = self.open_dms(change.removed)
        for user_id, error in failures.items():
            log.warning("could not tell %s they were removed as a contact: %s", user_id, error)
        for channel in dms.values():
            self.say(channel, removed_contact_text(change))

    def say(self, channel: str, text: str) -> None:
        try:
            self.client.chat_postMessage(channel=channel, **message(text, [section(text)]))
        except SlackApiError as exc:
            log.warning("could not post to %s: %s", channel, _error(exc))

    def escalate_stale_signoffs(self, now: datetime | None = None) -> int:
        """Re-send each sign-off pending for `escalation_days` working days once, and ask the role's backup.

        Safe to call repeatedly and from several processes: each request is claimed with a conditional UPDATE
        (committed) before anything is sent, so exactly one caller escalates it. Returns how many it escalated.
        """
        now = now or self.clock.now()
        stale = self.signoffs.stale(now, self.escalation_days)
        clients = self.workspaces.clients_for(team_id for _, team_id in stale)  # uninstalled workspaces wait
        escalated = 0
        for request_id, team_id in stale:
            if team_id in clients and self.using(clients[team_id])._escalate(request_id, now):
                escalated += 1
        return escalated

    def _escalate(self, request_id: int, now: datetime) -> bool:
        """Claim one stale request and escalate it; False when another caller had claimed it."""
        signoff = self.signoffs.claim_escalation(request_id, now)
        if signoff is None:
            return False
        backups = self.signoffs.backups(signoff, self.signoffs.item_role(signoff))
        dms, failures = self.open_dms(backups)
        for user_id, error in failures.items():
            log.warning("could not DM backup %s for sign-off %s: %s", user_id, request_id, error)
        if dms:
            signoff = self.signoffs.add_backups(request_id, dms)
        undecided = [a for a in signoff.approvals if a.decision is None and not a.backup]
        for a in undecided:
            if a.dm_channel and a.dm_ts:
                try:
                    self.client.chat_update(channel=a.dm_channel, ts=a.dm_ts, **dm_moved_view(signoff, a.user_id))
                except SlackApiError as exc:
                    log.warning("could not update sign-off DM of %s: %s", a.user_id, _error(exc))
        reminded = [a.user_id for a in undecided]
        days, today = self.signoffs.waited(signoff, now)  # the real wait, not the setting
        self.post_dms(signoff, reminded + list(dms), reminder_days=days)
        self.tell_channel(signoff.channel_id, escalation_text(signoff, reminded, list(dms), days, today))
        return True
