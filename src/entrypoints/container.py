"""The one composition root: picks adapters from settings and builds use cases.

Infrastructure clients are sync-constructed singletons (creating an engine does no I/O), so
the container never turns async; `shutdown()` closes them. A unit of work is a Factory:
one per use-case call. Tests override providers instead of constructing adapters.
"""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.memory.revocations import InProcessRevokedAccessTokens
from adapters.memory.store import MemoryDatabase
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.security.argon2_hasher import Argon2PasswordHasher
from adapters.security.jwt_tokens import JwtAccessTokenService, Sha256RefreshTokenCodec
from adapters.sqlalchemy.engine import EngineOptions, SqlAlchemyProbe, create_engine
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from adapters.system.clock import SystemClock, Uuid4Generator
from application import auth, follows, posts, users
from entrypoints.settings import Settings, resolve_jwt_secret


class MemoryProbe:
    async def ping(self) -> None:
        return None


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid4Generator)

    hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.argon2_time_cost,
        memory_cost=settings.provided.argon2_memory_cost_kib,
        parallelism=settings.provided.argon2_parallelism,
        max_workers=settings.provided.argon2_max_threads,
    )
    jwt_secret = providers.Singleton(resolve_jwt_secret, settings)
    access_tokens = providers.Singleton(
        JwtAccessTokenService,
        secret=jwt_secret,
        issuer=settings.provided.jwt_issuer,
        audience=settings.provided.jwt_audience,
        ttl=providers.Factory(timedelta, seconds=settings.provided.access_token_ttl_seconds),
        clock=clock,
    )
    refresh_codec = providers.Singleton(Sha256RefreshTokenCodec)
    revoked_tokens = providers.Singleton(InProcessRevokedAccessTokens, clock=clock)
    session_policy = providers.Singleton(
        auth.SessionPolicy,
        refresh_ttl=providers.Factory(timedelta, days=settings.provided.refresh_token_ttl_days),
    )

    memory_db = providers.Singleton(MemoryDatabase)
    engine = providers.Singleton(
        create_engine,
        settings.provided.database_url,
        providers.Factory(
            EngineOptions,
            pool_size=settings.provided.db_pool_size,
            max_overflow=settings.provided.db_max_overflow,
            pool_timeout=settings.provided.db_pool_timeout_seconds,
            statement_timeout_ms=settings.provided.db_statement_timeout_ms,
        ),
    )
    uow = providers.Selector(
        settings.provided.persistence,
        memory=providers.Factory(InMemoryUnitOfWork, db=memory_db, ids=ids),
        sqlalchemy=providers.Factory(SqlAlchemyUnitOfWork, engine=engine, ids=ids),
    )
    database_probe = providers.Selector(
        settings.provided.persistence,
        memory=providers.Singleton(MemoryProbe),
        sqlalchemy=providers.Singleton(SqlAlchemyProbe, engine=engine),
    )

    session_issuer = providers.Singleton(
        auth.SessionIssuer,
        tokens=access_tokens,
        codec=refresh_codec,
        clock=clock,
        ids=ids,
        policy=session_policy,
    )
    authenticate = providers.Factory(
        auth.Authenticate, uow=uow, hasher=hasher, issuer=session_issuer, clock=clock, ids=ids
    )
    refresh_session = providers.Factory(
        auth.RefreshSession, uow=uow, codec=refresh_codec, issuer=session_issuer, clock=clock
    )
    logout = providers.Factory(
        auth.Logout, uow=uow, codec=refresh_codec, revoked=revoked_tokens, clock=clock
    )
    purge_expired_sessions = providers.Factory(auth.PurgeExpiredSessions, uow=uow, clock=clock)
    authenticate_access_token = providers.Factory(
        auth.AuthenticateAccessToken, uow=uow, tokens=access_tokens, revoked=revoked_tokens
    )

    register_user = providers.Factory(
        users.RegisterUser, uow=uow, hasher=hasher, clock=clock, ids=ids
    )
    get_user = providers.Factory(users.GetUser, uow=uow)
    list_users = providers.Factory(users.ListUsers, uow=uow)
    update_user = providers.Factory(users.UpdateUser, uow=uow, hasher=hasher, clock=clock)
    delete_user = providers.Factory(users.DeleteUser, uow=uow)

    follow_user = providers.Factory(follows.FollowUser, uow=uow, clock=clock)
    unfollow_user = providers.Factory(follows.UnfollowUser, uow=uow)

    create_post = providers.Factory(posts.CreatePost, uow=uow, clock=clock, ids=ids)
    get_post = providers.Factory(posts.GetPost, uow=uow)
    update_post = providers.Factory(posts.UpdatePost, uow=uow, clock=clock)
    publish_post = providers.Factory(posts.PublishPost, uow=uow, clock=clock)
    delete_post = providers.Factory(posts.DeletePost, uow=uow)
    list_posts = providers.Factory(posts.ListPosts, uow=uow)
    get_feed = providers.Factory(posts.GetFeed, uow=uow)


def build_container(settings: Settings | None = None) -> Container:
    return Container(settings=settings or Settings())


async def shutdown(container: Container) -> None:
    """Close what the container opened. Safe to call when nothing was opened."""
    if container.settings().persistence == "sqlalchemy":
        await container.engine().dispose()
    container.hasher().close()
