"""Sign-off messages: the approver's DM (live and decided), the reason modal, channel notices, listings, and the
sentence of each refusal (`bot.signoffs.refusals`).

Pure functions from data to Block Kit dicts / mrkdwn strings; all user text goes through `user_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.checklists import rules
from bot.checklists.dates import slack_datetime
from bot.checklists.service import Board, ContactChange, SignoffRecord
from bot.signoffs import refusals as no
from bot.signoffs.service import Decision, Signoff, rejection
from bot.slack.blocks import MESSAGE_BLOCKS, button, context, message, plain_text, section
from bot.slack.ids import Action, Input, View
from bot.slack.payloads import ReasonForm, SignoffBlock, SignoffPick, encode
from bot.slack.text import count, mention, plain, truncate, user_text
from bot.slack.wording import says
from storage import signoffs as sq
from storage.models import Checklist

MAX_REASON = 500


def _people(user_ids: Sequence[str]) -> str:
    return ", ".join(mention(u) for u in user_ids) or "nobody"


def _when(at: datetime | None) -> str:
    return slack_datetime(at, "{date_short} {time}") if at else "earlier"


def _item_line(s: Signoff) -> str:
    return f"*{s.request.item_number}*  {user_text(s.item_title)}"


def _approved_by(approvals: Sequence[sq.SignoffApproval]) -> list[str]:
    return [a.user_id for a in approvals if a.decision == rules.APPROVED]


def is_skip(r: sq.SignoffRequest) -> bool:
    """A request to mark the item not applicable (`/checklist skip` of an item that needs a sign-off)."""
    return getattr(r, "purpose", "signoff") == "skip"


def _head(s: Signoff, approver_id: str) -> list[dict[str, Any]]:
    r = s.request
    lines = [f"🔏 Sign-off requested by {mention(r.requested_by)} in <#{s.channel_id}>", _item_line(s)]
    if is_skip(r):
        lines = [
            f"➖ *Not applicable?* {mention(r.requested_by)} asks in <#{s.channel_id}> to mark this item not "
            "applicable to the project. Approve to agree; it then counts apart and no longer needs a sign-off.",
            _item_line(s),
            f"Why: “{user_text(truncate(r.note or '', 1500))}”",
        ]
    elif r.note:
        lines.append(f"Note from {mention(r.requested_by)}: “{user_text(truncate(r.note, 1500))}”")
    others = [a.user_id for a in s.approvals if a.user_id != approver_id]
    blocks = [section("\n".join(lines))]
    bits = [f"Checklist: {user_text(s.checklist_title)}", f"requested {_when(r.created_at)}"]
    if others:
        bits.append(f"also asked: {_people(others)}")
    blocks.append(context(" · ".join(bits)))
    return blocks


def decision_buttons(request_id: int) -> dict[str, Any]:
    """Approve and Reject… for one request (value: its id); the same in the approver's DM and on the App Home."""
    value = encode(SignoffPick(request_id))
    return {
        "type": "actions",
        "block_id": encode(SignoffBlock(request_id)),
        "elements": [
            button("Approve", Action.SIGNOFF_APPROVE, value, "primary"),
            button("Reject…", Action.SIGNOFF_REJECT, value, "danger"),
        ],
    }


def dm_view(s: Signoff, approver_id: str, *, reminder_days: int = 0) -> dict[str, Any]:
    """The live request in an approver's DM, with Approve and Reject… buttons (value: the request id)."""
    blocks = _head(s, approver_id)
    approval = s.approval(approver_id)
    if reminder_days:
        blocks.insert(0, section(f"⏰ *Reminder:* this sign-off has waited {count(reminder_days, 'working day')}."))
    if approval is not None and approval.backup:
        blocks.insert(0, section("You are asked as the backup contact; your approval stands in for the others."))
    blocks.append(decision_buttons(s.id))
    text = f"🔏 {mention(s.request.requested_by)} asks you to sign off {s.request.item_number}"
    if is_skip(s.request):
        text = f"➖ {mention(s.request.requested_by)} asks you to agree that {s.request.item_number} is not applicable"
    return message(text, blocks)


def outcome_line(s: Signoff, approver_id: str) -> str:
    """What the approver's DM says once there is nothing left for them to press."""
    r = s.request
    own = s.approval(approver_id)
    if own is not None and own.decision == rules.APPROVED and r.status != sq.WITHDRAWN:
        line = f"✅ You approved this on {_when(own.decided_at)}."
        if r.status == sq.APPROVED:
            return line + " It is signed off."
        if r.status == sq.PENDING:
            waiting = [a.user_id for a in s.approvals if a.decision is None and not a.backup]
            return line + (f" Still waiting for {_people(waiting)}." if waiting else "")
    elif own is not None and own.decision == rules.REJECTED:
        return f"❌ You rejected this on {_when(own.decided_at)}: “{user_text(own.reason or '')}”"
    if r.status == sq.APPROVED:
        return f"✅ Signed off by {_people(_approved_by(s.approvals))} on {_when(r.decided_at)}; nothing left to do."
    if r.status == sq.REJECTED:
        rej = rejection(s.approvals)
        why = f": “{user_text(rej.reason or '')}”" if rej else ""
        return f"❌ Rejected by {mention(r.decided_by)} on {_when(r.decided_at)}{why}"
    if r.status == sq.CANCELLED:
        return f"🚫 Withdrawn by {mention(r.decided_by)} on {_when(r.decided_at)}; nothing to decide."
    if r.status == sq.SUPERSEDED:
        return "↪️ Replaced by a newer request; use the buttons in the newest message."
    if r.status == sq.WITHDRAWN:
        who, at = mention(r.decided_by), _when(r.decided_at)
        return f"↩️ This sign-off was withdrawn by {who} on {at}; the item is open again."
    return "⏰ A reminder was sent below; use its buttons."


def dm_closed_view(s: Signoff, approver_id: str) -> dict[str, Any]:
    """The approver's DM after a decision or once the request is closed: the outcome, no buttons."""
    line = outcome_line(s, approver_id)
    return message(line, _head(s, approver_id) + [section(line)])


def dm_moved_view(s: Signoff, approver_id: str) -> dict[str, Any]:
    """The first DM once a reminder has been posted below it (so only one message has live buttons)."""
    line = "⏰ A reminder was sent below; use its buttons."
    return message(line, _head(s, approver_id) + [section(line)])


def reason_modal(s: Signoff, *, from_home: bool = False) -> dict[str, Any]:
    """The Reject… form; opened from the App Home it says so in private_metadata, so the Home is re-published."""
    element = {
        "type": "plain_text_input",
        "action_id": Input.REASON,
        "multiline": True,
        "max_length": MAX_REASON,
        "min_length": 1,
        "placeholder": plain_text("What has to change before you can approve?"),
    }
    title = user_text(truncate(plain(s.item_title), 200))
    return {
        "type": "modal",
        "callback_id": View.SIGNOFF_REASON,
        "title": plain_text("Reject sign-off", 24),
        "submit": plain_text("Reject", 24),
        "close": plain_text("Cancel", 24),
        "private_metadata": encode(ReasonForm(s.id, from_home)),
        "blocks": [
            context(f"*{s.request.item_number}*  {title}"),
            {
                "type": "input",
                "block_id": Input.REASON,
                "label": plain_text("Reason", 2000),
                "element": element,
                "hint": plain_text(f"Required, up to {MAX_REASON} characters. The requester and channel see it.", 2000),
            },
        ],
    }


# -- channel notices -------------------------------------------------------------------------------------


def asking_text(item_number: str, approvers: Sequence[str]) -> str:
    return f"⏳ Asking {_people(approvers)} to sign off {item_number}…"


def requested_text(s: Signoff, superseded: bool) -> str:
    people = _people([a.user_id for a in s.approvals])
    tail = " It replaces the earlier request." if superseded else ""
    if is_skip(s.request):
        return (
            f"➖ {mention(s.request.requested_by)} asked {people} to agree that {_item_line(s)} is not applicable "
            f"(by direct message): “{user_text(truncate(s.request.note or '', 500))}”.{tail}"
        )
    note = f" Note: “{user_text(truncate(s.request.note, 500))}”" if s.request.note else ""
    return (
        f"🔏 {mention(s.request.requested_by)} asked {people} to sign off {_item_line(s)} (by direct message).{note}"
        f"{tail}"
    )


NO_ANSWER = "Slack did not answer"  # the failure of each DM when Slack never confirmed them (`dm_failed_text`)


def dm_failed_text(item_number: str, failures: dict[str, str]) -> str:
    why = {
        "user_not_found": "is not a member of this workspace",
        "cannot_dm_bot": "is a bot",
        "user_disabled": "is deactivated",
        "account_inactive": "is deactivated",
    }
    lines = [f"• {mention(u)} {why.get(err, f'could not be reached (`{err}`)')}" for u, err in failures.items()]
    return (
        f"⚠️ I could not ask for the sign-off of {item_number}: I cannot send a direct message to\n"
        + "\n".join(lines)
        + "\nNothing was recorded. Name other approvers, e.g. `/checklist signoff "
        + f"{item_number} @cara`, or fix the contacts with `/checklist contact`."
    )


def decision_text(d: Decision) -> str:
    s = d.signoff
    r = s.request
    if d.decision == rules.REJECTED:
        rej = s.approval(d.user_id)
        reason = user_text(rej.reason or "") if rej else ""
        return (
            f"❌ {mention(d.user_id)} rejected the sign-off of {_item_line(s)}: “{reason}”\n"
            f"{mention(r.requested_by)}, the item stays open; `/checklist signoff {r.item_number}` asks again."
        )
    if d.closed and r.status == sq.APPROVED and is_skip(r):
        return (
            f"➖ {_item_line(s)} is not applicable: “{user_text(truncate(r.note or '', 500))}” "
            f"(asked by {mention(r.requested_by)}, agreed by {_people(_approved_by(s.approvals))})."
        )
    if d.closed and r.status == sq.APPROVED:
        return f"✅ {_item_line(s)} is done: signed off by {_people(_approved_by(s.approvals))}."
    return f"👍 {mention(d.user_id)} approved the sign-off of {r.item_number}."


def cancelled_text(s: Signoff) -> str:
    return f"🚫 {mention(s.request.decided_by)} withdrew the sign-off request for {_item_line(s)}."


def withdrawn_dm_text(s: Signoff, by: str, reason: str) -> str:
    return (
        f"↩️ {mention(by)} reopened *{s.request.item_number}* {user_text(s.item_title)} in <#{s.channel_id}>, "
        f"so the sign-off you approved is withdrawn: “{user_text(truncate(reason, 500))}”. "
        "It needs a new sign-off; you may be asked again."
    )


def removed_contact_text(change: ContactChange) -> str:
    return (
        f"📇 {mention(change.by)} took you out of the *{user_text(change.role)}* contacts of "
        f"*{user_text(change.checklist_title)}* in <#{change.channel_id}>: you no longer sign off its items."
    )


def escalation_text(s: Signoff, reminded: Sequence[str], backups: Sequence[str], days: int, today: date) -> str:
    """`days`: the working days the request has really waited (`rules.working_days_between`)."""
    bits = [f"⏰ The sign-off of {_item_line(s)} has waited {count(days, 'working day')}."]
    if reminded:
        ages = []
        for user_id in reminded:
            a = s.approval(user_id)
            asked = (a.asked_at if a else None) or s.request.created_at
            ages.append(f"{mention(user_id)} (asked {max((today - asked.date()).days, 0)} d ago)")
        bits.append(f"Reminded {', '.join(ages)}.")
    if backups:
        bits.append(f"Also asked the backup {_people(backups)}.")
    return " ".join(bits)


# -- listings --------------------------------------------------------------------------------------------


def waiting_line(record: SignoffRecord, today: date) -> str:
    """`⏳ waiting on @cara (3 d), @dan approved` for a pending request; the rejection for a rejected one."""
    r = record.request
    if r.status == sq.PENDING:
        # Each person's own wait: a backup asked on escalation counts from then, not from the request.
        waiting = [
            f"{mention(a.user_id)} ({max((today - (a.asked_at or r.created_at).date()).days, 0)} d)"
            for a in record.approvals
            if a.decision != rules.APPROVED and (not a.backup or r.escalated_at)
        ]
        approved = [f"{mention(a.user_id)} approved" for a in record.approvals if a.decision == rules.APPROVED]
        return " · ".join(["⏳ waiting on " + ", ".join(waiting)] + approved)
    if r.status == sq.REJECTED:
        rej = rejection(record.approvals)
        why = f": “{user_text(truncate(rej.reason or '', 200))}”" if rej else ""
        return f"❌ sign-off rejected by {mention(r.decided_by)}{why}"
    return ""


def status_lines(board: Board) -> dict[str, str]:
    """`extra_lines` for the status view: open items with a pending or rejected sign-off."""
    done = {i.number for i in board.items if rules.is_done(i)}
    lines = {}
    for number, record in board.signoffs.items():
        if number in done:
            if record.request.status == sq.APPROVED:
                lines[number] = f"🔏 signed off by {_people(_approved_by(record.approvals))}"
            continue
        line = waiting_line(record, board.today)
        if line:
            lines[number] = line
    return lines


def pending_view(checklist: Checklist, records: Sequence[SignoffRecord], today: date) -> dict[str, Any]:
    if not records:
        text = "No sign-offs are pending here. `/checklist signoff <item>` asks for one."
        return message(text, [section(text)], response_type="ephemeral")
    head = f"*Pending sign-offs* · {user_text(checklist.title)} ({len(records)})"
    blocks = [section(head)]
    for record in records[: MESSAGE_BLOCKS - 2]:
        r = record.request
        blocks.append(
            section(
                f"*{r.item_number}* · asked by {mention(r.requested_by)} {_when(r.created_at)}\n"
                + waiting_line(record, today)
            )
        )
    if len(records) > MESSAGE_BLOCKS - 2:
        blocks.append(context(f"+{len(records) - (MESSAGE_BLOCKS - 2)} more"))
    return message(head, blocks, response_type="ephemeral")


def record_lines(records: Sequence[SignoffRecord]) -> list[str]:
    """Every request of an item with each decision: who, when, reason (for `show`)."""
    out = []
    for record in records:
        r = record.request
        asked = _people([a.user_id for a in record.approvals])
        head = f"🔏 {_when(r.created_at)} {mention(r.requested_by)} asked {asked}"
        head += f" · *{r.status}*"
        if r.status in (sq.CANCELLED, sq.SUPERSEDED, sq.WITHDRAWN) and r.decided_by:
            head += f" by {mention(r.decided_by)} {_when(r.decided_at)}"
        if r.escalated_at:
            head += f" · escalated {_when(r.escalated_at)}"
        lines = [head]
        for a in record.approvals:
            if a.decision:
                reason = f": “{user_text(truncate(a.reason, 300))}”" if a.reason else ""
                lines.append(f"      {mention(a.user_id)} {a.decision} {_when(a.decided_at)}{reason}")
        out.append("\n".join(lines))
    return out


# -- refusals ----------------------------------------------------------------------------------------------

GONE = "That sign-off request no longer exists; nothing changed."


@says(no.RequestGone)
def _gone(r: no.RequestGone) -> str:
    return GONE


@says(no.OwnRequest)
def _own_request(r: no.OwnRequest) -> str:
    return "Nobody approves their own request; your click changed nothing."


@says(no.NotAnApprover)
def _not_an_approver(r: no.NotAnApprover) -> str:
    names = ", ".join(mention(u) for u in r.approvers)
    return f"Only {names} can decide on the sign-off of {r.item_number}; your click changed nothing."


@says(no.SignoffArchived)
def _archived(r: no.SignoffArchived) -> str:
    return "That checklist has been archived, so this sign-off is closed; nothing changed."


@says(no.SignoffClosed)
def _closed(r: no.SignoffClosed) -> str:
    """Why a click on this request changes nothing any more, with what to do instead."""
    number = r.item_number
    by = mention(r.decided_by) if r.decided_by else "someone"
    if r.status == sq.APPROVED:
        return f"This sign-off is already complete: {number} is signed off. Nothing changed."
    if r.status == sq.REJECTED:
        why = f": “{user_text(r.reason)}”" if r.reason else ""
        return f"This request was already rejected by {by}{why}. Nothing changed."
    if r.status == sq.CANCELLED:
        return f"This request was withdrawn by {by}, so there is nothing to decide. Nothing changed."
    if r.status == sq.WITHDRAWN:
        return f"This sign-off was withdrawn by {by} when {number} was reopened; nothing changed."
    if r.status == sq.SUPERSEDED:
        return (
            f"A newer sign-off request for {number} replaced this one; use the buttons in the newest message. "
            "Nothing changed."
        )
    return "This request is closed. Nothing changed."


@says(no.AlreadyDecided)
def _already_decided(r: no.AlreadyDecided) -> str:
    return f"You already {r.decision} this sign-off ({_when(r.decided_at)}); nothing changed."


@says(no.NoLongerContact)
def _no_longer_contact(r: no.NoLongerContact) -> str:
    return (
        f"You are no longer a *{user_text(r.role)}* contact, so you cannot decide on the sign-off of "
        f"{r.item_number}; your click changed nothing."
    )


@says(no.DoneNeedsNoSignoff)
def _done(r: no.DoneNeedsNoSignoff) -> str:
    return f"{r.item_number} is already done, so it needs no sign-off."


@says(no.SkippedNeedsNoSignoff)
def _skipped(r: no.SkippedNeedsNoSignoff) -> str:
    return (
        f"{r.item_number} is not applicable, so it needs no sign-off. `/checklist unskip {r.item_number}` "
        "makes it applicable again."
    )


@says(no.ChecklistChanged)
def _checklist_changed(r: no.ChecklistChanged) -> str:
    return "This channel's checklist changed meanwhile; nothing was recorded."


@says(no.ClosedMeanwhile)
def _closed_meanwhile(r: no.ClosedMeanwhile) -> str:
    return f"{r.item_number} was marked done or not applicable meanwhile, so no sign-off was requested."


@says(no.ReasonMissing)
def _reason_missing(r: no.ReasonMissing) -> str:
    return "Say why you reject it; the requester needs to know what to fix."


@says(no.ReasonTooLong)
def _reason_too_long(r: no.ReasonTooLong) -> str:
    return f"Keep the reason to {MAX_REASON} characters (it has {r.length:,})."


@says(no.NothingToCancel)
def _nothing_to_cancel(r: no.NothingToCancel) -> str:
    return f"There is no pending sign-off for {r.item_number} to cancel."
