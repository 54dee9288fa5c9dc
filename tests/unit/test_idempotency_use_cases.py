from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.system.clock import FrozenClock
from application.accounts.registration import RegisterUserCommand
from application.errors import IdempotencyKeyReused
from application.operations.idempotency import Idempotency, IdempotentReplyQuery
from application.ports.idempotency import IdempotencyKey, StoredResponse
from application.publishing.posts import CreatePostCommand
from application.views import Actor, PostView
from entrypoints.container import Container

KEY = IdempotencyKey("user:u", "/api/v1/posts", "k")


def _render(view: PostView) -> StoredResponse:
    return StoredResponse(201, {"location": f"/posts/{view.id}"}, str(view.id).encode())


async def _create_with_key(container: Container, fingerprint: str = "fp") -> PostView:
    author = await container.register_user().execute(
        RegisterUserCommand(f"{fingerprint}@x.io", "correct horse battery", "A")
    )
    cmd = CreatePostCommand(
        Actor(author.id, is_admin=False), "t", "b", Idempotency(KEY, fingerprint, _render)
    )
    return await container.create_post().execute(cmd)


async def test_a_stored_answer_is_found_and_another_request_under_its_key_refused(
    container: Container,
) -> None:
    view = await _create_with_key(container)
    found = await container.find_idempotent_reply().execute(IdempotentReplyQuery(KEY, "fp"))
    assert found == _render(view)
    with pytest.raises(IdempotencyKeyReused):
        await container.find_idempotent_reply().execute(
            IdempotentReplyQuery(KEY, "another request")
        )


async def test_an_expired_answer_is_not_replayed(container: Container, clock: FrozenClock) -> None:
    await _create_with_key(container)
    clock.advance(timedelta(seconds=container.settings().idempotency_ttl_seconds))
    assert (
        await container.find_idempotent_reply().execute(
            IdempotentReplyQuery(KEY, "another request")
        )
        is None
    )


async def test_the_hourly_purge_deletes_expired_keys_and_keeps_live_ones(
    container: Container, clock: FrozenClock
) -> None:
    from entrypoints.worker import purge_expired_tokens

    await _create_with_key(container)
    clock.advance(timedelta(hours=23))
    assert await purge_expired_tokens({"container": container}) == 0
    assert (
        await container.find_idempotent_reply().execute(IdempotentReplyQuery(KEY, "fp")) is not None
    )
    clock.advance(timedelta(hours=1))
    assert await purge_expired_tokens({"container": container}) == 1
    assert container.memory_db().state.idempotency_keys == {}
