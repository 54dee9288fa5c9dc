"""The one home of what a write invalidates: changes (application/ports/changes.py) map to
cache namespaces here, for every unit-of-work adapter, after its commit.

Namespaces (application/ports/cache.py explains generations):
- `user:<id>`: the user's views and cached auth state (is_active, is_admin, token version,
  whether a session is alive);
- `post:<id>`: one post;
- `posts:published`: every page of the public list and of every feed;
- `feed:<id>`: a user's feed pages (their follows; the posts are covered by the above).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from application.ports.changes import (
    Change,
    FollowsChanged,
    PostChanged,
    PostDeleted,
    SessionsChanged,
    UserChanged,
    UserDeleted,
)

PUBLISHED_POSTS = "posts:published"
"""Every page of the public list and of every feed depends on it: any change to which posts
are published, or to a published post, starts a new generation."""


def post_namespace(post_id: UUID) -> str:
    return f"post:{post_id}"


def user_namespace(user_id: UUID) -> str:
    return f"user:{user_id}"


def feed_namespace(user_id: UUID) -> str:
    return f"feed:{user_id}"


def retired_by(changes: Iterable[Change]) -> set[str]:
    """The namespaces whose entries the changes make stale."""
    retired: set[str] = set()
    for change in changes:
        match change:
            case UserChanged(user_id) | SessionsChanged(user_id):
                retired.add(user_namespace(user_id))
            case UserDeleted(user_id, post_ids):
                # Their posts go with them, and may have been published.
                retired.update((user_namespace(user_id), PUBLISHED_POSTS))
                retired.update(post_namespace(p) for p in post_ids)
            case PostChanged(post_id, published):
                retired.add(post_namespace(post_id))
                if published:  # a published post is on the public list and in feeds
                    retired.add(PUBLISHED_POSTS)
            case PostDeleted(post_id):  # it may have been published
                retired.update((post_namespace(post_id), PUBLISHED_POSTS))
            case FollowsChanged(follower_id):
                retired.add(feed_namespace(follower_id))
    return retired
