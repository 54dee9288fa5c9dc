"""The framework floor: the ceiling's query behind FastAPI the way Inkwell uses it (a router
with a prefix, an async dependency, a UUID path parameter, a pydantic response model).
It shows how much of the ceiling FastAPI itself leaves before Inkwell does any work.

Run: BENCH_DSN=postgresql://... uvicorn bench.floor_app:app --port 8103
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel


class UserOut(BaseModel):
    id: UUID
    email: str
    name: str
    is_active: bool
    is_admin: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=10, max_size=10)
    yield
    await app.state.pool.close()


async def get_pool(request: Request) -> Any:
    return request.app.state.pool


router = APIRouter(prefix="/users")


@router.get("/{user_id}", response_model=UserOut)
async def user(user_id: UUID, pool: Annotated[Any, Depends(get_pool)]) -> dict[str, Any]:
    row = await pool.fetchrow(
        "SELECT id, email, name, is_active, is_admin, email_verified_at, created_at, updated_at "
        "FROM users WHERE id = $1",
        user_id,
    )
    return {**row, "email_verified": row["email_verified_at"] is not None}


app = FastAPI(lifespan=lifespan)
app.include_router(router)
