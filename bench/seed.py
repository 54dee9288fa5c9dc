"""Seed a throwaway benchmark database: 1,000 users (one known password), 100,000 published
posts spread over a year, and 20 follows per user. Bulk COPY through asyncpg: seconds."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from argon2 import PasswordHasher, Type

from adapters.sqlalchemy.lookalikes import skeleton_key
from adapters.text.skeletons import Uts39Skeleton
from domain.values import Email

PASSWORD = "bench password 1"


async def seed(
    dsn: str, users: int = 1_000, posts: int = 100_000, follows: int = 20
) -> list[uuid.UUID]:
    rng = random.Random(7)
    skeletons = Uts39Skeleton()
    password_hash = PasswordHasher(
        time_cost=2, memory_cost=19_456, parallelism=1, type=Type.ID
    ).hash(PASSWORD)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    user_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(users)]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "users",
            columns=[
                "id",
                "email",
                "name",
                "password_hash",
                "is_active",
                "is_admin",
                "email_verified_at",
                "token_version",
                "created_at",
                "updated_at",
                "version",
                "email_skeleton",
            ],
            records=[
                (
                    uid,
                    f"user{i}@bench.test",
                    f"User {i}",
                    password_hash,
                    True,
                    False,
                    None,
                    0,
                    start,
                    start,
                    1,
                    skeleton_key(skeletons, Email(f"user{i}@bench.test")),
                )
                for i, uid in enumerate(user_ids)
            ],
        )
        records = []
        for i in range(posts):
            at = start + timedelta(seconds=i * 300)
            records.append(
                (
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    rng.choice(user_ids),
                    f"Post {i}",
                    "Lorem ipsum dolor sit amet. " * 20,
                    "published",
                    at,
                    at,
                    at,
                    2,
                )
            )
        await conn.copy_records_to_table(
            "posts",
            columns=[
                "id",
                "author_id",
                "title",
                "body",
                "status",
                "published_at",
                "created_at",
                "updated_at",
                "version",
            ],
            records=records,
        )
        pairs = {(f, e) for f in user_ids for e in rng.sample(user_ids, follows) if f != e}
        await conn.copy_records_to_table(
            "follows",
            columns=["follower_id", "followee_id", "created_at"],
            records=[(f, e, start) for f, e in pairs],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return user_ids


if __name__ == "__main__":
    import sys

    asyncio.run(seed(sys.argv[1]))
