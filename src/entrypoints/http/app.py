"""FastAPI app factory: `uvicorn entrypoints.http.app:create_app --factory`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from entrypoints.container import Container, build_container, shutdown
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.loop_lag import LoopLagProbe
from entrypoints.http.middleware import (
    BodySizeLimitMiddleware,
    GzipWhenAccepted,
    RequestIdMiddleware,
)
from entrypoints.http.openapi import install_openapi, operation_id
from entrypoints.http.routers import auth, health, notifications, posts, users
from entrypoints.relay import start_relay

API_PREFIX = "/api/v1"


def create_app(container: Container | None = None) -> FastAPI:
    container = container or build_container()
    settings = container.settings()

    probe = LoopLagProbe() if settings.loop_lag_probe else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [t for t in (start_relay(container),) if t is not None]
        if probe is not None:
            tasks.append(asyncio.get_running_loop().create_task(probe.run()))
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await shutdown(container)

    app: FastAPI = FastAPIOffline(
        title="Inkwell",
        version="0.1.0",
        description="Publishing backend: accounts, authentication, posts, follows and feed.",
        lifespan=lifespan,
        swagger_ui_init_oauth={"usePkceWithAuthorizationCodeGrant": False},
        generate_unique_id_function=operation_id,
    )
    app.state.container = container

    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, users, posts, notifications):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)
    install_error_handlers(app)
    install_openapi(app)
    if probe is not None:

        @app.get("/health/loop", include_in_schema=False)
        async def loop_lag() -> dict[str, float]:
            return probe.report_and_reset()

    # Added last = outermost: the request id and the size limit wrap everything.
    app.add_middleware(GzipWhenAccepted, minimum_size=1024)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "Location", "X-Request-ID"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app
