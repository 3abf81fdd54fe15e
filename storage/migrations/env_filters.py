"""What Alembic compares against our models."""


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """slack_sdk's OAuth store tables are defined by slack_sdk (migration 0003), not by our models."""
    return not (type_ == "table" and name and name.startswith("slack_"))
