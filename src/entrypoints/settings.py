"""Every setting, read from INKWELL_* environment variables (or a .env file)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from entrypoints.signing import cursor_key, device_token_key, resolve_jwt_secret

__all__ = ["Settings", "cursor_key", "device_token_key", "resolve_jwt_secret"]

MIN_JWT_SECRET_LENGTH = 32


def _env_file() -> str | None:
    """INKWELL_ENV_FILE names the dotenv file read besides the environment (default `.env` in
    the working directory); set empty, none is read (what the test suite gives the processes
    it starts, so a stray .env cannot change what a test decides)."""
    return os.environ.get("INKWELL_ENV_FILE", ".env") or None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INKWELL_", env_file=_env_file(), extra="ignore", frozen=True
    )

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/inkwell.db"
    redis_url: str | None = None
    jwt_secret: SecretStr | None = None
    jwt_secret_file: Path = Path("var/jwt_secret")
    jwt_issuer: str = "inkwell"
    jwt_audience: str = "inkwell-api"
    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(14, ge=1, le=90)
    email_backend: Literal["console", "smtp", "memory"] = "console"
    smtp_host: str = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(10.0, gt=0)
    email_from: str = "Inkwell <no-reply@localhost>"
    public_url: str = "http://127.0.0.1:8000"
    # Where mailed links point (same paths: /verify-email, /reset-password). Unset: the
    # public URL, whose built-in pages serve them; set it when a front end of yours does.
    link_base_url: str | None = None
    cors_origins: Annotated[list[str], NoDecode] = []
    argon2_time_cost: int = Field(2, ge=1)
    argon2_memory_cost_kib: int = Field(19_456, ge=8)
    argon2_parallelism: int = Field(1, ge=1)
    argon2_max_threads: int = Field(2, ge=1)
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # Slow clients (README "Slow clients"): how long a request head and a request body may
    # take to arrive, how long an idle keep-alive connection stays open, and how many
    # connections one process holds before it answers 503.
    http_header_timeout_seconds: float = Field(10.0, gt=0)
    http_body_timeout_seconds: float = Field(30.0, gt=0)
    http_keepalive_seconds: int = Field(5, ge=1)
    http_max_connections: int = Field(1000, ge=1)
    # A fixed pool: overflow connections are closed when returned, so under steady
    # concurrency above the pool size every request would pay for a new connection.
    db_pool_size: int = Field(20, ge=1)
    db_max_overflow: int = Field(0, ge=0)
    # How long anything waits on a dead or hung database (README "Faults and shutdown"): for a
    # free pooled connection, for a new connection, for one statement on the server (Postgres
    # cancels it) and on the client (asyncpg gives up on a server or network that went silent).
    db_pool_timeout_seconds: float = Field(2.0, gt=0)
    db_connect_timeout_seconds: float = Field(2.0, gt=0)
    db_statement_timeout_ms: int = Field(10_000, ge=100)
    db_command_timeout_seconds: float = Field(11.0, gt=0)
    redis_timeout_seconds: float = Field(0.25, gt=0, le=5)
    redis_cooldown_seconds: float = Field(2.0, gt=0)
    # Above the request concurrency: a request waiting for a pooled connection past the short
    # timeout would count as "Redis down" and open the circuit for everyone.
    redis_max_connections: int = Field(256, ge=1)
    redis_key_prefix: str = "inkwell:"
    cache_ttl_seconds: int = Field(60, ge=1)
    idempotency_ttl_seconds: int = Field(86_400, ge=60)
    # Rate limits: attempts per window, per key.
    login_attempts_per_account_and_client: int = Field(10, ge=1)
    # Counts unknown clients only (no valid device token): reaching it refuses only them.
    login_attempts_per_account: int = Field(100, ge=1)
    login_failures_per_client: int = Field(100, ge=1)
    login_failures_per_device: int = Field(10, ge=1)
    # All known devices of one account together, so N device tokens are not N budgets.
    login_failures_per_account_devices: int = Field(30, ge=1)
    login_window_seconds: int = Field(900, ge=1)
    login_device_ttl_days: int = Field(30, ge=1, le=400)
    registrations_per_client: int = Field(20, ge=1)
    registration_window_seconds: int = Field(3600, ge=1)
    password_resets_per_client: int = Field(10, ge=1)
    password_resets_per_account: int = Field(3, ge=1)
    verification_resends_per_user: int = Field(3, ge=1)
    email_limit_window_seconds: int = Field(3600, ge=1)
    # Jobs
    verify_token_ttl_hours: int = Field(48, ge=1)
    reset_token_ttl_minutes: int = Field(30, ge=5, le=24 * 60)
    job_max_tries: int = Field(8, ge=1)
    job_timeout_seconds: int = Field(300, ge=1)  # a killed worker's job reruns after this + 10 s
    # Empty: `{redis_key_prefix}queue`, so deployments sharing a Redis database keep apart.
    job_queue_name: str = ""
    fan_out_batch: int = Field(500, ge=1, le=10_000)
    job_retry_base_seconds: float = Field(2.0, gt=0)
    loop_lag_probe: bool = False  # /health/loop: event-loop lag seen inside the process
    job_retry_max_seconds: float = Field(300.0, gt=0)
    outbox_poll_seconds: float = Field(1.0, gt=0)
    outbox_retention_days: int = Field(7, ge=1)
    audit_retention_days: int = Field(365, ge=1)
    # Logs and metrics
    log_format: Literal["json", "console"] | None = None  # unset: console in development
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    access_log: bool = True
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None  # when set, GET /metrics needs it as a bearer
    # Production serves GET /metrics without a token only when the operator says so (it is
    # reachable only from inside, e.g. a NetworkPolicy): it tells anyone the traffic per route.
    metrics_public: bool = False
    worker_metrics_port: int | None = Field(None, ge=1, le=65535)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    # On SIGTERM the worker takes no new job and waits this long for running ones, then
    # cancels them back to the queue (another worker runs them again).
    job_shutdown_wait_seconds: int = Field(20, ge=0)

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        # `INKWELL_METRICS_TOKEN=` (compose's empty default) means no token, not "Bearer ".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("job_queue_name")
    @classmethod
    def _queue_under_the_prefix(cls, value: str, info: ValidationInfo) -> str:
        return value or f"{info.data.get('redis_key_prefix', 'inkwell:')}queue"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("link_base_url")
    @classmethod
    def _plain_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.query
            or parts.fragment
        ):
            raise ValueError(
                "INKWELL_LINK_BASE_URL must be an http(s) URL with a host and no query or "
                "fragment (mailed links append /verify-email?token=... to it)."
            )
        return value

    @property
    def link_base(self) -> str:
        """The base of mailed links: the front end's when one is set, else this API's."""
        return (self.link_base_url or self.public_url).rstrip("/")

    @model_validator(mode="after")
    def _client_outwaits_the_server(self) -> Settings:
        if self.db_command_timeout_seconds * 1000 <= self.db_statement_timeout_ms:
            raise ValueError(
                "INKWELL_DB_COMMAND_TIMEOUT_SECONDS must be longer than "
                "INKWELL_DB_STATEMENT_TIMEOUT_MS, so that Postgres cancels a slow statement "
                "(a clean error) before the client gives up on the whole connection."
            )
        return self

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> Settings:
        if self.env == "production" and self.email_backend != "smtp":
            raise ValueError(
                "INKWELL_EMAIL_BACKEND must be smtp when INKWELL_ENV=production (console would "
                "print reset links to the logs, memory would drop every mail)."
            )
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if self.env == "production" and len(secret) < MIN_JWT_SECRET_LENGTH:
            raise ValueError(
                "INKWELL_JWT_SECRET must be set to a random value of at least "
                f"{MIN_JWT_SECRET_LENGTH} characters when INKWELL_ENV=production "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
        return self

    @property
    def effective_log_format(self) -> Literal["json", "console"]:
        """JSON lines everywhere but development, where people read the console."""
        if self.log_format is not None:
            return self.log_format
        return "console" if self.env == "development" else "json"

    @property
    def metrics_served(self) -> bool:
        """GET /metrics is routed: in production only behind a scrape token or when declared
        public; elsewhere whenever metrics are enabled."""
        if not self.metrics_enabled:
            return False
        return self.env != "production" or self.metrics_token is not None or self.metrics_public

    @property
    def shared_state(self) -> Literal["redis", "local"]:
        """Cache, rate limits and revocations: in Redis when configured (Idempotency-Keys are
        in the database either way)."""
        return "redis" if self.redis_url else "local"

    @property
    def job_mode(self) -> Literal["arq", "in_process", "recorded"]:
        """arq workers with Redis; tasks in this process in embedded mode; held for the
        test to run in test mode."""
        if self.env == "test":
            return "recorded"
        return "arq" if self.redis_url else "in_process"

    def retry_delay(self, tries: int) -> float:
        """Exponential backoff after the `tries`-th failure, capped."""
        delay: float = self.job_retry_base_seconds * 2 ** (tries - 1)
        return min(delay, self.job_retry_max_seconds)

    @property
    def job_lease_seconds(self) -> float:
        """How long a dispatched job may take, retries included, before it counts as lost."""
        backoff = sum(self.retry_delay(t) for t in range(1, self.job_max_tries))
        return (self.job_timeout_seconds + 10) * self.job_max_tries + backoff + 60

    @property
    def smtp_password_value(self) -> str | None:
        return self.smtp_password.get_secret_value() if self.smtp_password else None

    @property
    def persistence(self) -> Literal["memory", "sqlalchemy"]:
        """Test mode runs on in-memory adapters; every other mode on the database URL."""
        return "memory" if self.env == "test" else "sqlalchemy"
