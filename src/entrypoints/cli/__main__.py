"""`python -m entrypoints.cli migrate | create-admin | dead-jobs | requeue-dead | lookalikes`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from adapters.sqlalchemy import migrate
from adapters.sqlalchemy.lookalikes import KeyTakenMeanwhile, backfill, survey
from application.accounts.registration import RegisterUserCommand
from application.errors import ApplicationError
from domain.errors import DomainError
from entrypoints.container import build_container, shutdown
from entrypoints.observability.logs import configure_logging
from entrypoints.settings import Settings


def _migrate(settings: Settings, revision: str) -> int:
    migrate.upgrade(settings.database_url, revision)
    print(f"database at revision {revision}")
    return 0


async def _create_admin(settings: Settings, email: str, name: str, password: str) -> int:
    container = build_container(settings)
    try:
        view = await container.register_user().execute(
            RegisterUserCommand(email=email, password=password, name=name, is_admin=True)
        )
    except (ApplicationError, DomainError) as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await shutdown(container)
    print(f"created admin {view.email} ({view.id})")
    return 0


async def _dead_jobs(settings: Settings, limit: int) -> int:
    container = build_container(settings)
    try:
        async with container.uow() as uow:
            dead = await uow.outbox.list_dead(limit)
    finally:
        await shutdown(container)
    for record in dead:
        m = record.message
        print(
            f"{record.dead_at:%Y-%m-%d %H:%M:%S} {m.id} {m.topic} tries={record.attempts} "
            f"{record.last_error}"
        )
    print(f"{len(dead)} dead job(s)")
    return 0


async def _requeue_dead(settings: Settings) -> int:
    container = build_container(settings)
    try:
        count = await container.requeue_dead_jobs().execute()
    finally:
        await shutdown(container)
    print(f"requeued {count} dead job(s)")
    return 0


async def _lookalikes(settings: Settings, fill: bool) -> int:
    """Read-only unless `fill`: the survey's scratch table is temporary and its transaction
    rolled back. With `fill`, rows without a current key get one, committed only when the
    survey is clean (see adapters.sqlalchemy.lookalikes.backfill)."""
    container = build_container(settings)
    keyed = 0
    try:
        skeletons = container.skeletons()
        async with container.engine().connect() as conn:
            if fill:
                found, keyed = await conn.run_sync(lambda sync: backfill(sync, skeletons))
                await conn.commit()
            else:
                found = await conn.run_sync(lambda sync: survey(sync, skeletons)[0])
                await conn.rollback()
    except KeyTakenMeanwhile as exc:
        print(exc)
        return 1
    finally:
        await shutdown(container)
    for line in found.lines():
        print(line)
    if fill:
        print(f"{keyed} account(s) keyed" if found.clean else "nothing was keyed: settle these")
    return 0 if found.clean else 1


def _password() -> str:
    from_env = os.environ.get("INKWELL_ADMIN_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass("Password for the new admin: ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m entrypoints.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("migrate", help="apply database migrations (alembic upgrade)")
    up.add_argument("revision", nargs="?", default="head")
    admin = sub.add_parser(
        "create-admin",
        help="create an administrator; the password comes from INKWELL_ADMIN_PASSWORD, "
        "standard input or a prompt",
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrator")
    dead = sub.add_parser("dead-jobs", help="list outbox messages whose jobs failed for good")
    dead.add_argument("--limit", type=int, default=50)
    sub.add_parser("requeue-dead", help="send dead jobs through the queue again")
    alike = sub.add_parser(
        "lookalikes",
        help="list accounts whose addresses read alike or break the address rules "
        "(exit status 1 when there are any); migration 0004 needs none",
    )
    alike.add_argument(
        "--backfill",
        action="store_true",
        help="then, if there are none, key the accounts that have no current lookalike key "
        "(those the release before 0004 wrote during a rolling deploy)",
    )
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.effective_log_format, settings.log_level)
    if args.command == "migrate":
        return _migrate(settings, args.revision)
    if args.command == "dead-jobs":
        return asyncio.run(_dead_jobs(settings, args.limit))
    if args.command == "requeue-dead":
        return asyncio.run(_requeue_dead(settings))
    if args.command == "lookalikes":
        return asyncio.run(_lookalikes(settings, args.backfill))
    return asyncio.run(_create_admin(settings, args.email, args.name, _password()))


if __name__ == "__main__":
    raise SystemExit(main())
