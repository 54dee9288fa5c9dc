"""What the settings' numbers mean as typed policies (a `Rate`, a `timedelta`, `LoginLimits`):
a pair of settings becomes a policy here once, and the container hands the policy to the
adapters and use cases (`providers.Singleton(policies.login_limits, settings)`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from adapters.sqlalchemy.engine import EngineOptions
from application.accounts.email_flows import PasswordResetLimits
from application.accounts.login_throttle import LoginLimits
from application.accounts.sessions import SessionPolicy
from application.emails import LinkPolicy
from application.ports.limits import Rate
from entrypoints.settings import Settings


def login_limits(settings: Settings) -> LoginLimits:
    """Every login limit counts in the same window."""
    s, window = settings, settings.login_window_seconds
    return LoginLimits(
        per_account_and_client=Rate(s.login_attempts_per_account_and_client, window),
        per_account=Rate(s.login_attempts_per_account, window),
        failures_per_client=Rate(s.login_failures_per_client, window),
        failures_per_device=Rate(s.login_failures_per_device, window),
        failures_per_account_devices=Rate(s.login_failures_per_account_devices, window),
    )


def password_reset_limits(settings: Settings) -> PasswordResetLimits:
    """A reset confirmation is a guess at a token: it counts like a failed login."""
    window = settings.email_limit_window_seconds
    return PasswordResetLimits(
        per_client=Rate(settings.password_resets_per_client, window),
        per_account=Rate(settings.password_resets_per_account, window),
        confirms_per_client=login_limits(settings).failures_per_client,
    )


def registration_rate(settings: Settings) -> Rate:
    return Rate(settings.registrations_per_client, settings.registration_window_seconds)


def verification_resend_rate(settings: Settings) -> Rate:
    return Rate(settings.verification_resends_per_user, settings.email_limit_window_seconds)


def session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy(refresh_ttl=timedelta(days=settings.refresh_token_ttl_days))


def link_policy(settings: Settings) -> LinkPolicy:
    return LinkPolicy(
        base_url=settings.link_base,
        verify_ttl=timedelta(hours=settings.verify_token_ttl_hours),
        reset_ttl=timedelta(minutes=settings.reset_token_ttl_minutes),
    )


@dataclass(frozen=True, slots=True)
class Durations:
    """Every lifetime and retention the settings give in seconds, hours or days."""

    access_token_ttl: timedelta
    device_token_ttl: timedelta
    idempotency_ttl: timedelta
    outbox_retention: timedelta
    audit_retention: timedelta
    job_lease: timedelta


def durations(settings: Settings) -> Durations:
    s = settings
    return Durations(
        access_token_ttl=timedelta(seconds=s.access_token_ttl_seconds),
        device_token_ttl=timedelta(days=s.login_device_ttl_days),
        idempotency_ttl=timedelta(seconds=s.idempotency_ttl_seconds),
        outbox_retention=timedelta(days=s.outbox_retention_days),
        audit_retention=timedelta(days=s.audit_retention_days),
        job_lease=timedelta(seconds=s.job_lease_seconds),
    )


def engine_options(settings: Settings) -> EngineOptions:
    s = settings
    return EngineOptions(
        s.db_pool_size,
        s.db_max_overflow,
        pool_timeout=s.db_pool_timeout_seconds,
        connect_timeout=s.db_connect_timeout_seconds,
        statement_timeout_ms=s.db_statement_timeout_ms,
        command_timeout=s.db_command_timeout_seconds,
    )


def db_connections(settings: Settings) -> int:
    """The most connections the pool hands out at once (pool plus overflow)."""
    return settings.db_pool_size + settings.db_max_overflow
