"""The Slack side of `/checklist export`: name the people, render the file, upload it to the channel.

Runs after the acknowledgement, as an outbox effect (`bot.checklists.listeners.effects.export`), outside any DB
transaction. The upload is Slack's `files.uploadV2` flow in three recorded steps (getUploadURLExternal, POST the bytes,
completeUploadExternal with the channel). If it fails the person who asked is told through the command's
`response_url`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient

from bot.checklists.messages.export import csv_text, exported_text, file_title, filename, markdown
from bot.checklists.service import ExportData
from bot.slack.reasons import reason_of

log = logging.getLogger(__name__)


def user_names(client: WebClient, user_ids: Iterable[str]) -> dict[str, str]:
    """Display names for the file (`users.info`, one call per person); unknown people keep their id."""
    names: dict[str, str] = {}
    for user_id in sorted(user_ids):
        if user_id[:1] not in ("U", "W"):
            continue
        try:
            user = client.users_info(user=user_id)["user"]
        except Exception as exc:  # noqa: BLE001  (a name is cosmetic: the id stays)
            log.info("users.info %s: %s", user_id, reason_of(exc))
            continue
        profile = user.get("profile") or {}
        names[user_id] = profile.get("real_name") or user.get("real_name") or user.get("name") or user_id
    return names


@dataclass(frozen=True)
class Upload:
    filename: str
    title: str
    content: bytes
    comment: str


def prepare(client: WebClient, data: ExportData, fmt: str, user_id: str, now: datetime) -> Upload:
    """Name the people (users.info) and render the file; the upload itself is an outbox effect
    (`bot.checklists.listeners.effects`)."""
    names = user_names(client, data.user_ids())
    content = markdown(data, names, now) if fmt == "md" else csv_text(data, names)
    return Upload(
        filename=filename(data, fmt),
        title=file_title(data),
        content=content.encode("utf-8"),
        comment=exported_text(data, fmt, user_id),
    )
