"""SQL helpers shared by the query modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, SQLModel

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(session: Session, model: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with the backend's ON CONFLICT support (`.on_conflict_do_nothing()`, `.returning()`)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)
