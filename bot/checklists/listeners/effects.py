"""The checklist's outbox effects (`bot.slack.effects`): the status message redrawn in place, and the export
uploaded to the channel. Both run after the acknowledgement, outside any DB transaction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.checklists import exports
from bot.checklists.messages.export import export_given_up_text, export_not_made_text, export_not_uploaded_text
from bot.checklists.messages.status import status_view
from bot.signoffs.messages import status_lines
from bot.slack.answers import ephemeral
from bot.slack.delivery import find_file
from bot.slack.effects import effect
from bot.slack.outbox import Delivery
from bot.slack.reasons import reason_of
from bot.who import Who

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)


@effect("status.refresh")
def refresh_status(rt: Runtime, d: Delivery) -> None:
    """Redraw the status message in place through its response_url (replace_original: idempotent)."""
    p = d.payload
    board = rt.service.board_by_id(p["checklist_id"], d.team_id)
    if board is None or not p.get("url"):
        return
    view = status_view(board, p.get("phase"), extra_lines=status_lines(board))
    d.respond("refresh", p["url"], {"replace_original": True, **view}, idempotent=True)


def export_given_up(rt: Runtime, d: Delivery, why: str) -> None:
    uncertain = (d.state.get("complete") or {}).get("status") == "inflight"
    _answer(d, export_given_up_text(uncertain=uncertain))


@effect("export", give_up=export_given_up)
def export(rt: Runtime, d: Delivery) -> None:
    """Upload the export in three recorded steps (files.getUploadURLExternal, the bytes, completeUploadExternal);
    an uncertain completion is looked up in the channel (a message sharing the file) before it is redone."""
    p = d.payload
    who = Who(d.team_id, p["channel_id"], p["user_id"], archived=p.get("archived"))
    try:
        data = rt.service.export(who)
    except Exception as exc:  # noqa: BLE001  (archived meanwhile, or the like: say so)
        _answer(d, export_not_made_text(getattr(exc, "message", reason_of(exc))))
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
        log.warning("export upload failed: %s", reason)
        _answer(d, export_not_uploaded_text(reason))


def _upload_url(d: Delivery, upload: exports.Upload) -> dict[str, Any]:
    resp = d.client.files_getUploadURLExternal(filename=upload.filename, length=len(upload.content))
    return {"upload_url": resp["upload_url"], "file_id": resp["file_id"]}


def _answer(d: Delivery, text: str) -> None:
    """A new ephemeral message to the person who asked, through the command's response_url."""
    d.respond("answer", d.payload.get("response_url"), {"replace_original": False, **ephemeral(text)})
