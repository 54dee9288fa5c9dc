"""initial schema

Revision ID: 0001
Revises: -
Create Date: 2026-11-24 21:13:55.794688
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.ddl import (
    create_indexes,
    drop_indexes,
    integer,
    moment,
    primary_key,
    string,
    unique,
    user_owned,
    uuid,
)

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
        uuid("id"),
        string("topic", 100),
        sa.Column("payload", sa.JSON(), nullable=False),
        moment("occurred_at"),
        moment("dispatched_at", nullable=True),
        integer("attempts"),
        primary_key("outbox"),
    )
    op.create_table(
        "users",
        uuid("id"),
        string("email", 254),
        string("name", 100),
        string("password_hash", 255),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        moment("email_verified_at", nullable=True),
        integer("token_version"),
        moment("created_at"),
        moment("updated_at"),
        integer("version"),
        primary_key("users"),
        unique("users", "email"),
    )
    op.create_table(
        "follows",
        uuid("follower_id"),
        uuid("followee_id"),
        moment("created_at"),
        user_owned("follows", "followee_id"),
        user_owned("follows", "follower_id"),
        primary_key("follows", "follower_id", "followee_id"),
    )
    op.create_table(
        "posts",
        uuid("id"),
        uuid("author_id"),
        string("title", 200),
        sa.Column("body", sa.Text(), nullable=False),
        string("status", 16),
        moment("published_at", nullable=True),
        moment("created_at"),
        moment("updated_at"),
        integer("version"),
        user_owned("posts", "author_id"),
        primary_key("posts"),
    )
    op.create_table(
        "refresh_tokens",
        uuid("id"),
        uuid("family_id"),
        uuid("user_id"),
        string("token_hash", 64),
        moment("created_at"),
        moment("expires_at"),
        moment("used_at", nullable=True),
        moment("revoked_at", nullable=True),
        user_owned("refresh_tokens", "user_id"),
        primary_key("refresh_tokens"),
        unique("refresh_tokens", "token_hash"),
    )
    for table, indexes in _INDEXES.items():
        create_indexes(table, indexes)


def downgrade() -> None:
    for table, indexes in reversed(_INDEXES.items()):
        drop_indexes(table, list(indexes))
        op.drop_table(table)
