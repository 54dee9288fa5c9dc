"""Idempotency-Key on POST /posts and POST /users: one key, one resource."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from dependency_injector import providers

from adapters.memory.uow import InMemoryUnitOfWork
from adapters.system.clock import FrozenClock
from application.errors import StoreUnavailable
from application.operations.idempotency import FindIdempotentReply, IdempotentReplyQuery
from application.ports.idempotency import StoredResponse
from entrypoints.container import Container
from tests.e2e.conftest import PASSWORD, Account, assert_problem, login

DRAFT = {"title": "Once", "body": "only once"}


def _drafts_of(container: Container, who: Account) -> int:
    """What the (in-memory) database holds, whatever the answers said."""
    return sum(str(p.author_id) == who.id for p in container.memory_db().state.posts.values())


class _Trip:
    armed = False


class _AnswerLostAfterCommit(InMemoryUnitOfWork):
    """The commit lands, then the connection is lost before the caller hears of it: the
    in-doubt write every database client can meet."""

    trip = _Trip()

    async def commit(self) -> None:
        await super().commit()
        if self.trip.armed:
            self.trip.armed = False
            raise StoreUnavailable("The database did not answer.")


async def test_a_create_whose_answer_was_lost_after_commit_is_replayed_on_retry(
    client: httpx.AsyncClient, ada: Account, container: Container
) -> None:
    container.memory_uow.override(
        providers.Factory(
            _AnswerLostAfterCommit,
            db=container.memory_db,
            ids=container.ids,
            cache=container.cache,
            signal=container.outbox_signal,
            skeletons=container.skeletons,
        )
    )
    headers = {**ada.auth, "Idempotency-Key": "in-doubt"}
    _AnswerLostAfterCommit.trip.armed = True
    lost = await client.post("/posts", json=DRAFT, headers=headers)
    assert_problem(lost, 503)
    retry = await client.post("/posts", json=DRAFT, headers=headers)
    assert retry.status_code == 201
    assert retry.headers.get("idempotent-replayed") == "true"
    assert _drafts_of(container, ada) == 1


async def test_concurrent_duplicates_make_one_post_and_replay_it(
    client: httpx.AsyncClient, ada: Account, container: Container
) -> None:
    headers = {**ada.auth, "Idempotency-Key": "twice-at-once"}
    answers = await asyncio.gather(
        *(client.post("/posts", json=DRAFT, headers=headers) for _ in range(3))
    )
    assert [r.status_code for r in answers] == [201, 201, 201]
    assert len({r.json()["id"] for r in answers}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in answers) == 2
    assert _drafts_of(container, ada) == 1


async def test_an_expired_key_makes_a_new_post(
    client: httpx.AsyncClient, ada: Account, container: Container, clock: FrozenClock
) -> None:
    headers = {**ada.auth, "Idempotency-Key": "day-old"}
    first = await client.post("/posts", json=DRAFT, headers=headers)
    clock.advance(timedelta(seconds=container.settings().idempotency_ttl_seconds + 1))
    fresh = await login(client, ada.email)  # the first access token has long expired
    headers["Authorization"] = f"Bearer {fresh['access_token']}"
    later = await client.post("/posts", json=DRAFT, headers=headers)
    assert later.status_code == 201
    assert "idempotent-replayed" not in later.headers
    assert later.json()["id"] != first.json()["id"]
    assert _drafts_of(container, ada) == 2


async def test_a_registration_is_replayed_without_counting_against_the_limit(
    client: httpx.AsyncClient,
) -> None:
    body = {"email": "idem@example.com", "password": PASSWORD, "name": "I"}
    first = await client.post("/users", json=body, headers={"Idempotency-Key": "reg"})
    assert first.status_code == 201
    for _ in range(25):  # more than the 20 registrations a client may make an hour
        again = await client.post("/users", json=body, headers={"Idempotency-Key": "reg"})
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers.get("idempotent-replayed") == "true"
    other = {**body, "name": "Someone else"}
    assert_problem(await client.post("/users", json=other, headers={"Idempotency-Key": "reg"}), 422)


class _LaggingReads(FindIdempotentReply):
    """Reads that do not see the latest commits yet (a lagging read replica)."""

    async def execute(self, query: IdempotentReplyQuery) -> StoredResponse | None:
        return None


async def test_a_key_held_by_an_answer_that_cannot_be_read_yet_is_409_and_makes_nothing(
    client: httpx.AsyncClient, ada: Account, container: Container
) -> None:
    headers = {**ada.auth, "Idempotency-Key": "lagging"}
    assert (await client.post("/posts", json=DRAFT, headers=headers)).status_code == 201
    container.find_idempotent_reply.override(
        providers.Factory(_LaggingReads, uow=container.read_uow, clock=container.clock)
    )
    assert_problem(await client.post("/posts", json=DRAFT, headers=headers), 409)
    assert _drafts_of(container, ada) == 1
