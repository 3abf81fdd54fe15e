"""An injectable clock, so tests and the scheduler can move time without sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class FixedClock(Clock):
    """A clock that stands still until moved; for tests and the console's `--now`."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now


class MovableClock(Clock):
    """Real time until moved (the console's `:now`); `set(None)` goes back to real time."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now or datetime.now(UTC)

    def set(self, now: datetime | None) -> None:
        self._now = now

    @property
    def moved(self) -> bool:
        return self._now is not None
