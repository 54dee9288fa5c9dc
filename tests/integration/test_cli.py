from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.cli.__main__ import main
from tests.leak_guard import GUARD

pytestmark = pytest.mark.integration


def test_migrate_then_create_admin_then_refuse_a_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INKWELL_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("INKWELL_ARGON2_MEMORY_COST_KIB", "64")
    monkeypatch.setenv("INKWELL_ADMIN_PASSWORD", "an admin password")
    assert main(["migrate"]) == 0
    assert main(["create-admin", "--email", "Root@Example.com"]) == 0
    assert "created admin root@example.com" in capsys.readouterr().out
    assert main(["create-admin", "--email", "root@example.com"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_the_cli_runs_as_a_module_and_reads_the_password_from_stdin(tmp_path: Path) -> None:
    env = {
        "INKWELL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "INKWELL_ARGON2_MEMORY_COST_KIB": "64",
        "PATH": "/usr/bin:/bin",
    }
    run = [sys.executable, "-m", "entrypoints.cli"]
    migrated = subprocess.run([*run, "migrate"], env=env, check=True, capture_output=True)
    weak = subprocess.run(
        [*run, "create-admin", "--email", "a@x.io"],
        env=env,
        input="short\n",
        capture_output=True,
        text=True,
    )
    assert weak.returncode == 1
    assert "Password must be" in weak.stderr
    for line in [*migrated.stderr.decode().splitlines(), *weak.stderr.splitlines()]:
        GUARD.feed("cli", line)


def test_creating_an_admin_and_requeueing_dead_jobs_are_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from application.ports.audit import AuditFilter
    from entrypoints.container import build_container, shutdown
    from entrypoints.settings import Settings

    monkeypatch.setenv("INKWELL_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("INKWELL_ARGON2_MEMORY_COST_KIB", "64")
    monkeypatch.setenv("INKWELL_ADMIN_PASSWORD", "an admin password")
    monkeypatch.setenv("INKWELL_JWT_SECRET_FILE", str(tmp_path / "jwt_secret"))
    assert main(["migrate"]) == 0
    assert main(["create-admin", "--email", "root@example.com"]) == 0
    assert main(["requeue-dead"]) == 0
    assert "requeued 0 dead job(s)" in capsys.readouterr().out

    async def trail() -> list[tuple[str, dict[str, object]]]:
        container = build_container(Settings())
        try:
            async with container.uow() as uow:
                found = await uow.audit.list(AuditFilter(), after=None, limit=10)
        finally:
            await shutdown(container)
        return sorted((e.kind.value, dict(e.details)) for e in found)

    assert asyncio.run(trail()) == [
        ("admin_created", {"email": "root@example.com", "via": "cli"}),
        ("dead_jobs_requeued", {"count": 0, "via": "cli"}),
    ]
