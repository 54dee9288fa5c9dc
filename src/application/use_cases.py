"""Dependency sets that many use cases share, as base dataclasses: a use case that is one
of these says so by subclassing, and adds only what is its own."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.system import Clock
from application.ports.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class TimedChange:
    """A change made in one unit of work, stamped with the clock's time."""

    uow: UnitOfWork
    clock: Clock
