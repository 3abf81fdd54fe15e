"""What Alembic compares against our models."""


def include_name(name, type_, parent_names) -> bool:
    """slack_sdk's OAuth store tables are defined by slack_sdk (migration 0003), not by our models."""
    return not (type_ == "table" and name and name.startswith("slack_"))
