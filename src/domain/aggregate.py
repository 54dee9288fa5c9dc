from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from domain.events import DomainEvent


@dataclass(eq=False, kw_only=True)
class Aggregate:
    """An entity with identity (equality by id) that records the events it raises."""

    id: UUID
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def pull_events(self) -> list[DomainEvent]:
        events, self.events = self.events, []
        return events
