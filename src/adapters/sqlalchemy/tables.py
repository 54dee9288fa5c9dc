"""The schema. Alembic migrations are written against these tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every backend. SQLite keeps no offset, so values are
    stored there as naive UTC (which also keeps their text sortable for keyset pagination)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("is_admin", Boolean, nullable=False),
    Column("email_verified_at", UTCDateTime, nullable=True),
    Column("token_version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    # adapters.sqlalchemy.lookalikes.skeleton_key of the email: unique, so two accounts never
    # have addresses that read alike, even when two registrations race. Always written; NULL
    # only on rows the release before 0004 wrote during a rolling deploy, until `cli
    # lookalikes --backfill` keys them (a later release makes it NOT NULL).
    Column("email_skeleton", String(64), nullable=True),
    Index("ix_users_created_at_id", "created_at", "id"),
    Index("ix_users_email_skeleton", "email_skeleton", unique=True),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("author_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_posts_status_published_at_id", "status", "published_at", "id"),
    Index("ix_posts_author_id_status_published_at_id", "author_id", "status", "published_at", "id"),
)

follows = Table(
    "follows",
    metadata,
    Column("follower_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("followee_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_follows_followee_id", "followee_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("topic", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("dispatched_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("processed_at", UTCDateTime, nullable=True),
    Column("dead_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_outbox_dispatched_at_occurred_at", "dispatched_at", "occurred_at"),
)

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("purpose", String(16), nullable=False),
    Column("email", String(254), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("token_version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("used_at", UTCDateTime, nullable=True),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("recipient_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    UniqueConstraint("event_id", "recipient_id", name="uq_notifications_event_id_recipient_id"),
    Index("ix_notifications_recipient_id_created_at_id", "recipient_id", "created_at", "id"),
)

# No foreign keys: an audit event outlives the users it names (a deleted account's trail
# stays until retention purges it). The indexes serve the admin queries, newest first:
# Postgres reads them backwards for ORDER BY occurred_at DESC, id DESC.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("actor_id", Uuid, nullable=True),
    Column("subject_id", Uuid, nullable=True),
    Column("client", String(100), nullable=True),
    Column("request_id", String(128), nullable=True),
    Column("details", JSON, nullable=False),
    Index("ix_audit_events_occurred_at_id", "occurred_at", "id"),
    Index("ix_audit_events_subject_id_occurred_at_id", "subject_id", "occurred_at", "id"),
    Index("ix_audit_events_actor_id_occurred_at_id", "actor_id", "occurred_at", "id"),
    Index("ix_audit_events_kind_occurred_at_id", "kind", "occurred_at", "id"),
)

# Idempotency-Keys and the answers they replay, written in the transaction of the resource
# they answer: the primary key is what lets one of two concurrent requests with a key commit.
# No foreign key: the answer is replayed as it was, even after its resource changed or went.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("path", String(200), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),  # the purge's batches
)
