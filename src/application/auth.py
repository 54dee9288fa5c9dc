"""Sessions: login, refresh-token rotation, logout and bearer-token authentication."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.errors import ConcurrentUpdate, InvalidCredentials, InvalidToken, RateLimited
from application.ports.cache import Cache, user_namespace
from application.ports.limits import Rate, RateDecision, RateLimiter
from application.ports.repositories import AuthState
from application.ports.security import (
    AccessTokenService,
    PasswordHasher,
    RefreshTokenCodec,
    RevokedAccessTokens,
)
from application.ports.system import Clock, IdGenerator
from application.ports.uow import UnitOfWork
from application.views import Actor, TokenPair
from domain.errors import InvalidEmail
from domain.session import RefreshToken
from domain.user import User
from domain.values import Email


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    refresh_ttl: timedelta


@dataclass(frozen=True, slots=True)
class LoginCommand:
    email: str
    password: str
    client: str = ""


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account_and_client: Rate  # strict: one client guessing one account
    per_account: Rate  # a far higher ceiling against guesses spread over many clients
    failures_per_client: Rate  # one client guessing many accounts


class SessionIssuer:
    """Shared by login and refresh: mint an access token and the next refresh token."""

    def __init__(
        self,
        tokens: AccessTokenService,
        codec: RefreshTokenCodec,
        clock: Clock,
        ids: IdGenerator,
        policy: SessionPolicy,
    ) -> None:
        self._tokens = tokens
        self._codec = codec
        self._clock = clock
        self._ids = ids
        self._policy = policy

    async def issue(
        self, uow: UnitOfWork, user_id: UUID, token_version: int, family_id: UUID
    ) -> TokenPair:
        now = self._clock.now()
        secret = self._codec.generate()
        await uow.refresh_tokens.add(
            RefreshToken(
                id=self._ids.new(),
                family_id=family_id,
                user_id=user_id,
                token_hash=self._codec.digest(secret),
                created_at=now,
                expires_at=now + self._policy.refresh_ttl,
            )
        )
        access = self._tokens.issue(user_id, token_version, family_id)
        return TokenPair(
            access_token=access.token, refresh_token=secret, expires_in=access.expires_in
        )


class Authenticate:
    """Email + password -> a new session. Unknown emails, wrong passwords and deactivated
    accounts get the same error after the same amount of hashing work. A hash made with old
    parameters is upgraded on a successful login.

    Order matters, so a blocked client cannot burn anyone's budget: a client over its
    failure limit is refused first, counting nothing. Then the attempt is counted (before any
    password is checked, so N parallel guesses never get more than the limit verified) per
    account-and-client, strictly, and per account, loosely: an attacker elsewhere cannot lock
    a user out at the strict limit. A success clears the account-and-client count; a failure
    counts against the client."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        issuer: SessionIssuer,
        clock: Clock,
        ids: IdGenerator,
        limiter: RateLimiter,
        limits: LoginLimits,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._issuer = issuer
        self._clock = clock
        self._ids = ids
        self._limiter = limiter
        self._limits = limits

    async def execute(self, cmd: LoginCommand) -> TokenPair:
        limits, account = self._limits, _account_of(cmd.email)
        client_key = f"login:client-failures:{cmd.client}"
        _refuse_unless(
            await self._limiter.peek(client_key, limits.failures_per_client),
            "login_client_failures",
        )
        pair_key = f"login:account-client:{account}|{cmd.client}"
        _refuse_unless(
            await self._limiter.hit(pair_key, limits.per_account_and_client),
            "login_account_client",
        )
        _refuse_unless(
            await self._limiter.hit(f"login:account:{account}", limits.per_account),
            "login_account",
        )
        try:
            pair = await self._login(cmd)
        except InvalidCredentials:
            await self._limiter.hit(client_key, limits.failures_per_client)
            raise
        await self._limiter.reset(pair_key)
        return pair

    async def _login(self, cmd: LoginCommand) -> TokenPair:
        try:
            email = Email(cmd.email)
        except InvalidEmail:
            await self._hasher.burn(cmd.password)
            raise InvalidCredentials() from None
        async with self._uow as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                await self._hasher.burn(cmd.password)
                raise InvalidCredentials()
            if not await self._hasher.verify(user.password_hash, cmd.password):
                raise InvalidCredentials()
            if not user.is_active:
                raise InvalidCredentials()
            if self._hasher.needs_rehash(user.password_hash):
                await self._upgrade_hash(uow, user, cmd.password)
            pair = await self._issuer.issue(uow, user.id, user.token_version, self._ids.new())
            await uow.commit()
        return pair

    async def _upgrade_hash(self, uow: UnitOfWork, user: User, password: str) -> None:
        version = user.version
        user.rehash_password(await self._hasher.hash(password), now=self._clock.now())
        # A concurrent login may have upgraded it first; then nothing is lost by skipping.
        with contextlib.suppress(ConcurrentUpdate):
            await uow.users.update(user, expected_version=version)


def _refuse_unless(decision: RateDecision, limit: str) -> None:
    if not decision.allowed:
        raise RateLimited("Too many login attempts.", decision.retry_after_seconds, limit)


def _account_of(raw_email: str) -> str:
    """The throttle key: the normalised address, so spelling variants share one limit."""
    try:
        return Email(raw_email).value
    except InvalidEmail:
        return raw_email.strip().lower()[:320]


class RefreshSession:
    """Rotate a refresh token: the presented one is spent and a new pair is returned.
    Presenting a spent token again revokes its whole family (RFC 9700 reuse detection)."""

    def __init__(
        self, uow: UnitOfWork, codec: RefreshTokenCodec, issuer: SessionIssuer, clock: Clock
    ) -> None:
        self._uow = uow
        self._codec = codec
        self._issuer = issuer
        self._clock = clock

    async def execute(self, refresh_token: str) -> TokenPair:
        now = self._clock.now()
        async with self._uow as uow:
            stored = await uow.refresh_tokens.get_by_hash(self._codec.digest(refresh_token))
            if stored is None or stored.revoked_at is not None or stored.is_expired(now):
                raise InvalidToken("The refresh token is not valid.")
            if stored.used_at is not None or not await uow.refresh_tokens.mark_used(stored.id, now):
                await uow.refresh_tokens.revoke_family(stored.family_id, now)
                await uow.commit()
                raise InvalidToken("The refresh token was already used; the session is revoked.")
            user = await uow.users.get(stored.user_id)
            if user is None or not user.is_active:
                raise InvalidToken("The refresh token is not valid.")
            pair = await self._issuer.issue(uow, user.id, user.token_version, stored.family_id)
            await uow.commit()
        return pair


@dataclass(frozen=True, slots=True)
class LogoutCommand:
    refresh_token: str
    actor: Actor | None


class Logout:
    """End a session: its refresh-token family and the caller's current access token.
    Logging out twice, or with an unknown token, is not an error."""

    def __init__(
        self,
        uow: UnitOfWork,
        codec: RefreshTokenCodec,
        revoked: RevokedAccessTokens,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._codec = codec
        self._revoked = revoked
        self._clock = clock

    async def execute(self, cmd: LogoutCommand) -> None:
        actor = cmd.actor
        if actor is not None and actor.access_jti and actor.access_expires_at:
            await self._revoked.revoke(actor.access_jti, actor.access_expires_at)
        async with self._uow as uow:
            stored = await uow.refresh_tokens.get_by_hash(self._codec.digest(cmd.refresh_token))
            if stored is not None:
                await uow.refresh_tokens.revoke_family(stored.family_id, self._clock.now())
                await uow.commit()


class AuthenticateAccessToken:
    """Bearer token -> Actor. Rejects tokens that are forged, expired, revoked by logout,
    older than the user's last password or email change, whose session (refresh-token
    family) was revoked, or whose user is gone or deactivated. The session check is what
    makes logout and reuse detection end every access token of that session, durably."""

    def __init__(
        self,
        uow: UnitOfWork,
        tokens: AccessTokenService,
        revoked: RevokedAccessTokens,
        cache: Cache,
        ttl_seconds: int,
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._revoked = revoked
        self._cache = cache
        self._ttl = ttl_seconds

    async def _state(self, user_id: UUID, session_id: UUID) -> AuthState | None:
        """The user's auth state, cached under the user's namespace: every user write and
        every session revocation bumps it after commit (see application.ports.cache)."""
        namespace, key = user_namespace(user_id), f"auth:{session_id}"
        found = await self._cache.lookup(namespace, key)
        if found.value is not None:
            active, admin, version, alive = found.value.decode().split("|")
            return AuthState(active == "1", admin == "1", int(version), alive == "1")
        async with self._uow as uow:
            state = await uow.users.auth_state(user_id, session_id)
        if state is not None:
            flags = (state.is_active, state.is_admin, state.token_version, state.session_active)
            value = "|".join(str(int(f)) for f in flags).encode()
            await self._cache.store(namespace, key, found.generation, value, self._ttl)
        return state

    async def execute(self, token: str) -> Actor:
        claims = self._tokens.decode(token)
        if await self._revoked.is_revoked(claims.jti):
            raise InvalidToken("The token has been revoked.")
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
            access_jti=claims.jti,
            access_expires_at=claims.expires_at,
        )


class PurgeExpiredSessions:
    """Expired refresh tokens can never be used again; deleting them keeps the table small.
    Idempotent, so a cron that runs twice does no harm."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self) -> int:
        async with self._uow as uow:
            purged = await uow.refresh_tokens.purge_expired(self._clock.now())
            await uow.commit()
        return purged
