"""The audit repository contract on the in-memory, SQLite and Postgres adapters (the
`backend` fixture of the repository contract), and the audit rows real transactions keep."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.system.clock import FrozenClock
from application.accounts.login import LoginCommand
from application.accounts.registration import RegisterUserCommand
from application.accounts.sessions import RefreshCommand
from application.errors import InvalidCredentials, InvalidToken
from application.operations.audit import Origin
from application.ports.audit import AuditFilter
from application.ports.repositories import Keyset
from domain.audit import AuditEvent, AuditKind
from entrypoints.container import Container

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
ADA, BOB, ROOT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _event(kind: AuditKind, at: datetime, **fields: Any) -> AuditEvent:
    return AuditEvent(id=uuid.uuid4(), occurred_at=at, kind=kind, **fields)


async def _add(backend: Container, *events: AuditEvent) -> None:
    async with backend.uow() as uow:
        for event in events:
            await uow.audit.add(event)
        await uow.commit()


async def _list(backend: Container, **where: Any) -> list[AuditEvent]:
    async with backend.uow() as uow:
        return list(await uow.audit.list(AuditFilter(**where), after=None, limit=100))


async def test_audit_events_round_trip(backend: Container) -> None:
    full = _event(
        AuditKind.ADMIN_USER_UPDATED,
        T0,
        actor_id=ROOT,
        subject_id=ADA,
        client="2001:db8:1:2::/64",
        request_id="r" * 128,
        details={"fields": ["is_active", "name"], "is_active": False, "count": 3, "x": None},
    )
    bare = _event(AuditKind.DEAD_JOBS_REQUEUED, T0 + timedelta(seconds=1))
    await _add(backend, full, bare)
    assert await _list(backend) == [bare, full]
    [stored] = await _list(backend, kind=AuditKind.ADMIN_USER_UPDATED)
    assert stored.occurred_at.tzinfo is not None
    assert stored.details["fields"] == ["is_active", "name"]


async def test_audit_events_page_newest_first_with_ties_broken_by_id(backend: Container) -> None:
    events = [_event(AuditKind.LOGOUT, T0 + timedelta(seconds=i // 2)) for i in range(7)]
    await _add(backend, *events)
    expected = sorted(events, key=lambda e: (e.occurred_at, e.id), reverse=True)
    seen: list[AuditEvent] = []
    after = None
    async with backend.uow() as uow:
        while page := await uow.audit.list(AuditFilter(), after=after, limit=3):
            seen += page
            after = Keyset(page[-1].occurred_at, page[-1].id)
    assert [e.id for e in seen] == [e.id for e in expected]


async def test_audit_filters_narrow_and_combine(backend: Container) -> None:
    events = [
        _event(AuditKind.LOGIN_FAILED, T0, subject_id=ADA),
        _event(AuditKind.LOGIN_FAILED, T0 + timedelta(seconds=1), subject_id=BOB),
        _event(
            AuditKind.ADMIN_USER_DELETED, T0 + timedelta(seconds=2), actor_id=ROOT, subject_id=BOB
        ),
        _event(AuditKind.LOGIN_SUCCEEDED, T0 + timedelta(seconds=3), subject_id=ADA),
    ]
    await _add(backend, *events)

    def ids(found: list[AuditEvent]) -> list[int]:
        return [events.index(e) for e in found]

    assert ids(await _list(backend, kind=AuditKind.LOGIN_FAILED)) == [1, 0]
    assert ids(await _list(backend, subject_id=BOB)) == [2, 1]
    assert ids(await _list(backend, actor_id=ROOT)) == [2]
    assert ids(await _list(backend, subject_id=ADA, kind=AuditKind.LOGIN_SUCCEEDED)) == [3]
    window = {"since": T0 + timedelta(seconds=1), "until": T0 + timedelta(seconds=3)}
    assert ids(await _list(backend, **window)) == [2, 1]  # since inclusive, until exclusive
    assert await _list(backend, subject_id=uuid.uuid4()) == []


async def test_audit_events_roll_back_with_their_transaction(backend: Container) -> None:
    async with backend.uow() as uow:
        await uow.audit.add(_event(AuditKind.LOGOUT, T0))
    assert await _list(backend) == []


async def test_old_audit_events_are_purged(backend: Container) -> None:
    old, new = _event(AuditKind.LOGOUT, T0), _event(AuditKind.LOGOUT, T0 + timedelta(days=2))
    await _add(backend, old, new)
    async with backend.uow() as uow:
        assert await uow.audit.purge(T0 + timedelta(days=1)) == 1
        await uow.commit()
    assert await _list(backend) == [new]


async def test_failures_are_kept_although_their_use_case_raised(
    backend: Container, clock: FrozenClock
) -> None:
    """On a real database: the failed login's own transaction rolls back, its audit row is
    committed apart; a reuse is committed with the revocation before the error is raised."""
    view = await backend.register_user().execute(
        RegisterUserCommand("a@x.io", "long password", "A")
    )
    with pytest.raises(InvalidCredentials):
        await backend.authenticate().execute(
            LoginCommand("a@x.io", "wrong password", Origin("10.0.0.1"))
        )
    clock.advance(timedelta(seconds=1))
    pair = await backend.authenticate().execute(LoginCommand("a@x.io", "long password"))
    clock.advance(timedelta(seconds=1))
    await backend.refresh_session().execute(RefreshCommand(pair.refresh_token))
    with pytest.raises(InvalidToken):
        await backend.refresh_session().execute(RefreshCommand(pair.refresh_token))
    kinds = [e.kind for e in await _list(backend, subject_id=view.id)]
    assert kinds == [
        AuditKind.REFRESH_TOKEN_REUSE_DETECTED,
        AuditKind.LOGIN_SUCCEEDED,
        AuditKind.LOGIN_FAILED,
    ]
    [failed] = await _list(backend, kind=AuditKind.LOGIN_FAILED)
    assert (failed.client, failed.details) == ("10.0.0.1", {"reason": "wrong_password"})
