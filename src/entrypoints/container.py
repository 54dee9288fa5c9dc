"""The one composition root: picks adapters from settings and builds use cases.

Infrastructure clients are sync-constructed singletons (creating an engine does no I/O), so
the container never turns async; `shutdown()` closes them. A unit of work is a Factory:
one per use-case call. Tests override providers instead of constructing adapters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID

from dependency_injector import containers, providers

from adapters.arq.queue import ArqJobQueue, create_arq_redis
from adapters.email.senders import ConsoleEmailSender, MemoryEmailSender, SmtpEmailSender
from adapters.memory.cache import InProcessCache
from adapters.memory.jobs import InProcessJobQueue, InProcessOutboxSignal, RecordingJobQueue
from adapters.memory.limits import InProcessRateLimiter
from adapters.memory.outbox_stats import InMemoryOutboxStats
from adapters.memory.store import MemoryDatabase
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.redis.cache import RedisCache
from adapters.redis.circuit import RedisCircuit, create_redis
from adapters.redis.limits import RedisRateLimiter
from adapters.redis.pipelined import PipelinedRedis
from adapters.security.argon2_hasher import Argon2PasswordHasher
from adapters.security.device_tokens import HmacDeviceTokens
from adapters.security.fingerprints import HmacFingerprints
from adapters.security.jwt_tokens import (
    HmacOneTimeTokens,
    JwtAccessTokenService,
    Sha256RefreshTokenCodec,
)
from adapters.sqlalchemy.engine import (
    ConnectionGate,
    EngineOptions,
    SqlAlchemyProbe,
    autocommit,
    create_engine,
    dispose,
    single_statement,
)
from adapters.sqlalchemy.outbox_stats import SqlAlchemyOutboxStats
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from adapters.system.clock import SystemClock, Uuid4Generator
from adapters.text.skeletons import Uts39Skeleton
from application import (
    audit,
    emails,
    follows,
    idempotency,
    jobs,
    notifications,
    posts,
)
from application.accounts import (
    changes,
    editing,
    email_flows,
    login,
    profiles,
    registration,
    sessions,
)
from application.accounts.login_throttle import LoginLimits, LoginThrottle
from application.pagination import Cursors
from application.ports.limits import Rate
from entrypoints.http.caching import ReadThrough
from entrypoints.observability.metrics import MeteredCache, Metrics
from entrypoints.settings import Settings, cursor_key, device_token_key, resolve_jwt_secret


def _handler(
    make: Callable[[], jobs.HandleOutboxMessage],
) -> Callable[[UUID], Awaitable[None]]:
    async def handle(message_id: UUID) -> None:
        await make().execute(message_id)

    return handle


def _dead_recorder(
    make: Callable[[], jobs.RecordDeadMessage],
) -> Callable[[UUID, str, int], Awaitable[None]]:
    async def record(message_id: UUID, error: str, attempts: int) -> None:
        await make().execute(message_id, error, attempts)

    return record


class MemoryProbe:
    async def ping(self) -> None:
        return None


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid4Generator)
    metrics = providers.Singleton(Metrics)

    hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.argon2_time_cost,
        memory_cost=settings.provided.argon2_memory_cost_kib,
        parallelism=settings.provided.argon2_parallelism,
        max_workers=settings.provided.argon2_max_threads,
    )
    jwt_secret = providers.Singleton(resolve_jwt_secret, settings)
    cursors = providers.Singleton(Cursors, key=providers.Callable(cursor_key, jwt_secret))
    access_tokens = providers.Singleton(
        JwtAccessTokenService,
        secret=jwt_secret,
        issuer=settings.provided.jwt_issuer,
        audience=settings.provided.jwt_audience,
        ttl=providers.Factory(timedelta, seconds=settings.provided.access_token_ttl_seconds),
        clock=clock,
    )
    refresh_codec = providers.Singleton(Sha256RefreshTokenCodec)
    fingerprints = providers.Singleton(HmacFingerprints, secret=jwt_secret)
    # What an Idempotency-Key remembers of its request: a registration's body holds the
    # password, so never an unkeyed hash anyone with the table could test guesses against;
    # all 64 digits, since two requests alike would share one answer.
    request_fingerprints = providers.Singleton(
        HmacFingerprints, secret=jwt_secret, purpose="inkwell idempotency requests", digits=64
    )
    skeletons = providers.Singleton(Uts39Skeleton)
    device_tokens = providers.Singleton(
        HmacDeviceTokens,
        key=providers.Callable(device_token_key, jwt_secret),
        clock=clock,
        ttl=providers.Factory(timedelta, days=settings.provided.login_device_ttl_days),
    )
    auditor = providers.Singleton(audit.Auditor, clock=clock, ids=ids)
    idempotency_keys = providers.Singleton(
        idempotency.IdempotencyKeys,
        clock=clock,
        keep=providers.Factory(timedelta, seconds=settings.provided.idempotency_ttl_seconds),
    )

    # Shared state: Redis when INKWELL_REDIS_URL is set, else this process. The in-process
    # stores double as the fallbacks while Redis is unreachable (never "no limit").
    # Idempotency-Keys are not among them: they live in the database (see application.idempotency).
    redis_circuit = providers.Singleton(
        RedisCircuit,
        client=providers.Singleton(
            create_redis,
            settings.provided.redis_url,
            timeout=settings.provided.redis_timeout_seconds,
            max_connections=settings.provided.redis_max_connections,
        ),
        timeout=settings.provided.redis_timeout_seconds,
        cooldown=settings.provided.redis_cooldown_seconds,
    )
    local_rate_limiter = providers.Singleton(InProcessRateLimiter, clock=clock)
    rate_limiter = providers.Selector(
        settings.provided.shared_state,
        local=local_rate_limiter,
        redis=providers.Singleton(
            RedisRateLimiter,
            circuit=redis_circuit,
            prefix=settings.provided.redis_key_prefix,
            fallback=local_rate_limiter,
        ),
    )
    raw_cache = providers.Selector(
        settings.provided.shared_state,
        local=providers.Singleton(InProcessCache, clock=clock),
        redis=providers.Singleton(
            RedisCache,
            circuit=redis_circuit,
            redis=providers.Singleton(
                PipelinedRedis,
                settings.provided.redis_url,
                timeout=settings.provided.redis_timeout_seconds,
            ),
            prefix=settings.provided.redis_key_prefix,
            retry_seconds=settings.provided.redis_cooldown_seconds,
        ),
    )
    cache = providers.Singleton(MeteredCache, inner=raw_cache, metrics=metrics)
    read_through = providers.Singleton(
        ReadThrough, cache=cache, ttl_seconds=settings.provided.cache_ttl_seconds
    )
    login_limits = providers.Singleton(
        LoginLimits,
        per_account_and_client=providers.Factory(
            Rate,
            settings.provided.login_attempts_per_account_and_client,
            settings.provided.login_window_seconds,
        ),
        per_account=providers.Factory(
            Rate,
            settings.provided.login_attempts_per_account,
            settings.provided.login_window_seconds,
        ),
        failures_per_client=providers.Factory(
            Rate,
            settings.provided.login_failures_per_client,
            settings.provided.login_window_seconds,
        ),
        failures_per_device=providers.Factory(
            Rate,
            settings.provided.login_failures_per_device,
            settings.provided.login_window_seconds,
        ),
        failures_per_account_devices=providers.Factory(
            Rate,
            settings.provided.login_failures_per_account_devices,
            settings.provided.login_window_seconds,
        ),
    )
    registrations_per_client = providers.Singleton(
        Rate,
        settings.provided.registrations_per_client,
        settings.provided.registration_window_seconds,
    )
    session_policy = providers.Singleton(
        sessions.SessionPolicy,
        refresh_ttl=providers.Factory(timedelta, days=settings.provided.refresh_token_ttl_days),
    )

    outbox_signal = providers.Singleton(InProcessOutboxSignal)
    memory_db = providers.Singleton(MemoryDatabase)
    engine = providers.Singleton(
        create_engine,
        settings.provided.database_url,
        providers.Factory(
            EngineOptions,
            pool_size=settings.provided.db_pool_size,
            max_overflow=settings.provided.db_max_overflow,
            pool_timeout=settings.provided.db_pool_timeout_seconds,
            connect_timeout=settings.provided.db_connect_timeout_seconds,
            statement_timeout_ms=settings.provided.db_statement_timeout_ms,
            command_timeout=settings.provided.db_command_timeout_seconds,
        ),
    )
    # Units of work queue for a pooled connection at this gate, never inside the pool.
    db_gate = providers.Singleton(
        ConnectionGate,
        size=providers.Callable(
            int.__add__, settings.provided.db_pool_size, settings.provided.db_max_overflow
        ),
        timeout=settings.provided.db_pool_timeout_seconds,
    )
    memory_uow = providers.Factory(
        InMemoryUnitOfWork,
        db=memory_db,
        ids=ids,
        cache=cache,
        signal=outbox_signal,
        skeletons=skeletons,
    )
    sql_uow = providers.Factory(
        SqlAlchemyUnitOfWork,
        engine=engine,
        ids=ids,
        cache=cache,
        signal=outbox_signal,
        skeletons=skeletons,
        gate=db_gate,
    )
    uow = providers.Selector(settings.provided.persistence, memory=memory_uow, sqlalchemy=sql_uow)
    # Read-only use cases get a unit of work on autocommit connections (SQL); in memory the
    # same adapter serves all three kinds. (A provider called with keywords overrides those.)
    read_uow = providers.Selector(
        settings.provided.persistence,
        memory=memory_uow,
        sqlalchemy=providers.Factory(
            sql_uow, engine=providers.Singleton(autocommit, engine), read_only=True
        ),
    )
    # Use cases whose whole change is one statement and no events (create a draft) run it as a
    # transaction of its own: no BEGIN and COMMIT round trips (see engine.single_statement).
    single_statement_uow = providers.Selector(
        settings.provided.persistence,
        memory=memory_uow,
        sqlalchemy=providers.Factory(
            sql_uow, engine=providers.Singleton(single_statement, engine), single_statement=True
        ),
    )
    database_probe = providers.Selector(
        settings.provided.persistence,
        memory=providers.Singleton(MemoryProbe),
        sqlalchemy=providers.Singleton(SqlAlchemyProbe, engine=engine),
    )
    outbox_stats = providers.Selector(
        settings.provided.persistence,
        memory=providers.Singleton(InMemoryOutboxStats, db=memory_db),
        sqlalchemy=providers.Singleton(
            SqlAlchemyOutboxStats, engine=providers.Singleton(autocommit, engine)
        ),
    )

    session_issuer = providers.Singleton(
        sessions.SessionIssuer,
        tokens=access_tokens,
        codec=refresh_codec,
        clock=clock,
        ids=ids,
        policy=session_policy,
    )
    login_throttle = providers.Factory(
        LoginThrottle,
        limiter=rate_limiter,
        limits=login_limits,
        fingerprints=fingerprints,
        devices=device_tokens,
    )
    authenticate = providers.Factory(
        login.Authenticate,
        uow=uow,
        hasher=hasher,
        issuer=session_issuer,
        clock=clock,
        ids=ids,
        throttle=login_throttle,
        auditor=auditor,
    )
    refresh_session = providers.Factory(
        sessions.RefreshSession,
        uow=uow,
        codec=refresh_codec,
        issuer=session_issuer,
        clock=clock,
        auditor=auditor,
    )
    logout = providers.Factory(
        sessions.Logout,
        uow=uow,
        codec=refresh_codec,
        clock=clock,
        auditor=auditor,
    )
    purge_expired_sessions = providers.Factory(sessions.PurgeExpiredSessions, uow=uow, clock=clock)
    authenticate_access_token = providers.Factory(
        sessions.AuthenticateAccessToken,
        uow=read_uow,
        tokens=access_tokens,
        cache=cache,
        ttl_seconds=settings.provided.cache_ttl_seconds,
    )

    register_user = providers.Factory(
        registration.RegisterUser,
        uow=uow,
        hasher=hasher,
        clock=clock,
        ids=ids,
        limiter=rate_limiter,
        per_client=registrations_per_client,
        auditor=auditor,
        keys=idempotency_keys,
    )
    get_user = providers.Factory(profiles.GetUser, uow=read_uow)
    list_users = providers.Factory(profiles.ListUsers, uow=read_uow, cursors=cursors)
    account_editor = providers.Factory(
        editing.AccountEditor,
        uow=uow,
        hasher=hasher,
        clock=clock,
        limiter=rate_limiter,
        password_checks=login_limits.provided.per_account_and_client,
        auditor=auditor,
    )
    update_user = providers.Factory(changes.UpdateUser, editor=account_editor)
    rename_user = providers.Factory(changes.RenameUser, editor=account_editor)
    change_email = providers.Factory(changes.ChangeEmail, editor=account_editor)
    change_password = providers.Factory(changes.ChangePassword, editor=account_editor)
    set_admin = providers.Factory(changes.SetAdmin, editor=account_editor)
    set_active = providers.Factory(changes.SetActive, editor=account_editor)
    delete_user = providers.Factory(registration.DeleteUser, uow=uow, auditor=auditor)

    follow_user = providers.Factory(follows.FollowUser, uow=uow, clock=clock)
    unfollow_user = providers.Factory(follows.UnfollowUser, uow=uow)

    # --- email flows, notifications and jobs
    one_time_tokens = providers.Singleton(HmacOneTimeTokens, secret=jwt_secret)
    email_sender = providers.Selector(
        settings.provided.email_backend,
        console=providers.Singleton(ConsoleEmailSender, sender=settings.provided.email_from),
        memory=providers.Singleton(MemoryEmailSender),
        smtp=providers.Singleton(
            SmtpEmailSender,
            host=settings.provided.smtp_host,
            port=settings.provided.smtp_port,
            sender=settings.provided.email_from,
            tls=settings.provided.smtp_tls,
            username=settings.provided.smtp_username,
            password=settings.provided.smtp_password_value,
            timeout=settings.provided.smtp_timeout_seconds,
        ),
    )
    link_policy = providers.Singleton(
        emails.LinkPolicy,
        base_url=settings.provided.link_base,
        verify_ttl=providers.Factory(timedelta, hours=settings.provided.verify_token_ttl_hours),
        reset_ttl=providers.Factory(timedelta, minutes=settings.provided.reset_token_ttl_minutes),
    )
    handle_outbox_message = providers.Factory(
        jobs.HandleOutboxMessage,
        uow=uow,
        sender=email_sender,
        tokens=one_time_tokens,
        clock=clock,
        ids=ids,
        links=link_policy,
        fan_out_batch=settings.provided.fan_out_batch,
    )
    record_dead_message = providers.Factory(jobs.RecordDeadMessage, uow=uow, clock=clock)
    purge_processed_outbox = providers.Factory(
        jobs.PurgeProcessedOutbox,
        uow=uow,
        clock=clock,
        keep=providers.Factory(timedelta, days=settings.provided.outbox_retention_days),
    )
    requeue_dead_jobs = providers.Factory(jobs.RequeueDeadJobs, uow=uow, auditor=auditor)
    list_audit_events = providers.Factory(audit.ListAuditEvents, uow=read_uow, cursors=cursors)
    purge_old_audit_events = providers.Factory(
        audit.PurgeOldAuditEvents,
        uow=uow,
        clock=clock,
        keep=providers.Factory(timedelta, days=settings.provided.audit_retention_days),
    )
    arq_redis = providers.Singleton(
        create_arq_redis,
        settings.provided.redis_url,
        timeout=settings.provided.redis_timeout_seconds,
        max_connections=settings.provided.redis_max_connections,
    )
    job_queue = providers.Selector(
        settings.provided.job_mode,
        recorded=providers.Singleton(RecordingJobQueue),
        arq=providers.Singleton(
            ArqJobQueue, redis=arq_redis, queue_name=settings.provided.job_queue_name
        ),
        in_process=providers.Singleton(
            InProcessJobQueue,
            handle=providers.Callable(_handler, handle_outbox_message.provider),
            record_dead=providers.Callable(_dead_recorder, record_dead_message.provider),
            max_tries=settings.provided.job_max_tries,
            base_delay=settings.provided.job_retry_base_seconds,
            observe=metrics.provided.job_outcome,
        ),
    )
    dispatch_outbox = providers.Factory(
        jobs.DispatchOutbox,
        uow=uow,
        queue=job_queue,
        clock=clock,
        lease=providers.Factory(timedelta, seconds=settings.provided.job_lease_seconds),
    )
    release_unfinished_outbox = providers.Factory(jobs.ReleaseUnfinishedOutbox, uow=uow)
    password_reset_limits = providers.Singleton(
        email_flows.PasswordResetLimits,
        per_client=providers.Factory(
            Rate,
            settings.provided.password_resets_per_client,
            settings.provided.email_limit_window_seconds,
        ),
        per_account=providers.Factory(
            Rate,
            settings.provided.password_resets_per_account,
            settings.provided.email_limit_window_seconds,
        ),
        confirms_per_client=providers.Factory(
            Rate,
            settings.provided.login_failures_per_client,
            settings.provided.login_window_seconds,
        ),
    )
    request_password_reset = providers.Factory(
        email_flows.RequestPasswordReset,
        uow=uow,
        clock=clock,
        limiter=rate_limiter,
        limits=password_reset_limits,
        auditor=auditor,
        fingerprints=fingerprints,
    )
    confirm_password_reset = providers.Factory(
        email_flows.ConfirmPasswordReset,
        uow=uow,
        tokens=one_time_tokens,
        hasher=hasher,
        clock=clock,
        limiter=rate_limiter,
        limits=password_reset_limits,
        auditor=auditor,
        login_throttle=login_throttle,
    )
    confirm_email = providers.Factory(
        email_flows.ConfirmEmail, uow=uow, tokens=one_time_tokens, clock=clock
    )
    resend_verification = providers.Factory(
        email_flows.ResendVerification,
        uow=uow,
        clock=clock,
        limiter=rate_limiter,
        rate=providers.Factory(
            Rate,
            settings.provided.verification_resends_per_user,
            settings.provided.email_limit_window_seconds,
        ),
    )
    list_notifications = providers.Factory(
        notifications.ListNotifications, uow=read_uow, cursors=cursors
    )
    mark_notification_read = providers.Factory(
        notifications.MarkNotificationRead, uow=uow, clock=clock
    )

    # With an Idempotency-Key the draft and the key's answer need one transaction: `uow`,
    # made only then (its provider is passed, not an instance).
    create_post = providers.Factory(
        posts.CreatePost,
        uow=single_statement_uow,
        keyed_uow=uow.provider,
        keys=idempotency_keys,
        clock=clock,
        ids=ids,
    )
    find_idempotent_reply = providers.Factory(
        idempotency.FindIdempotentReply, uow=read_uow, clock=clock
    )
    purge_expired_idempotency_keys = providers.Factory(
        idempotency.PurgeExpiredIdempotencyKeys, uow=uow, clock=clock
    )
    get_post = providers.Factory(posts.GetPost, uow=read_uow)
    update_post = providers.Factory(posts.UpdatePost, uow=uow, clock=clock, auditor=auditor)
    publish_post = providers.Factory(posts.PublishPost, uow=uow, clock=clock, auditor=auditor)
    delete_post = providers.Factory(posts.DeletePost, uow=uow, auditor=auditor)
    list_posts = providers.Factory(posts.ListPosts, uow=read_uow, cursors=cursors)
    get_feed = providers.Factory(posts.GetFeed, uow=read_uow, cursors=cursors)


def build_container(settings: Settings | None = None) -> Container:
    return Container(settings=settings or Settings())


async def shutdown(container: Container) -> None:
    """Close what the container opened. Safe to call when nothing was opened."""
    settings = container.settings()
    if settings.persistence == "sqlalchemy":
        await dispose(container.engine())
    queue = container.job_queue()
    if isinstance(queue, InProcessJobQueue | ArqJobQueue):
        await queue.close()
    if settings.shared_state == "redis":
        cache = container.raw_cache()
        if isinstance(cache, RedisCache):
            await cache.close()
        await container.redis_circuit().close()
    hasher = container.hasher()
    if isinstance(hasher, Argon2PasswordHasher):
        hasher.close()
