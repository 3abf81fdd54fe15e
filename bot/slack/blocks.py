"""Tiny builders for Block Kit dicts that keep every text inside Slack's limits."""

from __future__ import annotations

from typing import Any

from bot.slack.text import truncate

SECTION_MAX = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100

Block = dict[str, Any]


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, SECTION_MAX)}


def plain_text(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def section(text: str, *, accessory: dict[str, Any] | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id[:255]
    return block


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(t, 2000)} for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(text), "value": value[:150]}


def overflow(action_id: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "overflow", "action_id": action_id, "options": options[:5]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element = {"type": "button", "action_id": action_id, "text": plain_text(text), "value": value[:2000]}
    if style:
        element["style"] = style
    return element


def message(text: str, blocks: list[Block] | None = None, **extra: Any) -> dict[str, Any]:
    """A message payload: `text` is the notification fallback (escaped like the blocks)."""
    payload: dict[str, Any] = {"text": truncate(text, 3000)}
    if blocks is not None:
        payload["blocks"] = blocks[:MESSAGE_BLOCKS]
    payload.update(extra)
    return payload
