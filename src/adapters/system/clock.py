from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from application.ports.system import Clock, IdGenerator


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that moves only when told to; for tests."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class Uuid4Generator(IdGenerator):
    def new(self) -> uuid.UUID:
        return uuid.uuid4()
