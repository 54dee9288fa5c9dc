"""Lookalike addresses in a database: the key the users table is unique on, the survey that
the 0004 migration and `python -m entrypoints.cli lookalikes` run over stored rows, and the
keying of rows without a current key (the migration's backfill, which `lookalikes --backfill`
runs again for rows the release before 0004 wrote during a rolling deploy)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.tables import users
from application.ports.text import ConfusableSkeleton
from domain.errors import InvalidEmail
from domain.values import Email

CHUNK = 5_000  # rows read and written per statement: bounded memory whatever the table size
SHOWN = 20  # problems named in a report; the counts cover all of them


def skeleton_key(skeletons: ConfusableSkeleton, email: Email) -> str:
    """SHA-256 of the skeleton of the address as read (Email.as_read): a fixed 64 characters
    in a unique index, although a skeleton can be several times longer than its address."""
    return hashlib.sha256(skeletons.of(email.as_read).encode("utf-8")).hexdigest()


@dataclass
class Survey:
    """What stops stored addresses from holding the current rules: addresses the rules now
    refuse, and groups of accounts whose addresses read alike (one skeleton)."""

    refused: list[tuple[UUID, str, str]] = field(default_factory=list)  # id, address, why
    refused_count: int = 0
    groups: list[list[tuple[UUID, str]]] = field(default_factory=list)  # (id, address), ...
    group_count: int = 0

    @property
    def clean(self) -> bool:
        return not (self.refused_count or self.group_count)

    def lines(self) -> Iterator[str]:
        yield f"{self.refused_count} account(s) with an address the rules now refuse"
        for user_id, address, why in self.refused:
            yield f"  {user_id} {address!r}: {why}"
        yield f"{self.group_count} group(s) of accounts whose addresses read alike"
        for group in self.groups:
            yield "  " + ", ".join(f"{user_id} {address!r}" for user_id, address in group)


_scratch = MetaData()
_survey = Table(
    "lookalike_survey",
    _scratch,
    Column("id", Uuid, primary_key=True),
    Column("stored", String(254), nullable=False),  # the address as read, before normalising
    Column("email", String(254), nullable=False),
    Column("email_skeleton", String(64), nullable=False, index=True),
    prefixes=["TEMPORARY"],
)


def survey(conn: Connection, skeletons: ConfusableSkeleton) -> tuple[Survey, Table]:
    """Normalise every stored address and key it, into a temporary table on `conn` (returned,
    for the migration to copy from; it goes with the connection). Reads in chunks by id."""
    _survey.drop(conn, checkfirst=True)
    _survey.create(conn)
    found, after = Survey(), None
    while True:
        query = select(users.c.id, users.c.email).order_by(users.c.id).limit(CHUNK)
        rows = conn.execute(query if after is None else query.where(users.c.id > after)).all()
        if not rows:
            break
        after, keyed = rows[-1].id, []
        for user_id, stored in rows:
            try:
                email = Email(stored)
            except InvalidEmail as exc:
                found.refused_count += 1
                if len(found.refused) < SHOWN:
                    found.refused.append((user_id, stored, exc.message))
                continue
            key = skeleton_key(skeletons, email)
            keyed.append(
                {"id": user_id, "stored": stored, "email": email.value, "email_skeleton": key}
            )
        if keyed:
            conn.execute(_survey.insert(), keyed)
    alike = (
        select(_survey.c.email_skeleton)
        .group_by(_survey.c.email_skeleton)
        .having(func.count() > 1)
        .subquery()
    )
    found.group_count = conn.execute(select(func.count()).select_from(alike)).scalar_one()
    shown = select(alike.c.email_skeleton).order_by(alike.c.email_skeleton).limit(SHOWN)
    members = conn.execute(
        select(_survey.c.email_skeleton, users.c.id, users.c.email)
        .join(users, users.c.id == _survey.c.id)
        .where(_survey.c.email_skeleton.in_(shown))
        .order_by(_survey.c.email_skeleton, users.c.created_at, users.c.id)
    ).all()
    groups: dict[str, list[tuple[UUID, str]]] = {}
    for key, user_id, stored in members:
        groups.setdefault(key, []).append((user_id, stored))
    found.groups = list(groups.values())
    return found, _survey


def key_rows(conn: Connection, scratch: Table) -> int:
    """Give every surveyed row whose key is missing or out of date (written by the release
    before 0004, which knows no key, or under older confusables data) its normalised address
    and current key; returns how many. Only after a clean survey: the keys are then unique.
    A row whose address changed since the survey is left alone, for the next run."""
    surveyed = scratch.c.id == users.c.id
    unchanged = and_(surveyed, scratch.c.stored == users.c.email)
    stale = or_(
        scratch.c.email_skeleton != users.c.email_skeleton, scratch.c.email != users.c.email
    )
    # Out-of-date keys are cleared first: rewritten in place, one could meet another row's
    # old key mid-statement, and a unique index is checked row by row. NULLs never collide.
    conn.execute(
        users.update()
        .where(users.c.email_skeleton.is_not(None), exists().where(unchanged, stale))
        .values(email_skeleton=None)
    )
    return conn.execute(
        users.update()
        .where(users.c.email_skeleton.is_(None), exists().where(unchanged))
        .values(
            email=select(scratch.c.email).where(surveyed).scalar_subquery(),
            email_skeleton=select(scratch.c.email_skeleton).where(surveyed).scalar_subquery(),
        )
    ).rowcount


def backfill(conn: Connection, skeletons: ConfusableSkeleton) -> tuple[Survey, int]:
    """Survey, then key the rows that need it (see key_rows) only if the survey is clean;
    returns the survey and how many rows were keyed. The caller commits."""
    found, scratch = survey(conn, skeletons)
    try:
        keyed = key_rows(conn, scratch) if found.clean else 0
    except IntegrityError:
        raise KeyTakenMeanwhile(
            "an account registered since the survey reads like one being keyed; nothing was "
            "keyed: run again to see it listed"
        ) from None
    scratch.drop(conn)
    return found, keyed


class KeyTakenMeanwhile(RuntimeError):
    """A row written after the survey holds a key the backfill was about to give."""
