"""Migration 0004 during a rolling deploy: replicas of the release before it keep registering
(and changing addresses) while it runs and until they are replaced. They know no
email_skeleton column; nothing they do may fail, and `cli lookalikes --backfill` keys what
they wrote afterwards, stopping, as the migration does, on lookalikes they let in."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.sqlalchemy import lookalikes, migrate
from adapters.sqlalchemy.lookalikes import skeleton_key
from adapters.sqlalchemy.tables import users
from adapters.text.skeletons import Uts39Skeleton
from application.accounts.registration import RegisterUserCommand
from application.errors import EmailAlreadyRegistered
from domain.values import Email
from entrypoints.cli.__main__ import main
from entrypoints.container import shutdown
from tests.integration.conftest import sql_container
from tests.integration.old_release import database_at, old_accounts, old_rows, sql

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
async def at_0004(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """A database just migrated to 0004, which `cli` also points at."""
    async with database_at("0004", request, tmp_path) as url:
        monkeypatch.setenv("INKWELL_DATABASE_URL", url)
        yield url


async def _keys(url: str) -> dict[uuid.UUID, tuple[str, str | None]]:
    rows = await sql(url, sa.select(users.c.id, users.c.email, users.c.email_skeleton))
    return {row.id: (row.email, row.email_skeleton) for row in rows}


def _key(address: str) -> str:
    return skeleton_key(Uts39Skeleton(), Email(address))


async def _backfill() -> int:
    return await asyncio.to_thread(main, ["lookalikes", "--backfill"])


async def test_an_older_release_registers_after_0004_and_the_backfill_keys_its_accounts(
    at_0004: str,
) -> None:
    ada, bob = await old_accounts(at_0004, "ada@example.com", "stra\u00dfe@example.com")
    assert await _keys(at_0004) == {
        ada: ("ada@example.com", None),
        bob: ("stra\u00dfe@example.com", None),
    }
    assert await _backfill() == 0
    assert await _keys(at_0004) == {
        ada: ("ada@example.com", _key("ada@example.com")),
        bob: ("strasse@example.com", _key("strasse@example.com")),
    }


async def test_an_account_the_older_release_wrote_is_seen_by_the_lookalike_check_before_backfill(
    at_0004: str,
) -> None:
    await old_accounts(at_0004, "ada@example.com")
    container = sql_container(at_0004)
    try:
        with pytest.raises(EmailAlreadyRegistered):
            await container.register_user().execute(
                RegisterUserCommand("\u0430da@example.com", "p" * 12, "Impostor")
            )
        await container.register_user().execute(
            RegisterUserCommand("bob@example.com", "p" * 12, "Bob")
        )
    finally:
        await shutdown(container)
    assert dict((await _keys(at_0004)).values()) == {
        "ada@example.com": None,
        "bob@example.com": _key("bob@example.com"),
    }


async def test_an_address_the_older_release_changed_is_keyed_again_by_the_backfill(
    at_0004: str,
) -> None:
    [ada] = await old_accounts(at_0004, "ada@example.com")
    assert await _backfill() == 0
    await sql(at_0004, users.update().values(email="ava@example.com"))  # keeps ada's key
    assert await _backfill() == 0
    assert await _keys(at_0004) == {ada: ("ava@example.com", _key("ava@example.com"))}


async def test_the_backfill_stops_on_lookalikes_the_older_release_let_in(
    at_0004: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ada, impostor = await old_accounts(at_0004, "ada@example.com", "\u0430da@example.com")
    assert await _backfill() == 1
    out = capsys.readouterr().out
    assert any(
        f"{ada} 'ada@example.com'" in line and f"{impostor} '\u0430da@example.com'" in line
        for line in out.splitlines()
    )
    assert "nothing was keyed" in out
    assert {key for _, key in (await _keys(at_0004)).values()} == {None}


@pytest.fixture(params=["sqlite", "postgres"])
async def at_0003(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database_at("0003", request, tmp_path) as url:
        yield url


async def test_an_account_registered_while_0004_runs_is_left_for_the_backfill(
    at_0003: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older replica's insert lands after the migration surveyed the table."""
    surveyed = lookalikes.survey
    [late], inserts = old_rows("late@example.com")

    def survey_then_an_insert(conn: sa.Connection, *args: Any) -> Any:
        found = surveyed(conn, *args)
        while inserts:  # once: the backfill surveys again
            conn.execute(inserts.pop(0))
        return found

    monkeypatch.setattr(lookalikes, "survey", survey_then_an_insert)
    [ada] = await old_accounts(at_0003, "ada@example.com")
    await asyncio.to_thread(migrate.upgrade, at_0003, "0004")
    assert await _keys(at_0003) == {
        ada: ("ada@example.com", _key("ada@example.com")),
        late: ("late@example.com", None),
    }
    monkeypatch.setenv("INKWELL_DATABASE_URL", at_0003)
    assert await _backfill() == 0
    assert (await _keys(at_0003))[late] == ("late@example.com", _key("late@example.com"))
