"""initial schema (2026-11-24 21:13:55.794688)"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy import ddl

revision: str = "0001"
down_revision: str | None = None


_INDEXES = {
    "outbox": {"ix_outbox_dispatched_at_occurred_at": ["dispatched_at", "occurred_at"]},
    "users": {"ix_users_created_at_id": ["created_at", "id"]},
    "follows": {"ix_follows_followee_id": ["followee_id"]},
    "posts": {
        "ix_posts_author_id_status_published_at_id": ["author_id", "status", "published_at", "id"],
        "ix_posts_status_published_at_id": ["status", "published_at", "id"],
    },
    "refresh_tokens": {
        "ix_refresh_tokens_expires_at": ["expires_at"],
        "ix_refresh_tokens_family_id": ["family_id"],
        "ix_refresh_tokens_user_id": ["user_id"],
    },
}


def upgrade() -> None:
    op.create_table(
        "outbox",
        ddl.uuid("id"),
        ddl.string("topic", 100),
        sa.Column("payload", sa.JSON(), nullable=False),
        ddl.moment("occurred_at"),
        ddl.moment("dispatched_at", nullable=True),
        ddl.integer("attempts"),
        ddl.primary_key("outbox"),
    )
    op.create_table(
        "users",
        ddl.uuid("id"),
        ddl.string("email", 254),
        ddl.string("name", 100),
        ddl.string("password_hash", 255),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        ddl.moment("email_verified_at", nullable=True),
        ddl.integer("token_version"),
        ddl.moment("created_at"),
        ddl.moment("updated_at"),
        ddl.integer("version"),
        ddl.primary_key("users"),
        ddl.unique("users", "email"),
    )
    op.create_table(
        "follows",
        ddl.uuid("follower_id"),
        ddl.uuid("followee_id"),
        ddl.moment("created_at"),
        ddl.user_owned("follows", "followee_id"),
        ddl.user_owned("follows", "follower_id"),
        ddl.primary_key("follows", "follower_id", "followee_id"),
    )
    op.create_table(
        "posts",
        ddl.uuid("id"),
        ddl.uuid("author_id"),
        ddl.string("title", 200),
        sa.Column("body", sa.Text(), nullable=False),
        ddl.string("status", 16),
        ddl.moment("published_at", nullable=True),
        ddl.moment("created_at"),
        ddl.moment("updated_at"),
        ddl.integer("version"),
        ddl.user_owned("posts", "author_id"),
        ddl.primary_key("posts"),
    )
    op.create_table(
        "refresh_tokens",
        ddl.uuid("id"),
        ddl.uuid("family_id"),
        ddl.uuid("user_id"),
        ddl.string("token_hash", 64),
        ddl.moment("created_at"),
        ddl.moment("expires_at"),
        ddl.moment("used_at", nullable=True),
        ddl.moment("revoked_at", nullable=True),
        ddl.user_owned("refresh_tokens", "user_id"),
        ddl.primary_key("refresh_tokens"),
        ddl.unique("refresh_tokens", "token_hash"),
    )
    for table, indexes in _INDEXES.items():
        ddl.create_indexes(table, indexes)


def downgrade() -> None:
    for table, indexes in reversed(_INDEXES.items()):
        ddl.drop_indexes(table, list(indexes))
        op.drop_table(table)
