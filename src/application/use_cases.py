"""Dependency sets that go together in use cases. A use case inherits the set it needs and
lists only what is its own; the container passes every dependency by name, so the order of
the fields does not matter to it.

    @dataclass(frozen=True, slots=True)
    class Logout(AuditedWrite):
        codec: RefreshTokenCodec
"""

from __future__ import annotations

from dataclasses import dataclass

from application.operations.audit import Auditor
from application.ports.system import Clock
from application.ports.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Write:
    """Writes in one unit of work, at the clock's time."""

    uow: UnitOfWork
    clock: Clock


@dataclass(frozen=True, slots=True)
class AuditedWrite(Write):
    """Writes, and records what it did in the audit log in the same transaction."""

    auditor: Auditor
