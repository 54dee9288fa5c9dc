from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from entrypoints.http.deps import ContainerDep
from entrypoints.http.openapi import operation_id
from entrypoints.http.schemas import Liveness, Readiness

router = APIRouter(prefix="/health", tags=["operations"], generate_unique_id_function=operation_id)
log = logging.getLogger("inkwell.health")
# Under the 2 s within which every answer comes, even from a hung database.
PROBE_TIMEOUT_SECONDS = 1.5


@router.get("/live", response_model=Liveness)
async def live() -> dict[str, str]:
    """The process is up (no dependency is checked)."""
    return {"status": "ok"}


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The database is unreachable"}},
)
async def ready(container: ContainerDep) -> JSONResponse:
    """Ready to serve: the database answers within 1.5 seconds. Redis is reported but never
    fails readiness: without it the API keeps serving on its fallbacks."""
    redis = "disabled"
    if container.settings().shared_state == "redis":
        redis = "ok" if await container.redis_circuit().ping() else "degraded"
    try:
        await asyncio.wait_for(container.database_probe().ping(), PROBE_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure to answer means "not ready"
        log.warning("readiness: database unavailable: %s", type(exc).__name__)
        body = {"status": "unavailable", "database": "down", "redis": redis}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "redis": redis})
