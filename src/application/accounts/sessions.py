"""Sessions: refresh-token rotation, logout and bearer-token authentication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.errors import InvalidToken
from application.operations.audit import NO_ORIGIN, Origin
from application.ports.cache import AuthStateCache
from application.ports.repositories import AuthState
from application.ports.security import (
    AccessTokenService,
    RefreshTokenCodec,
)
from application.ports.system import Clock, IdGenerator
from application.ports.uow import ReadUnitOfWork, UnitOfWork
from application.use_cases import AuditedWrite, Write
from application.views import Actor, TokenPair
from domain.audit import AuditKind
from domain.session import RefreshToken


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    refresh_ttl: timedelta


@dataclass(frozen=True, slots=True)
class SessionIssuer:
    """Shared by login and refresh: mint an access token and the next refresh token."""

    tokens: AccessTokenService
    codec: RefreshTokenCodec
    clock: Clock
    ids: IdGenerator
    policy: SessionPolicy

    async def issue(
        self, uow: UnitOfWork, user_id: UUID, token_version: int, family_id: UUID
    ) -> TokenPair:
        now = self.clock.now()
        secret = self.codec.generate()
        await uow.refresh_tokens.add(
            RefreshToken(
                id=self.ids.new(),
                family_id=family_id,
                user_id=user_id,
                token_hash=self.codec.digest(secret),
                created_at=now,
                expires_at=now + self.policy.refresh_ttl,
            )
        )
        access = self.tokens.issue(user_id, token_version, family_id)
        return TokenPair(
            access_token=access.token, refresh_token=secret, expires_in=access.expires_in
        )


@dataclass(frozen=True, slots=True)
class RefreshCommand:
    refresh_token: str
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class RefreshSession(AuditedWrite):
    """Rotate a refresh token: the presented one is spent and a new pair is returned.
    Presenting a spent token again revokes its whole family (RFC 9700 reuse detection);
    the revocation and its audit event are committed before the error is raised."""

    codec: RefreshTokenCodec
    issuer: SessionIssuer

    async def execute(self, cmd: RefreshCommand) -> TokenPair:
        refresh_token, origin, now = cmd.refresh_token, cmd.origin, self.clock.now()
        async with self.uow as uow:
            stored = await uow.refresh_tokens.get_by_hash(self.codec.digest(refresh_token))
            if stored is None or stored.revoked_at is not None or stored.is_expired(now):
                raise InvalidToken("The refresh token is not valid.")
            if stored.used_at is not None or not await uow.refresh_tokens.mark_used(stored.id, now):
                await uow.refresh_tokens.revoke_family(stored.family_id, now)
                await self.auditor.record(
                    uow,
                    AuditKind.REFRESH_TOKEN_REUSE_DETECTED,
                    origin,
                    subject_id=stored.user_id,
                    details={"session_id": str(stored.family_id)},
                )
                await uow.commit()
                raise InvalidToken("The refresh token was already used; the session is revoked.")
            user = await uow.users.get(stored.user_id)
            if user is None or not user.is_active:
                raise InvalidToken("The refresh token is not valid.")
            pair = await self.issuer.issue(uow, user.id, user.token_version, stored.family_id)
            await uow.commit()
        return pair


@dataclass(frozen=True, slots=True)
class LogoutCommand:
    refresh_token: str
    actor: Actor | None
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class Logout(AuditedWrite):
    """End the session of the refresh token and the session of the caller's access token
    (usually the same one). Every access token names its session, and authentication checks
    it, so ending the session is what makes the current access token stop working, on every
    replica and durably. Logging out twice, or with an unknown token, is not an error."""

    codec: RefreshTokenCodec

    async def execute(self, cmd: LogoutCommand) -> None:
        actor = cmd.actor
        async with self.uow as uow:
            stored = await uow.refresh_tokens.get_by_hash(self.codec.digest(cmd.refresh_token))
            # The sessions this logout ends, by owner; each is recorded if it was still live.
            ending: dict[UUID, set[UUID]] = {}
            if stored is not None:
                ending.setdefault(stored.user_id, set()).add(stored.family_id)
            if actor is not None and actor.session_id is not None:
                ending.setdefault(actor.user_id, set()).add(actor.session_id)
            if not ending:
                return
            now = self.clock.now()
            for owner, candidates in ending.items():
                sessions = {s for s in candidates if await uow.refresh_tokens.revoke_family(s, now)}
                if not sessions:  # all had ended before: a repeated logout is no event
                    continue
                await self.auditor.record(
                    uow,
                    AuditKind.LOGOUT,
                    cmd.origin,
                    actor_id=actor.user_id if actor is not None else None,
                    subject_id=owner,
                    details={
                        f"session_id{'' if i == 0 else f'_{i + 1}'}": str(session)
                        for i, session in enumerate(sorted(sessions, key=str))
                    },
                )
            await uow.commit()


@dataclass(frozen=True, slots=True)
class AccessTokenQuery:
    token: str  # the bearer token, as presented


@dataclass(frozen=True, slots=True)
class AuthenticateAccessToken:
    """Bearer token -> Actor. Rejects tokens that are forged or expired, older than the
    user's last password or email change, whose session (refresh-token family) was ended by
    logout or reuse detection, or whose user is gone or deactivated. The session check is
    what ends every access token of a session, durably and on every replica."""

    uow: ReadUnitOfWork
    tokens: AccessTokenService
    cache: AuthStateCache

    async def _state(self, user_id: UUID, session_id: UUID) -> AuthState | None:
        """The user's auth state, cached under the user's namespace: every user write and
        every session revocation bumps it after commit (see application.cache_policy)."""
        found = await self.cache.lookup(user_id, session_id)
        if found.state is not None:
            return found.state
        async with self.uow as uow:
            state = await uow.users.auth_state(user_id, session_id)
        if state is not None:
            await self.cache.store(user_id, session_id, found.generation, state)
        return state

    async def execute(self, query: AccessTokenQuery) -> Actor:
        claims = self.tokens.decode(query.token)
        state = await self._state(claims.user_id, claims.session_id)
        if (
            state is None
            or not state.is_active
            or not state.session_active
            or state.token_version != claims.token_version
        ):
            raise InvalidToken("The token is no longer valid.")
        return Actor(
            user_id=claims.user_id,
            is_admin=state.is_admin,
            session_id=claims.session_id,
        )


@dataclass(frozen=True, slots=True)
class PurgeExpiredSessions(Write):
    """Expired refresh tokens can never be used again; deleting them keeps the table small.
    Idempotent, so a cron that runs twice does no harm."""

    async def execute(self) -> int:
        async with self.uow as uow:
            purged = await uow.refresh_tokens.purge_expired(self.clock.now())
            await uow.commit()
        return purged
