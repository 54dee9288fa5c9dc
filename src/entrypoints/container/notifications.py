"""Notifications and the mail that carries account links."""

from __future__ import annotations

from dependency_injector import providers

from adapters.email.senders import ConsoleEmailSender, MemoryEmailSender, SmtpEmailSender
from application.notifications import inbox as notifications
from entrypoints import policies
from entrypoints.container.infrastructure import Infrastructure
from entrypoints.container.persistence import Persistence, paged

settings = Infrastructure.settings


class Notifications(Persistence):
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
    link_policy = providers.Singleton(policies.link_policy, settings)
    list_notifications = providers.Factory(notifications.ListNotifications, **paged)
    mark_notification_read = providers.Factory(
        notifications.MarkNotificationRead, uow=Persistence.uow, clock=Infrastructure.clock
    )
