"""Accounts: registration, credentials, sessions, email verification and password reset,
the login throttle, profiles."""

from __future__ import annotations

from dependency_injector import providers

from application.accounts import (
    changes,
    editing,
    email_flows,
    login,
    profiles,
    registration,
    sessions,
)
from application.accounts.login_throttle import LoginThrottle
from entrypoints import policies
from entrypoints.container.infrastructure import Infrastructure
from entrypoints.container.operations import Operations, audited
from entrypoints.container.persistence import Persistence, paged

settings = Infrastructure.settings
clock = Infrastructure.clock
ids = Infrastructure.ids
hasher = Infrastructure.hasher
limiter = Infrastructure.rate_limiter
uow = Persistence.uow


class Accounts(Operations):
    login_limits = providers.Singleton(policies.login_limits, settings)
    registrations_per_client = providers.Singleton(policies.registration_rate, settings)
    session_policy = providers.Singleton(policies.session_policy, settings)
    password_reset_limits = providers.Singleton(policies.password_reset_limits, settings)

    session_issuer = providers.Singleton(
        sessions.SessionIssuer,
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
        login.Authenticate,
        hasher=hasher,
        issuer=session_issuer,
        ids=ids,
        throttle=login_throttle,
        **audited,
    )
    refresh_session = providers.Factory(
        sessions.RefreshSession,
        codec=Infrastructure.refresh_codec,
        issuer=session_issuer,
        **audited,
    )
    logout = providers.Factory(sessions.Logout, codec=Infrastructure.refresh_codec, **audited)
    purge_expired_sessions = providers.Factory(sessions.PurgeExpiredSessions, uow=uow, clock=clock)
    authenticate_access_token = providers.Factory(
        sessions.AuthenticateAccessToken,
        uow=Persistence.read_uow,
        tokens=Infrastructure.access_tokens,
        cache=Persistence.auth_states,
    )

    register_user = providers.Factory(
        registration.RegisterUser,
        hasher=hasher,
        ids=ids,
        limiter=limiter,
        per_client=registrations_per_client,
        keys=Operations.idempotency_keys,
        **audited,
    )
    get_user = providers.Factory(profiles.GetUser, uow=Persistence.read_uow)
    list_users = providers.Factory(profiles.ListUsers, **paged)
    account_editor = providers.Factory(
        editing.AccountEditor,
        hasher=hasher,
        limiter=limiter,
        password_checks=login_limits.provided.per_account_and_client,
        **audited,
    )
    update_user = providers.Factory(changes.UpdateUser, editor=account_editor)
    rename_user = providers.Factory(changes.RenameUser, editor=account_editor)
    change_email = providers.Factory(changes.ChangeEmail, editor=account_editor)
    change_password = providers.Factory(changes.ChangePassword, editor=account_editor)
    set_admin = providers.Factory(changes.SetAdmin, editor=account_editor)
    set_active = providers.Factory(changes.SetActive, editor=account_editor)
    delete_user = providers.Factory(registration.DeleteUser, uow=uow, auditor=Operations.auditor)

    request_password_reset = providers.Factory(
        email_flows.RequestPasswordReset,
        limiter=limiter,
        limits=password_reset_limits,
        fingerprints=Infrastructure.fingerprints,
        **audited,
    )
    confirm_password_reset = providers.Factory(
        email_flows.ConfirmPasswordReset,
        tokens=Infrastructure.one_time_tokens,
        hasher=hasher,
        limiter=limiter,
        limits=password_reset_limits,
        login_throttle=login_throttle,
        **audited,
    )
    confirm_email = providers.Factory(
        email_flows.ConfirmEmail, uow=uow, tokens=Infrastructure.one_time_tokens, clock=clock
    )
    resend_verification = providers.Factory(
        email_flows.ResendVerification,
        uow=uow,
        clock=clock,
        limiter=limiter,
        rate=providers.Singleton(policies.verification_resend_rate, settings),
    )
