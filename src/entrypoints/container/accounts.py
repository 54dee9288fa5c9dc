"""Accounts: registration, credentials, sessions, email verification and password reset,
the login throttle, profiles."""

from __future__ import annotations

from dependency_injector import providers

from application import account_emails, auth, profiles, users
from application.login_throttle import LoginThrottle
from entrypoints.container.infrastructure import Infrastructure
from entrypoints.container.operations import Operations
from entrypoints.container.persistence import Persistence

settings = Infrastructure.settings
clock = Infrastructure.clock
ids = Infrastructure.ids
hasher = Infrastructure.hasher
limiter = Infrastructure.rate_limiter
uow = Persistence.uow
auditor = Operations.auditor


class Accounts(Operations):
    login_limits = settings.provided.login_limits
    registrations_per_client = settings.provided.registration_rate
    session_policy = settings.provided.session_policy
    password_reset_limits = settings.provided.password_reset_limits

    session_issuer = providers.Singleton(
        auth.SessionIssuer,
        tokens=Infrastructure.access_tokens,
        codec=Infrastructure.refresh_codec,
        clock=clock,
        ids=ids,
        policy=session_policy,
    )
    login_throttle = providers.Factory(
        LoginThrottle,
        limiter=limiter,
        limits=login_limits,
        fingerprints=Infrastructure.fingerprints,
        devices=Infrastructure.device_tokens,
    )
    authenticate = providers.Factory(
        auth.Authenticate,
        uow=uow,
        hasher=hasher,
        issuer=session_issuer,
        clock=clock,
        ids=ids,
        throttle=login_throttle,
        auditor=auditor,
    )
    refresh_session = providers.Factory(
        auth.RefreshSession,
        uow=uow,
        codec=Infrastructure.refresh_codec,
        issuer=session_issuer,
        clock=clock,
        auditor=auditor,
    )
    logout = providers.Factory(
        auth.Logout, uow=uow, codec=Infrastructure.refresh_codec, clock=clock, auditor=auditor
    )
    purge_expired_sessions = providers.Factory(auth.PurgeExpiredSessions, uow=uow, clock=clock)
    authenticate_access_token = providers.Factory(
        auth.AuthenticateAccessToken,
        uow=Persistence.read_uow,
        tokens=Infrastructure.access_tokens,
        cache=Infrastructure.cache,
        ttl_seconds=settings.provided.cache_ttl_seconds,
    )

    register_user = providers.Factory(
        users.RegisterUser,
        uow=uow,
        hasher=hasher,
        clock=clock,
        ids=ids,
        limiter=limiter,
        per_client=registrations_per_client,
        auditor=auditor,
        keys=Operations.idempotency_keys,
    )
    get_user = providers.Factory(profiles.GetUser, uow=Persistence.read_uow)
    list_users = providers.Factory(
        profiles.ListUsers, uow=Persistence.read_uow, cursors=Infrastructure.cursors
    )
    update_user = providers.Factory(
        users.UpdateUser,
        uow=uow,
        hasher=hasher,
        clock=clock,
        limiter=limiter,
        password_checks=login_limits.provided.per_account_and_client,
        auditor=auditor,
    )
    delete_user = providers.Factory(users.DeleteUser, uow=uow, auditor=auditor)

    request_password_reset = providers.Factory(
        account_emails.RequestPasswordReset,
        uow=uow,
        clock=clock,
        limiter=limiter,
        limits=password_reset_limits,
        auditor=auditor,
        fingerprints=Infrastructure.fingerprints,
    )
    confirm_password_reset = providers.Factory(
        account_emails.ConfirmPasswordReset,
        uow=uow,
        tokens=Infrastructure.one_time_tokens,
        hasher=hasher,
        clock=clock,
        limiter=limiter,
        limits=password_reset_limits,
        auditor=auditor,
        login_throttle=login_throttle,
    )
    confirm_email = providers.Factory(
        account_emails.ConfirmEmail, uow=uow, tokens=Infrastructure.one_time_tokens, clock=clock
    )
    resend_verification = providers.Factory(
        account_emails.ResendVerification,
        uow=uow,
        clock=clock,
        limiter=limiter,
        rate=settings.provided.verification_resend_rate,
    )
