"""The Slack side of `/checklist export`: name the people, render the file, upload it to the channel.

Runs after the acknowledgement (from `rt.background`), outside any DB transaction. The upload is Slack's
`files.uploadV2` flow (slack_sdk's `files_upload_v2`: getUploadURLExternal, POST the bytes, completeUploadExternal
with the channel). If it fails the person who asked is told through the command's `response_url`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from . import rules
from .service import ExportData
from .text import mention, user_text
from .views.answers import ephemeral
from .views.export import csv_text, filename, markdown

log = logging.getLogger(__name__)

WHY = {
    "not_in_channel": "I am not a member of this channel: `/invite @checklist-bot`, then export again",
    "channel_not_found": "I cannot see this channel: `/invite @checklist-bot`, then export again",
    "missing_scope": "the app lacks the `files:write` permission: ask an admin to reinstall it",
}


def user_names(client: WebClient, user_ids: Iterable[str]) -> dict[str, str]:
    """Display names for the file (`users.info`, one call per person); unknown people keep their id."""
    names: dict[str, str] = {}
    for user_id in sorted(user_ids):
        if user_id[:1] not in ("U", "W"):
            continue
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            log.info("users.info %s: %s", user_id, exc.response.get("error"))
            continue
        profile = user.get("profile") or {}
        names[user_id] = profile.get("real_name") or user.get("real_name") or user.get("name") or user_id
    return names


def upload_export(
    client: WebClient, data: ExportData, fmt: str, user_id: str, response_url: str | None, now: datetime
) -> None:
    names = user_names(client, data.user_ids())
    content = markdown(data, names, now) if fmt == "md" else csv_text(data, names)
    p = rules.progress(data.items, data.today)
    title = f"{data.checklist.title} ({p.text})"
    try:
        client.files_upload_v2(
            channel=data.checklist.channel_id,
            filename=filename(data, fmt),
            title=title[:250],
            content=content,
            initial_comment=(
                f"📎 {mention(user_id)} exported *{user_text(data.checklist.title)}* ({fmt.upper()}): status, "
                f"owners, dates, notes and the sign-off record. Record head `{data.chain_head[:16]}…`"
            ),
        )
    except Exception as exc:  # noqa: BLE001  (Slack errors, HTTP errors of the upload URL, dropped connections)
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        log.warning("export upload failed: %s", reason)
        if response_url:
            why = WHY.get(str(reason), f"Slack answered `{reason}`; please try again")
            Respond(response_url=response_url)(
                replace_original=False, **ephemeral(f"⚠️ The export could not be uploaded: {why}.")
            )
