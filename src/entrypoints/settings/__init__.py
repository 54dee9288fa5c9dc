"""Settings, and what they mean together: the running mode (which adapters), and the typed
policies the container hands to use cases (a `Rate`, a `timedelta`, `LoginLimits`), so a
pair of numbers becomes a policy here once, never in the wiring."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from adapters.sqlalchemy.engine import EngineOptions
from application.account_emails import PasswordResetLimits
from application.auth import SessionPolicy
from application.emails import LinkPolicy
from application.login_throttle import LoginLimits
from application.ports.limits import Rate
from entrypoints.settings.fields import MIN_JWT_SECRET_LENGTH, SettingsFields
from entrypoints.settings.signing import cursor_key, device_token_key, resolve_jwt_secret

__all__ = [
    "MIN_JWT_SECRET_LENGTH",
    "Settings",
    "cursor_key",
    "device_token_key",
    "resolve_jwt_secret",
]


class Settings(SettingsFields):
    # --- the running mode: which adapters the container picks

    @property
    def persistence(self) -> Literal["memory", "sqlalchemy"]:
        """Test mode runs on in-memory adapters; every other mode on the database URL."""
        return "memory" if self.env == "test" else "sqlalchemy"

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

    # --- policies handed to adapters and use cases

    @property
    def login_limits(self) -> LoginLimits:
        """Every login limit counts in the same window."""
        window = self.login_window_seconds
        return LoginLimits(
            per_account_and_client=Rate(self.login_attempts_per_account_and_client, window),
            per_account=Rate(self.login_attempts_per_account, window),
            failures_per_client=Rate(self.login_failures_per_client, window),
            failures_per_device=Rate(self.login_failures_per_device, window),
            failures_per_account_devices=Rate(self.login_failures_per_account_devices, window),
        )

    @property
    def password_reset_limits(self) -> PasswordResetLimits:
        """A reset confirmation is a guess at a token: it counts like a failed login."""
        window = self.email_limit_window_seconds
        return PasswordResetLimits(
            per_client=Rate(self.password_resets_per_client, window),
            per_account=Rate(self.password_resets_per_account, window),
            confirms_per_client=self.login_limits.failures_per_client,
        )

    @property
    def registration_rate(self) -> Rate:
        return Rate(self.registrations_per_client, self.registration_window_seconds)

    @property
    def verification_resend_rate(self) -> Rate:
        return Rate(self.verification_resends_per_user, self.email_limit_window_seconds)

    @property
    def access_token_ttl(self) -> timedelta:
        return timedelta(seconds=self.access_token_ttl_seconds)

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(refresh_ttl=timedelta(days=self.refresh_token_ttl_days))

    @property
    def device_token_ttl(self) -> timedelta:
        return timedelta(days=self.login_device_ttl_days)

    @property
    def idempotency_ttl(self) -> timedelta:
        return timedelta(seconds=self.idempotency_ttl_seconds)

    @property
    def link_base(self) -> str:
        """The base of mailed links: the front end's when one is set, else this API's."""
        return (self.link_base_url or self.public_url).rstrip("/")

    @property
    def link_policy(self) -> LinkPolicy:
        return LinkPolicy(
            base_url=self.link_base,
            verify_ttl=timedelta(hours=self.verify_token_ttl_hours),
            reset_ttl=timedelta(minutes=self.reset_token_ttl_minutes),
        )

    @property
    def outbox_retention(self) -> timedelta:
        return timedelta(days=self.outbox_retention_days)

    @property
    def audit_retention(self) -> timedelta:
        return timedelta(days=self.audit_retention_days)

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
    def job_lease(self) -> timedelta:
        return timedelta(seconds=self.job_lease_seconds)

    # --- clients

    @property
    def engine_options(self) -> EngineOptions:
        return EngineOptions(
            pool_size=self.db_pool_size,
            max_overflow=self.db_max_overflow,
            pool_timeout=self.db_pool_timeout_seconds,
            connect_timeout=self.db_connect_timeout_seconds,
            statement_timeout_ms=self.db_statement_timeout_ms,
            command_timeout=self.db_command_timeout_seconds,
        )

    @property
    def db_connections(self) -> int:
        """The most connections the pool hands out at once (pool plus overflow)."""
        return self.db_pool_size + self.db_max_overflow

    @property
    def smtp_password_value(self) -> str | None:
        return self.smtp_password.get_secret_value() if self.smtp_password else None
