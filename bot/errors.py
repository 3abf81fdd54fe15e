"""Errors that carry an answer for the person who typed or clicked; one error handler shows them."""


class UserError(Exception):
    """Bad input or a request the rules refuse. The message is shown as is (ephemeral); nothing changed."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the modal input to attach the message to, when there is one


class NoChecklist(UserError):
    def __init__(self) -> None:
        super().__init__(
            "There is no checklist in this channel yet. Start one with `/checklist start` "
            "(or `/checklist templates` to pick a workplan)."
        )


class Unavailable(Exception):
    """A dependency (the database) is down; the user is told to retry, nothing was changed."""
