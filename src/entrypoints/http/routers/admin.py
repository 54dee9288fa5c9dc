from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from application.operations.audit import AuditEventView, ListAuditEventsQuery
from application.pagination import Page
from application.ports.audit import AuditFilter
from entrypoints.http.deps import ContainerDep, CurrentActor
from entrypoints.http.openapi import operation_id
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.schemas import AuditEventOut, AuditEventQuery, PageOut, problem_responses

router = APIRouter(
    prefix=f"{API_PREFIX}/admin", tags=["admin"], generate_unique_id_function=operation_id
)


@router.get(
    "/audit-events",
    response_model=PageOut[AuditEventOut],
    responses=problem_responses(400, 401, 403, 422),
)
async def list_audit_events(
    query: Annotated[AuditEventQuery, Query()], actor: CurrentActor, container: ContainerDep
) -> Page[AuditEventView]:
    """The audit log, newest first, for administrators: logins (succeeded, failed with
    their reason, throttled), logouts, refresh-token reuse, password and email changes,
    password resets and administrators' actions. `since` is inclusive, `until` exclusive;
    both need a UTC offset."""
    where = AuditFilter(
        kind=query.kind,
        actor_id=query.actor_id,
        subject_id=query.subject_id,
        since=query.since,
        until=query.until,
    )
    return await container.list_audit_events().execute(
        ListAuditEventsQuery(actor, where, query.limit, query.cursor)
    )
