"""FastAPI app factory: `uvicorn entrypoints.http.app:create_app --factory`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from entrypoints.container import Container, build_container, shutdown
from entrypoints.http.body_limits import BodyLimitsMiddleware
from entrypoints.http.docs import install_redoc
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.loop_lag import LoopLagProbe
from entrypoints.http.middleware import GzipWhenAccepted, RequestIdMiddleware
from entrypoints.http.openapi import install_openapi, operation_id
from entrypoints.http.route_order import hot_routes_first
from entrypoints.http.routers import (
    admin,
    auth,
    health,
    metrics,
    notifications,
    pages,
    posts,
    users,
)
from entrypoints.observability.logs import ACCESS_LOGGER, configure_logging, get_logger
from entrypoints.relay import start_relay

YOUNG_GC_THRESHOLD = 10_000


def create_app(container: Container | None = None) -> FastAPI:
    container = container or build_container()
    settings = container.settings()
    configure_logging(settings.effective_log_format, settings.log_level)

    probe = LoopLagProbe() if settings.loop_lag_probe else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # uvicorn runs the shutdown half after the requests in flight have been answered (up
        # to --timeout-graceful-shutdown): the relay then dispatches what they committed.
        relay = start_relay(container)
        tasks = [] if probe is None else [asyncio.get_running_loop().create_task(probe.run())]
        # Everything built at start-up (modules, the app, the container) lives as long as the
        # process: frozen, the collector stops re-scanning it in every full collection.
        gc.collect()
        gc.freeze()
        # A request allocates a few thousand short-lived objects; at the default (700) the
        # youngest generation was collected on every request, several times (bench/README.md,
        # "Figures behind code comments").
        gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])
        yield
        if relay is not None:
            await relay.stop()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await shutdown(container)

    app: FastAPI = FastAPIOffline(
        title="Inkwell",
        version="0.1.0",
        description="Publishing backend: accounts, authentication, posts, follows and feed. "
        "Ids in paths are UUIDs: one that is not names nothing and is a 404, like an unknown id.",
        lifespan=lifespan,
        swagger_ui_init_oauth={"usePkceWithAuthorizationCodeGrant": False},
        # Swagger UI's default shows a badge loaded from validator.swagger.io, which would
        # also hand that service the URL of this API's document.
        swagger_ui_parameters={"validatorUrl": None},
        generate_unique_id_function=operation_id,
        redoc_url=None,  # ours, see install_redoc
    )
    app.state.container = container
    # Recorded only where someone can read them (see Settings.metrics_served).
    app.state.metrics = container.metrics() if settings.metrics_served else None

    # The routes themselves, not the routers: FastAPI includes a router by reference and
    # walks it on every request to match, which costs every request CPU (bench/README.md,
    # "Figures behind code comments").
    for module in (auth, users, posts, notifications, admin, health, pages):
        app.router.routes.extend(module.router.routes)
    if settings.metrics_served:
        app.router.routes.extend(metrics.router.routes)
    elif settings.metrics_enabled:
        # Not a refusal to start: the API serves users whatever the monitoring says; the
        # scraper sees a 404 and this line says why.
        get_logger("inkwell.http").warning(
            "GET /metrics is not served: production needs INKWELL_METRICS_TOKEN, or "
            "INKWELL_METRICS_PUBLIC=true where only the monitoring can reach the API"
        )
    install_error_handlers(app)
    install_openapi(app)
    install_redoc(app)
    if probe is not None:

        @app.get("/health/loop", include_in_schema=False)
        async def loop_lag() -> dict[str, float]:
            return probe.report_and_reset()

    # The document keeps the routes' declared order; matching then tries the hot ones first.
    app.openapi()
    app.router.routes[:] = hot_routes_first(app.router.routes)

    # Added last = outermost: the request id and the body's limits wrap everything.
    app.add_middleware(GzipWhenAccepted, minimum_size=1024)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            # Inkwell-Device: the login's device token, for front ends that keep it themselves.
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "Inkwell-Device",
            ],
            expose_headers=["ETag", "Location", "X-Request-ID", "Inkwell-Device"],
        )
    app.add_middleware(
        BodyLimitsMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout_seconds=settings.http_body_timeout_seconds,
    )
    app.add_middleware(
        RequestIdMiddleware,
        access_log=get_logger(ACCESS_LOGGER) if settings.access_log else None,
        metrics=app.state.metrics,
    )
    return app
