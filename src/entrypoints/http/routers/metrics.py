"""GET /metrics: Prometheus exposition of this process (left out of the OpenAPI schema).
When INKWELL_METRICS_TOKEN is set, scrapers must send it as a bearer token; in production the
route exists only with a token or INKWELL_METRICS_PUBLIC=true (Settings.metrics_served)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Header, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from entrypoints.http.deps import ContainerDep
from entrypoints.http.errors import problem
from entrypoints.http.openapi import operation_id

router = APIRouter(
    tags=["operations"], include_in_schema=False, generate_unique_id_function=operation_id
)


@router.get("/metrics")
async def metrics(
    container: ContainerDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    token = container.settings().metrics_token
    if token is not None:
        expected = f"Bearer {token.get_secret_value()}"
        if not secrets.compare_digest((authorization or "").encode(), expected.encode()):
            return problem(
                401,
                "Unauthorized",
                "Metrics need the scrape token.",
                headers={"WWW-Authenticate": "Bearer"},
            )
    registry = container.metrics()
    await registry.refresh_outbox(container.outbox_stats())
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
