"""The Idempotency-Key repository contract on the in-memory, SQLite and Postgres adapters (the
`backend` fixture of the repository contract), and the use cases that write keys with their
resources."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.system.clock import FrozenClock
from application.accounts.registration import RegisterUserCommand
from application.errors import EmailAlreadyRegistered, IdempotencyKeyInUse
from application.operations.idempotency import Idempotency
from application.ports.idempotency import IdempotencyKey, IdempotencyRecord, StoredResponse
from application.publishing.posts import CreatePostCommand
from application.views import Actor, PostView, UserView
from domain.user import User
from domain.values import Email, Name
from entrypoints.container import Container

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
DAY = timedelta(days=1)
KEY = IdempotencyKey("user:1", "/api/v1/posts", "k-1")
ANSWER = StoredResponse(201, {"location": "/api/v1/posts/1", "etag": '"1"'}, b'{"id": "\x00\xff"}')


def _record(
    key: IdempotencyKey = KEY, at: datetime = T0, fingerprint: str = "f" * 64
) -> IdempotencyRecord:
    return IdempotencyRecord(key, fingerprint, ANSWER, created_at=at, expires_at=at + DAY)


async def _add(backend: Container, record: IdempotencyRecord) -> None:
    async with backend.uow() as uow:
        await uow.idempotency_keys.add(record)
        await uow.commit()


async def _get(backend: Container, key: IdempotencyKey = KEY) -> IdempotencyRecord | None:
    async with backend.uow() as uow:
        return await uow.idempotency_keys.get(key)


async def test_a_record_round_trips_byte_for_byte(backend: Container) -> None:
    await _add(backend, _record())
    stored = await _get(backend)
    assert stored == _record()
    assert stored is not None
    assert stored.expires_at.tzinfo is not None


async def test_a_live_key_cannot_be_taken_again_and_nothing_changes(backend: Container) -> None:
    await _add(backend, _record())
    with pytest.raises(IdempotencyKeyInUse):
        await _add(backend, _record(at=T0 + DAY - timedelta(seconds=1), fingerprint="other"))
    assert await _get(backend) == _record()


async def test_an_expired_key_is_taken_over(backend: Container) -> None:
    await _add(backend, _record())
    later = _record(at=T0 + DAY, fingerprint="n" * 64)
    await _add(backend, later)
    assert await _get(backend) == later


async def test_keys_are_per_scope_and_path(backend: Container) -> None:
    await _add(backend, _record())
    await _add(backend, _record(IdempotencyKey("user:2", KEY.path, KEY.key)))
    await _add(backend, _record(IdempotencyKey(KEY.scope, "/api/v1/users", KEY.key)))
    assert await _get(backend, IdempotencyKey("user:3", KEY.path, KEY.key)) is None


async def test_a_key_is_rolled_back_with_its_transaction(backend: Container) -> None:
    async with backend.uow() as uow:
        await uow.idempotency_keys.add(_record())
    assert await _get(backend) is None


async def test_the_purge_deletes_expired_keys_in_batches(backend: Container) -> None:
    for i in range(5):
        await _add(backend, _record(IdempotencyKey("s", "/p", f"old-{i}"), at=T0 - 2 * DAY))
    await _add(backend, _record(IdempotencyKey("s", "/p", "live")))
    async with backend.uow() as uow:
        assert await uow.idempotency_keys.purge_expired(T0, limit=3) == 3
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.idempotency_keys.purge_expired(T0, limit=3) == 2
        await uow.commit()
    assert await _get(backend, IdempotencyKey("s", "/p", "live")) is not None
    assert await _get(backend, IdempotencyKey("s", "/p", "old-0")) is None


async def test_the_purge_job_empties_a_backlog_and_keeps_live_keys(
    backend: Container, clock: FrozenClock
) -> None:
    for i in range(5):
        await _add(backend, _record(IdempotencyKey("s", "/p", f"k{i}"), at=clock.now() - 2 * DAY))
    await _add(backend, _record(IdempotencyKey("s", "/p", "live"), at=clock.now()))
    assert await backend.purge_expired_idempotency_keys(batch=2).execute() == 5  # 3 batches
    assert await _get(backend, IdempotencyKey("s", "/p", "live")) is not None


def _render_post(view: PostView) -> StoredResponse:
    return StoredResponse(201, {"location": f"/posts/{view.id}"}, str(view.id).encode())


async def test_concurrent_creates_with_one_key_make_one_post(backend: Container) -> None:
    author = User.register(uuid.uuid4(), Email("a@x.io"), Name("A"), "hash", now=T0)
    async with backend.uow() as uow:
        await uow.users.add(author)
        await uow.commit()
    key = IdempotencyKey(f"user:{author.id}", "/api/v1/posts", "race")

    async def create() -> PostView | str:
        cmd = CreatePostCommand(
            actor=Actor(author.id, is_admin=False),
            title="t",
            body="b",
            idempotency=Idempotency(key, "fp", _render_post),
        )
        try:
            return await backend.create_post().execute(cmd)
        except IdempotencyKeyInUse:
            return "in use"

    outcomes = await asyncio.gather(*(create() for _ in range(6)))
    made = [o for o in outcomes if isinstance(o, PostView)]
    assert len(made) == 1
    assert outcomes.count("in use") == 5
    stored = await _get(backend, key)
    assert stored is not None
    assert stored.response.body == str(made[0].id).encode()
    async with backend.uow() as uow:
        assert await uow.posts.get(made[0].id) is not None


async def test_a_refused_registration_leaves_its_key_free(backend: Container) -> None:
    def render(view: UserView) -> StoredResponse:
        return StoredResponse(201, {}, str(view.id).encode())

    key = IdempotencyKey("client:c", "/api/v1/users", "signup")
    register = backend.register_user()
    await register.execute(RegisterUserCommand("taken@x.io", "correct horse battery", "T"))
    with pytest.raises(EmailAlreadyRegistered):
        await backend.register_user().execute(
            RegisterUserCommand(
                "TAKEN@x.io",
                "correct horse battery",
                "T",
                idempotency=Idempotency(key, "fp", render),
            )
        )
    assert await _get(backend, key) is None


async def test_concurrent_registrations_with_one_key_make_one_account(backend: Container) -> None:
    """The key is written before the address is checked, so a concurrent repeat meets the
    key (and replays it) rather than the account it made (a 409 on a retry)."""

    def render(view: UserView) -> StoredResponse:
        return StoredResponse(201, {}, str(view.id).encode())

    key = IdempotencyKey("address:a", "/api/v1/users", "signup")

    async def register() -> UserView | str:
        cmd = RegisterUserCommand(
            "racer@x.io", "correct horse battery", "R", idempotency=Idempotency(key, "fp", render)
        )
        try:
            return await backend.register_user().execute(cmd)
        except IdempotencyKeyInUse:
            return "in use"

    outcomes = await asyncio.gather(*(register() for _ in range(4)))
    made = [o for o in outcomes if isinstance(o, UserView)]
    assert len(made) == 1, outcomes
    assert outcomes.count("in use") == 3
    stored = await _get(backend, key)
    assert stored is not None
    assert stored.response.body == str(made[0].id).encode()
