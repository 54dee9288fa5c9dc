"""The SQLAlchemy adapters name a database that cannot serve now as the application's
StoreUnavailable (so the HTTP edge never imports a driver); anything else stays a bug."""

from __future__ import annotations

import pytest
from sqlalchemy import exc

from adapters.sqlalchemy.engine import as_store_error


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"[{sqlstate}]")
        self.sqlstate = sqlstate


def _dbapi(sqlstate: str, *, invalidated: bool = False) -> exc.DBAPIError:
    return exc.DBAPIError(
        "SELECT 1", None, _DriverError(sqlstate), connection_invalidated=invalidated
    )


@pytest.mark.parametrize(
    "error",
    [
        exc.TimeoutError("QueuePool limit of size 1 overflow 0 reached"),  # pool exhausted
        ConnectionRefusedError(111, "Connect call failed"),  # server stopped
        TimeoutError(),  # connect or command timeout
        _dbapi("08003", invalidated=True),  # connection dropped mid-statement
        _dbapi("57P03"),  # the database system is starting up
        _dbapi("53300"),  # too many connections
        _dbapi("57014"),  # statement_timeout
    ],
    ids=["pool", "refused", "timeout", "dropped", "starting", "too-many", "statement-timeout"],
)
def test_a_database_that_cannot_serve_now_is_store_unavailable(error: BaseException) -> None:
    assert as_store_error(error) is not None


@pytest.mark.parametrize(
    "error", [_dbapi("42P01"), _dbapi("23505"), ValueError("x")], ids=["table", "unique", "bug"]
)
def test_any_other_error_is_left_as_it_is(error: BaseException) -> None:
    assert as_store_error(error) is None
