"""The kinds of outbox effects (`bot.slack.outbox`) and their handlers: what each one sends, step by step.

| kind | payload | what it does |
|---|---|---|
| `signoff.request` | who, plan, note, response_url | open the DMs, record the request, post the DMs, answer |
| `signoff.decided` | request_id, user_id, decision, closed | update the DMs, tell the channel when closed |
| `signoff.cancelled` | request_id | update the DMs |
| `signoff.escalate` | request_id | ask the backups, re-send the DMs, tell the channel |
| `signoff.dm_close` | request_id, user_id | one approver's DM shows the outcome (once per outcome, run inline) |
| `signoff.archived` | request_ids | the DMs of requests an archive cancelled lose their buttons |
| `signoff.withdrawn` | request_id, by, reason | a reopened item: DMs updated, each approver told by DM |
| `contacts.removed` | the ContactChange | each contact taken out of a signing role is told by DM |
| `notice` | channel, text | a line in a channel |
| `post` | channel, message | a message as it is (e.g. the answer to a DM to the bot) |
| `home` | user_id, notice | publish the person's App Home (rendered when sent) |
| `respond` | url, body | a `response_url` post (replace_original ones are idempotent) |
| `status.refresh` | url, checklist_id, channel_id, user_id, phase | redraw the status message in place |
| `export` | channel_id, user_id, fmt, response_url | the checklist as a file in the channel |
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.checklists import exports
from bot.checklists.messages.status import status_view
from bot.home.messages import home_view
from bot.signoffs.messages import status_lines
from bot.slack.answers import ephemeral
from bot.slack.delivery import find_file
from bot.slack.outbox import Delivery, Outbox
from bot.slack.reasons import reason_of
from bot.who import Who

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.signoffs.flow import SignoffFlow


def register_effects(outbox: Outbox, rt: Runtime) -> None:
    def flow(d: Delivery) -> SignoffFlow:
        return rt.signoff_flow.using(d.client)

    outbox.register("signoff.request", lambda d: flow(d).request(d), lambda d, why: flow(d).request_given_up(d, why))
    outbox.register("signoff.decided", lambda d: flow(d).after_decision(d))
    outbox.register("signoff.cancelled", lambda d: flow(d).after_cancel(d))
    outbox.register("signoff.escalate", lambda d: flow(d).escalate(d))
    outbox.register("signoff.dm_close", lambda d: flow(d).close_dm(d))
    outbox.register("signoff.archived", lambda d: flow(d).after_archive(d))
    outbox.register("signoff.withdrawn", lambda d: flow(d).after_withdraw(d))
    outbox.register("contacts.removed", lambda d: flow(d).tell_removed_contacts(d))
    outbox.register("notice", lambda d: flow(d).notice(d))
    outbox.register("post", post)
    outbox.register("home", lambda d: publish_home(rt, d))
    outbox.register(
        "respond",
        lambda d: d.respond(
            "respond", d.payload["url"], d.payload["body"], idempotent=bool(d.payload["body"].get("replace_original"))
        ),
    )
    outbox.register("status.refresh", lambda d: refresh_status(rt, d))
    outbox.register("export", lambda d: export(rt, d), export_given_up)


def post(d: Delivery) -> None:
    try:
        d.post("post", d.payload["channel"], d.payload["message"])
    except SlackApiError as exc:
        exports.log.warning("could not post to %s: %s", d.payload["channel"], reason_of(exc))


def publish_home(rt: Runtime, d: Delivery) -> None:
    """Render the person's Home now (one read) and publish it; views.publish is idempotent (latest view wins)."""
    user_id = d.payload["user_id"]
    view = home_view(rt.service.home(d.team_id, user_id), d.payload.get("notice"))
    try:
        d.once("publish", lambda: d.client.views_publish(user_id=user_id, view=view) and None)
    except SlackApiError as exc:
        exports.log.warning("views.publish for %s failed: %s", user_id, reason_of(exc))


def refresh_status(rt: Runtime, d: Delivery) -> None:
    """Redraw the status message in place through its response_url (replace_original: idempotent)."""
    p = d.payload
    board = rt.service.board_by_id(p["checklist_id"], d.team_id)
    if board is None or not p.get("url"):
        return
    view = status_view(board, p.get("phase"), extra_lines=status_lines(board))
    d.respond("refresh", p["url"], {"replace_original": True, **view}, idempotent=True)


def export(rt: Runtime, d: Delivery) -> None:
    """Upload the export in three recorded steps (files.getUploadURLExternal, the bytes, completeUploadExternal);
    an uncertain completion is looked up in the channel (a message sharing the file) before it is redone."""
    p = d.payload
    who = Who(d.team_id, p["channel_id"], p["user_id"], archived=p.get("archived"))
    try:
        data = rt.service.export(who)
    except Exception as exc:  # noqa: BLE001  (archived meanwhile, or the like: say so)
        d.respond(
            "answer",
            p.get("response_url"),
            {
                "replace_original": False,
                **ephemeral(f"⚠️ The export could not be made: {getattr(exc, 'message', reason_of(exc))}."),
            },
        )
        return
    upload = exports.prepare(d.client, data, p["fmt"], p["user_id"], rt.clock.now())
    channel = data.checklist.channel_id
    try:
        if not d.done("upload"):
            d.state.pop("url", None)  # a new upload URL for new bytes (the content is rendered again)
            got = d.once("url", lambda: _upload_url(d, upload))
            d.upload("upload", got["upload_url"], upload.content)
        file_id = d.result("url")["file_id"]
        d.settle(
            "complete",
            lambda: d.client.files_completeUploadExternal(
                files=[{"id": file_id, "title": upload.title}],
                channel_id=channel,
                initial_comment=upload.comment,
            ).get("ok"),
            lambda: find_file(d.client, channel, file_id),
        )
    except SlackApiError as exc:
        reason = reason_of(exc)
        exports.log.warning("export upload failed: %s", reason)
        why = exports.WHY.get(reason, f"Slack answered `{reason}`; please try again")
        d.respond(
            "answer",
            p.get("response_url"),
            {"replace_original": False, **ephemeral(f"⚠️ The export could not be uploaded: {why}.")},
        )


def _upload_url(d: Delivery, upload: exports.Upload) -> dict[str, Any]:
    resp = d.client.files_getUploadURLExternal(filename=upload.filename, length=len(upload.content))
    return {"upload_url": resp["upload_url"], "file_id": resp["file_id"]}


def export_given_up(d: Delivery, why: str) -> None:
    text = (
        "⚠️ Slack did not confirm the export, so it may or may not be in the channel; please check before exporting "
        "again."
        if (d.state.get("complete") or {}).get("status") == "inflight"
        else "⚠️ The export could not be uploaded: Slack did not answer; please try again."
    )
    d.respond("answer", d.payload.get("response_url"), {"replace_original": False, **ephemeral(text)})
