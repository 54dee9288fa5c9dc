from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI

from application.operations.jobs import MessageCommand
from entrypoints.container import Container
from entrypoints.http.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        yield c


@dataclass
class Account:
    id: str
    email: str
    access: str
    refresh: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Any:
    response = await client.post("/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


async def signup(client: httpx.AsyncClient, email: str, name: str = "User") -> Account:
    response = await client.post(
        "/users", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert response.status_code == 201, response.text
    tokens = await login(client, email)
    return Account(response.json()["id"], email, tokens["access_token"], tokens["refresh_token"])


async def make_admin(client: httpx.AsyncClient, container: Container, email: str) -> Account:
    from application.accounts.registration import RegisterUserCommand

    view = await container.register_user().execute(
        RegisterUserCommand(email, PASSWORD, "Admin", is_admin=True)
    )
    tokens = await login(client, email)
    return Account(str(view.id), email, tokens["access_token"], tokens["refresh_token"])


@pytest.fixture
async def ada(client: httpx.AsyncClient) -> Account:
    return await signup(client, "ada@example.com", "Ada")


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await signup(client, "bob@example.com", "Bob")


@pytest.fixture
async def admin(client: httpx.AsyncClient, container: Container) -> Account:
    return await make_admin(client, container, "root@example.com")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


async def drain(container: Container) -> int:
    """Relay the outbox and run every queued job, as the relay and the worker would."""
    from adapters.memory.jobs import RecordingJobQueue

    queue = container.job_queue()
    assert isinstance(queue, RecordingJobQueue)
    ran = 0
    while await container.dispatch_outbox().execute() or queue.pending:
        pending, queue.pending = queue.pending, []
        for message_id in pending:
            await container.handle_outbox_message().execute(MessageCommand(message_id))
            ran += 1
    return ran


def mails(container: Container) -> list[Any]:
    from adapters.email.senders import MemoryEmailSender

    sender = container.email_sender()
    assert isinstance(sender, MemoryEmailSender)
    return sender.outbox


def token_in(mail: Any) -> str:
    import re

    from tests.leak_guard import GUARD

    match = re.search(r"\?token=([A-Za-z0-9_-]+)", mail.text)
    assert match, mail.text
    GUARD.register(match.group(1))
    return match.group(1)


def all_routes(app: FastAPI) -> list[Any]:
    """Every route, including those of included routers (which FastAPI now keeps nested
    instead of copying into app.routes)."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    return list(iterate(app.routes)) if iterate else list(app.routes)
