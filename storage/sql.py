"""SQL helpers shared by the query modules."""

from __future__ import annotations

from sqlmodel import Session, SQLModel


def dialect_insert(session: Session, model: type[SQLModel]):
    """An INSERT with the backend's ON CONFLICT support (`.on_conflict_do_nothing()`, `.returning()`)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)
