"""Clock, ids, metrics, security primitives, shared state (Redis or this process), cache and
the database engine: what every area's use cases are built from."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.memory.cache import InProcessCache
from adapters.memory.jobs import InProcessOutboxSignal
from adapters.memory.limits import InProcessRateLimiter
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
from adapters.sqlalchemy.engine import ConnectionGate, create_engine, dispose
from adapters.system.clock import SystemClock, Uuid4Generator
from adapters.text.skeletons import Uts39Skeleton
from application.pagination import Cursors
from entrypoints import policies
from entrypoints.container.resources import OpenedResources, closed_on_shutdown
from entrypoints.http.caching import ReadThrough
from entrypoints.observability.metrics import MeteredCache, Metrics
from entrypoints.settings import Settings, cursor_key, device_token_key, resolve_jwt_secret

settings = providers.Dependency(instance_of=Settings)
# The Redis clients' settings, shared by the circuit's client and the cache's connection.
redis_url = settings.provided.redis_url
redis_timeout = settings.provided.redis_timeout_seconds
redis_cooldown = settings.provided.redis_cooldown_seconds
redis_prefix = settings.provided.redis_key_prefix


class Infrastructure(containers.DeclarativeContainer):
    settings = settings
    opened = providers.Singleton(OpenedResources)
    durations = providers.Singleton(policies.durations, settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid4Generator)
    metrics = providers.Singleton(Metrics)

    hasher = closed_on_shutdown(
        opened,
        Argon2PasswordHasher.close,
        providers.Factory(
            Argon2PasswordHasher,
            time_cost=settings.provided.argon2_time_cost,
            memory_cost=settings.provided.argon2_memory_cost_kib,
            parallelism=settings.provided.argon2_parallelism,
            max_workers=settings.provided.argon2_max_threads,
        ),
    )
    jwt_secret = providers.Singleton(resolve_jwt_secret, settings)
    cursors = providers.Singleton(Cursors, key=providers.Callable(cursor_key, jwt_secret))
    access_tokens = providers.Singleton(
        JwtAccessTokenService,
        secret=jwt_secret,
        issuer=settings.provided.jwt_issuer,
        audience=settings.provided.jwt_audience,
        ttl=durations.provided.access_token_ttl,
        clock=clock,
    )
    refresh_codec = providers.Singleton(Sha256RefreshTokenCodec)
    one_time_tokens = providers.Singleton(HmacOneTimeTokens, secret=jwt_secret)
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
        ttl=durations.provided.device_token_ttl,
    )

    # Shared state: Redis when INKWELL_REDIS_URL is set, else this process. The in-process
    # stores double as the fallbacks while Redis is unreachable (never "no limit").
    # Idempotency-Keys are not among them: they live in the database
    # (see application.operations.idempotency).
    redis_circuit = closed_on_shutdown(
        opened,
        RedisCircuit.close,
        providers.Factory(
            RedisCircuit,
            client=providers.Singleton(
                create_redis,
                redis_url,
                timeout=redis_timeout,
                max_connections=settings.provided.redis_max_connections,
            ),
            timeout=redis_timeout,
            cooldown=redis_cooldown,
        ),
    )
    local_rate_limiter = providers.Singleton(InProcessRateLimiter, clock=clock)
    rate_limiter = providers.Selector(
        settings.provided.shared_state,
        local=local_rate_limiter,
        redis=providers.Singleton(
            RedisRateLimiter,
            circuit=redis_circuit,
            prefix=redis_prefix,
            fallback=local_rate_limiter,
        ),
    )
    raw_cache = providers.Selector(
        settings.provided.shared_state,
        local=providers.Singleton(InProcessCache, clock=clock),
        redis=closed_on_shutdown(
            opened,
            RedisCache.close,
            providers.Factory(
                RedisCache,
                circuit=redis_circuit,
                redis=providers.Singleton(PipelinedRedis, redis_url, timeout=redis_timeout),
                prefix=redis_prefix,
                retry_seconds=redis_cooldown,
            ),
        ),
    )
    cache = providers.Singleton(MeteredCache, inner=raw_cache, metrics=metrics)
    read_through = providers.Singleton(
        ReadThrough, cache=cache, ttl_seconds=settings.provided.cache_ttl_seconds
    )

    outbox_signal = providers.Singleton(InProcessOutboxSignal)
    engine = closed_on_shutdown(
        opened,
        dispose,
        providers.Factory(
            create_engine,
            settings.provided.database_url,
            providers.Singleton(policies.engine_options, settings),
        ),
    )
    # Units of work queue for a pooled connection at this gate, never inside the pool.
    db_gate = providers.Singleton(
        ConnectionGate,
        size=providers.Singleton(policies.db_connections, settings),
        timeout=settings.provided.db_pool_timeout_seconds,
    )
