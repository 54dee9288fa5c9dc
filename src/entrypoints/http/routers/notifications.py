from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from application.notifications.inbox import (
    MarkNotificationReadCommand,
    NotificationView,
)
from application.pagination import Page, PageQuery
from entrypoints.http.deps import ContainerDep, CurrentActor
from entrypoints.http.openapi import operation_id
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.schemas import NotificationOut, PageOut, problem_responses

router = APIRouter(
    prefix=f"{API_PREFIX}/notifications",
    tags=["notifications"],
    generate_unique_id_function=operation_id,
)
_MARK_FIRST_READ = {
    "operationId": "mark_read",
    "parameters": {"notification_id": "$response.body#/items/0/id"},
}


@router.get(
    "",
    response_model=PageOut[NotificationOut],
    responses={200: {"links": {"MarkRead": _MARK_FIRST_READ}}, **problem_responses(400, 401)},
)
async def list_notifications(
    actor: CurrentActor,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[NotificationView]:
    """Your notifications, newest first."""
    return await container.list_notifications().execute(PageQuery(actor, limit, cursor))


@router.post(
    "/{notification_id:uuid}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 404),
)
async def mark_read(
    notification_id: UUID, actor: CurrentActor, container: ContainerDep
) -> Response:
    await container.mark_notification_read().execute(
        MarkNotificationReadCommand(actor, notification_id)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
