"""The ceiling: a bare Starlette endpoint doing one asyncpg primary-key SELECT and returning
a user-shaped JSON. Inkwell is measured as a fraction of what this serves in the same run.

Run: BENCH_DSN=postgresql://... uvicorn bench.ceiling_app:app --port 8101
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_pool: dict[str, Any] = {}


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    _pool["pool"] = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=10, max_size=10)
    yield
    await _pool["pool"].close()


async def user(request: Request) -> Response:
    row = await _pool["pool"].fetchrow(
        "SELECT id, email, name, is_active, is_admin, email_verified_at, created_at, updated_at "
        "FROM users WHERE id = $1",
        request.path_params["user_id"],
    )
    body = {
        "id": str(row["id"]),
        "email": row["email"],
        "name": row["name"],
        "is_active": row["is_active"],
        "is_admin": row["is_admin"],
        "email_verified": row["email_verified_at"] is not None,
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }
    return Response(orjson.dumps(body), media_type="application/json")


app = Starlette(routes=[Route("/users/{user_id:uuid}", user)], lifespan=lifespan)
