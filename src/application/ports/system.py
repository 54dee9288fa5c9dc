from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new(self) -> UUID: ...


class ReadinessProbe(Protocol):
    async def ping(self) -> None:
        """Return when the dependency answers; raise when it does not."""
        ...
