"""HTTP page caching, in one place: which responses are cached under which namespaces and
keys (the functions at the end; routers call them), and the cache-aside itself, with
single-flight per entry in this process (a burst of misses for one entry costs one database
load, not one per request). What retires a namespace: application/cache_policy.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

from application.cache_policy import (
    PUBLISHED_POSTS,
    feed_namespace,
    post_namespace,
    user_namespace,
)
from application.ports.cache import Cache, CacheLookup

Load = Callable[[], Awaitable[bytes]]

MAX_CACHED_BYTES = 256 * 1024  # bigger answers are served, not cached
# The shape of the cached bytes. Replicas of two releases share one Redis during a rolling
# deploy: bumped whenever a response shape changes (2: posts carry `version`, users have a
# public view), so a new replica never serves an old replica's bytes, nor the reverse.
RESPONSE_FORMAT = "2"


class ReadThrough:
    def __init__(self, cache: Cache, ttl_seconds: int) -> None:
        self._cache = cache
        self._ttl = ttl_seconds
        self._inflight: dict[tuple[str, str, str], asyncio.Task[bytes]] = {}

    async def get(
        self,
        namespace: str,
        key: str,
        load: Callable[[], Awaitable[bytes]],
        also: Sequence[str] = (),
    ) -> bytes:
        """The cached bytes, or `load()`'s, stored under the generation seen before loading.
        Errors from `load` (e.g. NotFound) reach every waiter and are not cached. The load
        runs as a task of its own: a waiter that goes away (its client disconnected) cancels
        neither the load nor the other waiters."""
        key = f"{RESPONSE_FORMAT}:{key}"
        found = await self._cache.lookup(namespace, key, also)
        if found.value is not None:
            return found.value
        slot = (namespace, found.generation, key)
        task = self._inflight.get(slot)
        if task is None:
            loading = self._load(slot, found, load)
            task = asyncio.get_running_loop().create_task(loading)
            task.add_done_callback(_retrieved)
            self._inflight[slot] = task
        return await asyncio.shield(task)

    async def _load(
        self,
        slot: tuple[str, str, str],
        found: CacheLookup,
        load: Callable[[], Awaitable[bytes]],
    ) -> bytes:
        try:
            value = await load()
        finally:
            self._inflight.pop(slot, None)
        if len(value) <= MAX_CACHED_BYTES:
            await self._cache.store(found, value, self._ttl)
        return value


def _retrieved(task: asyncio.Task[bytes]) -> None:
    """A load whose every waiter went away still ends quietly."""
    if not task.cancelled():
        task.exception()


# The helpers below return the awaitable of `ReadThrough.get`: no coroutine of their own on
# the read path.


def _page_key(cursor: str | None) -> str:
    return "first" if cursor is None else f"after:{cursor}"  # `?cursor=` is not the first page


def published_page(pages: ReadThrough, cursor: str | None, load: Load) -> Awaitable[bytes]:
    """A page of the public list. Any change to a published post retires them all."""
    return pages.get(PUBLISHED_POSTS, _page_key(cursor), load)


def feed_page(
    pages: ReadThrough, reader_id: UUID, cursor: str | None, load: Load
) -> Awaitable[bytes]:
    """A page of one reader's feed: retired by their follows and unfollows, and by any change
    to a published post."""
    return pages.get(feed_namespace(reader_id), _page_key(cursor), load, also=(PUBLISHED_POSTS,))


def public_post(pages: ReadThrough, post_id: UUID, load: Load) -> Awaitable[bytes]:
    return pages.get(post_namespace(post_id), "", load)


def user_view(pages: ReadThrough, user_id: UUID, shape: str, load: Load) -> Awaitable[bytes]:
    """One entry per shape, in the user's namespace, so a change retires both."""
    return pages.get(user_namespace(user_id), shape, load)
