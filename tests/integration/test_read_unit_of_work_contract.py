"""A read unit of work refuses writes the same way on memory, SQLite and Postgres, so a use
case wired to the wrong kind fails in `make test` as it would in production."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from application.ports.uow import WriteInReadUnitOfWork
from domain.post import Post
from domain.user import User
from domain.values import Body, Email, Name, Title
from entrypoints.container import Container

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def test_a_read_unit_of_work_reads_and_refuses_every_write(backend: Container) -> None:
    ada = User.register(uuid.uuid4(), Email("ada@x.io"), Name("Ada"), "h", now=T0)
    async with backend.uow() as uow:
        await uow.users.add(ada)
        await uow.commit()
    post = Post.draft(uuid.uuid4(), ada.id, Title("t"), Body("b"), now=T0)
    async with backend.read_uow() as reads:
        assert not hasattr(reads, "commit")
        stored = await reads.users.get(ada.id)
        assert stored is not None
        with pytest.raises(WriteInReadUnitOfWork):
            await reads.posts.add(post)
        stored.rename(Name("Other"), now=T0)
        with pytest.raises(WriteInReadUnitOfWork):
            await reads.users.update(stored, expected_version=ada.version)
        with pytest.raises(WriteInReadUnitOfWork):
            await reads.users.delete(ada.id)
    async with backend.read_uow() as reads:
        assert await reads.posts.get(post.id) is None
        again = await reads.users.get(ada.id)
        assert again is not None
        assert again.name == Name("Ada")
