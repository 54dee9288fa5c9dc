"""Migration 0004 on databases that already hold accounts: addresses are normalised again and
keyed by skeleton, nothing else is touched; lookalikes or refused addresses stop it, named,
before it changes anything; `cli lookalikes` lists the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.sqlalchemy import migrate
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.tables import posts as _posts
from adapters.sqlalchemy.tables import users as _users
from application.accounts.registration import RegisterUserCommand
from application.errors import EmailAlreadyRegistered
from entrypoints.cli.__main__ import main
from entrypoints.container import shutdown
from tests.integration.conftest import sql_container
from tests.integration.old_release import database_at
from tests.integration.old_release import old_accounts as _old_accounts
from tests.integration.old_release import sql as _sql

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
async def at_0003(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database at revision 0003, the last one before skeletons."""
    async with database_at("0003", request, tmp_path) as url:
        yield url


def _one_line_names(report: str, *accounts: str) -> bool:
    return any(all(a in line for a in accounts) for line in report.splitlines())


async def test_existing_addresses_are_normalised_and_keyed_and_nothing_else_changes(
    at_0003: str,
) -> None:
    ada, strasse = await _old_accounts(at_0003, "ada@example.com", "stra\u00dfe@example.com")
    await asyncio.to_thread(migrate.upgrade, at_0003)
    rows = await _sql(at_0003, sa.select(_users.c.id, _users.c.email).order_by(_users.c.email))
    assert {(r.id, r.email) for r in rows} == {
        (ada, "ada@example.com"),
        (strasse, "strasse@example.com"),
    }
    [(posts,)] = await _sql(at_0003, sa.select(sa.func.count()).select_from(_posts))
    assert posts == 2
    container = sql_container(at_0003)
    try:
        with pytest.raises(EmailAlreadyRegistered):
            await container.register_user().execute(
                RegisterUserCommand("\u0430da@example.com", "p" * 12, "Impostor")
            )
        view = await container.register_user().execute(
            RegisterUserCommand("bob@example.com", "p" * 12, "Bob")
        )
        assert view.email == "bob@example.com"
    finally:
        await shutdown(container)


async def test_lookalikes_already_stored_stop_the_migration_before_it_changes_anything(
    at_0003: str,
) -> None:
    ada, impostor, hidden = await _old_accounts(
        at_0003, "ada@example.com", "\u0430da@example.com", "b\u200dob@example.com"
    )
    with pytest.raises(Exception, match="stopped before changing anything") as stopped:
        await asyncio.to_thread(migrate.upgrade, at_0003)
    report = str(stopped.value)
    assert "1 group(s) of accounts whose addresses read alike" in report
    assert _one_line_names(report, f"{ada} 'ada@example.com'", f"{impostor} '\u0430da@example.com'")
    assert "1 account(s) with an address the rules now refuse" in report
    assert f"{hidden} 'b\\u200dob@example.com': The email address must not contain invisible" in (
        report
    )
    [(version,)] = await _sql(at_0003, sa.text("SELECT version_num FROM alembic_version"))
    assert version == "0003"
    engine = create_engine(at_0003)
    try:
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda c: sa.inspect(c).get_columns("users"))
    finally:
        await engine.dispose()
    assert "email_skeleton" not in {c["name"] for c in columns}

    await _sql(at_0003, _users.delete().where(_users.c.id.in_([impostor, hidden])))
    await asyncio.to_thread(migrate.upgrade, at_0003, "0004")
    [(version,)] = await _sql(at_0003, sa.text("SELECT version_num FROM alembic_version"))
    assert version == "0004"


def test_the_cli_lists_lookalikes_and_fails_until_there_are_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INKWELL_DATABASE_URL", url)
    migrate.upgrade(url, "0003")
    ada, impostor = asyncio.run(_old_accounts(url, "ada@example.com", "ada@ex\u0430mple.com"))
    assert main(["lookalikes"]) == 1
    out = capsys.readouterr().out
    assert _one_line_names(out, f"{ada} 'ada@example.com'", f"{impostor} 'ada@ex\u0430mple.com'")
    asyncio.run(_sql(url, _users.delete().where(_users.c.id == impostor)))
    assert main(["lookalikes"]) == 0
    assert "0 group(s)" in capsys.readouterr().out
