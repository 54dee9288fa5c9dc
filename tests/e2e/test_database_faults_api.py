"""How database failures reach a client: the mapping in entrypoints/http/errors.py (the
SQLAlchemy adapters raise StoreUnavailable for a database that cannot serve now). (The real
thing, a stopped or hung Postgres under load, is tests/integration/test_faults.py.)"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import exc

from application.errors import StoreUnavailable
from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.e2e.conftest import assert_problem


def _unavailable(cause: BaseException) -> StoreUnavailable:
    error = StoreUnavailable("The database did not answer.")
    error.__cause__ = cause
    return error


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server said something about row (1, '$argon2id$...') [{sqlstate}]")
        self.sqlstate = sqlstate


def _dbapi(sqlstate: str, *, invalidated: bool = False) -> exc.DBAPIError:
    return exc.DBAPIError(
        "SELECT 1", None, _DriverError(sqlstate), connection_invalidated=invalidated
    )


async def _answer_when_use_case_raises(
    container: Container, error: BaseException
) -> httpx.Response:
    class Failing:
        async def execute(self, *_args: object, **_kwargs: object) -> None:
            raise error

    container.create_post.override(Failing())
    transport = httpx.ASGITransport(app=create_app(container), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        ada = {"email": "ada@example.com", "password": "p" * 12, "name": "A"}
        await c.post("/users", json=ada)
        token = await c.post("/auth/token", data={"username": ada["email"], "password": "p" * 12})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return await c.post("/posts", json={"title": "t", "body": "b"}, headers=auth)


@pytest.mark.parametrize(
    "error",
    [
        # What the SQLAlchemy adapters raise for a database that cannot serve now (which
        # driver errors those are: tests/unit/test_store_errors.py):
        _unavailable(exc.TimeoutError("QueuePool limit of size 1 overflow 0 reached")),
        _unavailable(ConnectionRefusedError(111, "Connect call failed")),  # server stopped
        _unavailable(TimeoutError()),  # connect or command timeout: a hung server or network
        _unavailable(_dbapi("08003", invalidated=True)),  # connection dropped mid-statement
    ],
    ids=["pool", "refused", "timeout", "dropped"],
)
async def test_a_database_that_cannot_serve_now_is_a_503_problem_to_retry(
    container: Container, error: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    response = await _answer_when_use_case_raises(container, error)
    body = assert_problem(response, 503)
    assert response.headers["retry-after"] == "2"
    assert body["detail"] == "The database is unavailable; retry shortly."
    assert "argon2" not in caplog.text  # the driver's message is never logged


async def test_any_other_database_error_is_a_generic_500(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    response = await _answer_when_use_case_raises(container, _dbapi("42P01"))  # undefined table
    body = assert_problem(response, 500)
    assert body["detail"] == "An unexpected error occurred."
    assert "DBAPIError" in caplog.text
    assert "argon2" not in caplog.text


async def test_an_os_error_that_is_not_the_databases_is_a_500_not_a_503(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug (a missing file, a permission, a timeout elsewhere) is not reported as a database
    outage that clients should retry."""
    response = await _answer_when_use_case_raises(container, FileNotFoundError("/var/x"))
    body = assert_problem(response, 500)
    assert body["detail"] == "An unexpected error occurred."
    assert "FileNotFoundError" in caplog.text


async def test_a_500_carries_each_security_header_once(container: Container) -> None:
    """A database error that is a bug is answered inside the request-id middleware, and the
    500 handler adds the headers too: the middleware must not add them again."""
    response = await _answer_when_use_case_raises(container, _dbapi("23503"))  # FK violation
    assert_problem(response, 500)
    for name in ("x-request-id", "x-frame-options", "x-content-type-options", "referrer-policy"):
        assert len(response.headers.get_list(name)) == 1, name
