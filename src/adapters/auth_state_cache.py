"""A user's auth state per session, stored in whichever Cache the deployment has (in
process or Redis), under the user's namespace (application/cache_policy.py)."""

from __future__ import annotations

from uuid import UUID

from application.cache_policy import user_namespace
from application.ports.cache import AuthStateCache, AuthStateLookup, Cache, CacheLookup
from application.ports.repositories import AuthState


class CachedAuthStates(AuthStateCache):
    """Encodes a state as b"active|admin|token_version|session_alive" (flags as 0/1): the
    format is this class's alone; replicas that share a cache share this code."""

    def __init__(self, cache: Cache, ttl_seconds: int) -> None:
        self._cache = cache
        self._ttl = ttl_seconds

    async def lookup(self, user_id: UUID, session_id: UUID) -> AuthStateLookup:
        found = await self._cache.lookup(user_namespace(user_id), f"auth:{session_id}")
        if found.value is None:
            return AuthStateLookup(None, found.generation)
        active, admin, version, alive = found.value.decode().split("|")
        state = AuthState(active == "1", admin == "1", int(version), alive == "1")
        return AuthStateLookup(state, found.generation)

    async def store(
        self, user_id: UUID, session_id: UUID, generation: str, state: AuthState
    ) -> None:
        flags = (state.is_active, state.is_admin, state.token_version, state.session_active)
        value = "|".join(str(int(f)) for f in flags).encode()
        slot = CacheLookup(None, generation, user_namespace(user_id), f"auth:{session_id}")
        await self._cache.store(slot, value, self._ttl)
