"""Action, block and callback ids in one place, never as scattered string literals."""

from enum import StrEnum


class Action(StrEnum):
    ITEM_MENU = "item_menu"  # overflow menu on an item in the status message
    REFRESH = "status_refresh"
    SIGNOFF_APPROVE = "signoff_approve"  # value: payloads.SignoffPick
    SIGNOFF_REJECT = "signoff_reject"  # value: payloads.SignoffPick; opens the reason modal
    HOME_DONE = "home_done"  # Mark done on the App Home; value: payloads.HomeDone


class MenuChoice(StrEnum):
    """The choice of an item's overflow option (its value is a `payloads.MenuPick`)."""

    DONE = "done"
    UNDO = "undo"
    ASSIGN = "assign"
    DUE = "due"
    NOTE = "note"
    REASON = "reason"
    SHOW = "show"
    SIGNOFF = "signoff"


class View(StrEnum):
    ASSIGN = "item_assign"
    DUE = "item_due"
    NOTE = "item_note"
    SIGNOFF_REASON = "signoff_reason"  # private_metadata: payloads.ReasonForm


class Input(StrEnum):
    """block_id / action_id of modal inputs (the same string for both)."""

    OWNER = "owner"
    DUE = "due_date"
    NOTE = "note"
    REASON = "reason"

# Button values, option values, block ids and private_metadata: typed, in bot.slack.payloads.
