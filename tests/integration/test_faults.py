"""Database faults, seen from outside a real API process (the deployed command, production
settings, a database of its own) whose Postgres sits behind a proxy the test controls:
stopped, hung (black hole), and out of pooled connections."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest

from tests.integration.conftest import ProxiedPostgres, _asyncpg_dsn, _free_port
from tests.integration.test_replicas import PASSWORD, _signup

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
GRACEFUL_SECONDS = 5


@dataclass
class ApiServer:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.root}/api/v1"


@contextmanager
def api_server(database_url: str, redis_url: str, prefix: str, **extra: str) -> Iterator[ApiServer]:
    """`python -m entrypoints.http`, as deployed, with production settings; ready when yielded."""
    port = _free_port()
    env = {
        **os.environ,
        "INKWELL_ENV": "production",
        "INKWELL_DATABASE_URL": database_url,
        "INKWELL_REDIS_URL": redis_url,
        "INKWELL_REDIS_KEY_PREFIX": prefix,
        "INKWELL_JOB_QUEUE_NAME": f"{prefix}queue",
        "INKWELL_EMAIL_BACKEND": "smtp",
        "INKWELL_JWT_SECRET": "faults-tests-share-this-signing-secret-0123456789",
        "INKWELL_ARGON2_MEMORY_COST_KIB": "64",
        "INKWELL_ARGON2_TIME_COST": "1",
        "INKWELL_REGISTRATIONS_PER_CLIENT": "100000",
        **extra,
    }
    command = [sys.executable, "-m", "entrypoints.http", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning"]
    command += ["--timeout-graceful-shutdown", str(GRACEFUL_SECONDS)]
    server = ApiServer(subprocess.Popen(command, env=env), port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{server.root}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.process.poll() is not None:
                raise RuntimeError("the API process did not become ready")
            time.sleep(0.1)
        yield server
    finally:
        if server.process.poll() is None:
            server.process.terminate()
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


@dataclass(frozen=True)
class Answer:
    kind: str
    started: float
    seconds: float
    status: int  # 0: no answer at all (connection error or the client's 10 s timeout)
    content_type: str
    retry_after: str | None

    @property
    def ended(self) -> float:
        return self.started + self.seconds


@dataclass
class Load:
    """Concurrent clients of one API process, every answer timed."""

    http: httpx.AsyncClient
    api: str
    t0: float = field(default_factory=time.monotonic)
    answers: list[Answer] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def call(self, kind: str, method: str, url: str, **kw: object) -> httpx.Response | None:
        started = self.now()
        try:
            response = await self.http.request(method, url, **kw)  # type: ignore[arg-type]
        except httpx.TransportError:
            self.answers.append(Answer(kind, started, self.now() - started, 0, "", None))
            return None
        self.answers.append(
            Answer(
                kind,
                started,
                self.now() - started,
                response.status_code,
                response.headers.get("content-type", ""),
                response.headers.get("retry-after"),
            )
        )
        return response

    def of(self, *kinds: str) -> list[Answer]:
        return [a for a in self.answers if a.kind in kinds]


@dataclass
class Writes:
    registered: list[str] = field(default_factory=list)
    unregistered: list[str] = field(default_factory=list)  # answered 503
    created: list[str] = field(default_factory=list)
    uncreated: list[tuple[str, str]] = field(default_factory=list)  # (title, Idempotency-Key)


WRITES = ("register", "create", "publish")
THINK_SECONDS = 0.02  # between one client's requests: load, not a CPU-saturating stampede


async def _run(
    load: Load,
    auth: dict[str, str],
    post_id: str,
    root: str,
    fault: Callable[[], None],
    recover: Callable[[], None],
) -> tuple[Writes, float, float]:
    """16 clients (registrations, drafts published, a cached post, notifications) and two
    probers for 7 s: the fault from 1 s to 4 s. Returns the writes and when the fault began
    and ended."""
    writes = Writes()
    until, marks = 7.0, {}

    async def register(n: int) -> None:
        i = 0
        while load.now() < until:
            email, i = f"r{n}-{i}@example.com", i + 1
            body = {"email": email, "password": PASSWORD, "name": "R"}
            response = await load.call("register", "POST", f"{load.api}/users", json=body)
            if response is not None and response.status_code == 201:
                writes.registered.append(email)
            elif response is not None and response.status_code == 503:
                writes.unregistered.append(email)
            await asyncio.sleep(THINK_SECONDS)

    async def write_posts(n: int) -> None:
        i = 0
        while load.now() < until:
            title, key, i = f"p{n}-{i}", uuid.uuid4().hex, i + 1
            headers = {**auth, "Idempotency-Key": key}
            body = {"title": title, "body": "b"}
            created = await load.call(
                "create", "POST", f"{load.api}/posts", json=body, headers=headers
            )
            if created is not None and created.status_code == 201:
                writes.created.append(title)
                url = f"{load.api}/posts/{created.json()['id']}/publish"
                await load.call("publish", "POST", url, headers=auth)
            elif created is not None and created.status_code == 503:
                writes.uncreated.append((title, key))
            await asyncio.sleep(THINK_SECONDS)

    async def read(n: int) -> None:
        while load.now() < until:
            if n % 2:
                await load.call("cached read", "GET", f"{load.api}/posts/{post_id}")
            else:
                await load.call("read", "GET", f"{load.api}/notifications", headers=auth)
            await asyncio.sleep(THINK_SECONDS)

    async def probe(path: str) -> None:
        while load.now() < until:
            await load.call(path, "GET", f"{root}/health/{path}")
            await asyncio.sleep(0.05)

    async def operator() -> None:
        await asyncio.sleep(1.0 - load.now())
        await asyncio.to_thread(fault)
        marks["fault"] = load.now()
        await asyncio.sleep(4.0 - load.now())
        await asyncio.to_thread(recover)
        marks["recovered"] = load.now()

    clients = [register, register, register, register, write_posts, write_posts, write_posts]
    clients += [write_posts] + [read] * 8
    probes = (probe("ready"), probe("live"))
    await asyncio.gather(operator(), *probes, *(c(n) for n, c in enumerate(clients)))
    return writes, marks["fault"], marks["recovered"]


def _check_answers(load: Load, fault: float, recovered: float) -> float:
    """What a client sees: returns the worst latency."""
    odd = [a for a in load.answers if a.status not in (200, 201, 503)]
    assert not odd, odd[:5]  # no 500, no 4xx, no request left without an answer
    unavailable = [a for a in load.answers if a.status == 503 and a.kind != "ready"]
    assert all(a.content_type == PROBLEM and a.retry_after == "2" for a in unavailable)
    worst = max(a.seconds for a in load.answers)
    assert worst < 2.0, sorted(load.answers, key=lambda a: a.seconds)[-3:]

    def during(a: Answer) -> bool:  # asked after the fault began, answered before it ended
        return a.started > fault + 0.05 and a.ended < recovered

    assert all(a.status == 200 for a in load.of("live"))
    ready_down = [a.status for a in load.of("ready") if during(a)]
    assert ready_down
    assert set(ready_down) == {503}
    writes_down = [a.status for a in load.of(*WRITES) if during(a)]
    assert len(writes_down) >= 4
    assert set(writes_down) == {503}

    # It recovers by itself: ready again soon, then every request succeeds.
    back = min(a.ended for a in load.of("ready") if a.started > recovered and a.status == 200)
    assert back - recovered < 2.0
    after = [a for a in load.answers if a.started > back + 0.1]
    assert len(after) > 30
    assert all(a.status in (200, 201) for a in after), after[:5]
    assert {a.kind for a in after} >= {"register", "create", "publish", "read", "ready"}
    return worst


async def _check_nothing_lost_or_half_done(
    load: Load, auth: dict[str, str], writes: Writes, database_url: str
) -> None:
    """Every acknowledged write is there, each whole (row and outbox event together), and
    every write answered 503 can be retried: it either never happened or is found done."""
    clients = asyncio.Semaphore(16)

    async def retry(url: str, body: dict[str, str], headers: dict[str, str]) -> int:
        async with clients:
            return (await load.http.post(url, json=body, headers=headers)).status_code

    registrations = [
        retry(f"{load.api}/users", {"email": email, "password": PASSWORD, "name": "R"}, {})
        for email in writes.unregistered
    ]
    # 409: its commit had reached the server after all (the answer was lost, not the data).
    assert set(await asyncio.gather(*registrations)) <= {201, 409}
    posts = [
        retry(f"{load.api}/posts", {"title": title, "body": "b"}, {**auth, "Idempotency-Key": key})
        for title, key in writes.uncreated
    ]
    assert set(await asyncio.gather(*posts)) <= {201}
    conn = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        emails = {r["email"] for r in await conn.fetch("SELECT email FROM users")}
        assert set(writes.registered) | set(writes.unregistered) <= emails
        titles = [r["title"] for r in await conn.fetch("SELECT title FROM posts")]
        assert set(writes.created) | {t for t, _ in writes.uncreated} <= set(titles)
        # One Idempotency-Key, one post: a retried create whose first try had committed
        # after all (only its answer was lost) replayed it instead of writing a second one.
        assert len(titles) == len(set(titles))
        users_without_one_event = await conn.fetchval(
            """SELECT count(*) FROM users u WHERE (SELECT count(*) FROM outbox o
               WHERE o.topic = 'UserRegistered' AND o.payload->>'user_id' = u.id::text) <> 1"""
        )
        events_without_user = await conn.fetchval(
            """SELECT count(*) FROM outbox o WHERE o.topic = 'UserRegistered' AND NOT EXISTS
               (SELECT 1 FROM users u WHERE u.id::text = o.payload->>'user_id')"""
        )
        posts_half_published = await conn.fetchval(
            """SELECT count(*) FROM posts p WHERE (SELECT count(*) FROM outbox o
               WHERE o.topic = 'PostPublished' AND o.payload->>'post_id' = p.id::text)
               <> (CASE WHEN p.status = 'published' THEN 1 ELSE 0 END)"""
        )
        assert (users_without_one_event, events_without_user, posts_half_published) == (0, 0, 0)
    finally:
        await conn.close()


async def _fault_under_load(
    pg: ProxiedPostgres, redis_url: str, prefix: str, fault: Callable[[], None], **extra: str
) -> None:
    with api_server(pg.url, redis_url, prefix, **extra) as server:
        async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=64)) as http:
            auth = await _signup(http, server.api, "ada@example.com")
            post = await http.post(
                f"{server.api}/posts", json={"title": "t", "body": "b"}, headers=auth
            )
            post_id = post.json()["id"]
            await http.post(f"{server.api}/posts/{post_id}/publish", headers=auth)
            warm = (http.get(f"{server.api}/notifications", headers=auth) for _ in range(20))
            await asyncio.gather(*warm)  # pooled connections open, on both sides
            load = Load(http, server.api)
            writes, fault_at, recovered = await _run(
                load, auth, post_id, server.root, fault, pg.proxy.forward
            )
            worst = _check_answers(load, fault_at, recovered)
            await _check_nothing_lost_or_half_done(load, auth, writes, pg.direct_url)
            by_kind = {
                kind: max(a.seconds for a in load.of(kind))
                for kind in ("register", "create", "publish", "read", "cached read", "ready")
            }
            print(f"\n{len(load.answers)} answers, worst {worst:.3f}s: {by_kind}")


async def test_postgres_stopped_under_load_answers_503_at_once_and_recovers_by_itself(
    proxied_postgres: ProxiedPostgres, redis_server: str, redis_prefix: str
) -> None:
    """Production defaults: a stopped server refuses connections, so nothing waits."""
    await _fault_under_load(
        proxied_postgres, redis_server, redis_prefix, proxied_postgres.proxy.refuse
    )


async def test_a_hung_postgres_under_load_answers_503_within_the_timeouts(
    proxied_postgres: ProxiedPostgres, redis_server: str, redis_prefix: str
) -> None:
    """Bytes stop moving and nothing says so: only the timeouts end the wait (here tightened,
    as an operator would for a 2 s budget: a statement 1 s, a connection 1 s, the pool 0.5 s)."""
    await _fault_under_load(
        proxied_postgres,
        redis_server,
        redis_prefix,
        proxied_postgres.proxy.black_hole,
        INKWELL_DB_STATEMENT_TIMEOUT_MS="800",
        INKWELL_DB_COMMAND_TIMEOUT_SECONDS="1",
        INKWELL_DB_CONNECT_TIMEOUT_SECONDS="1",
        INKWELL_DB_POOL_TIMEOUT_SECONDS="0.5",
    )


async def test_an_exhausted_pool_answers_503_quickly_and_the_request_holding_it_completes(
    migrated_postgres: str, redis_server: str, redis_prefix: str
) -> None:
    tiny_pool = {
        "INKWELL_DB_POOL_SIZE": "1",
        "INKWELL_DB_POOL_TIMEOUT_SECONDS": "0.5",
        "INKWELL_OUTBOX_POLL_SECONDS": "60",  # the relay stays out of the one connection's way
    }
    with api_server(migrated_postgres, redis_server, redis_prefix, **tiny_pool) as server:
        async with httpx.AsyncClient(timeout=10) as http:
            auth = await _signup(http, server.api, "ada@example.com")
            me = (await http.get(f"{server.api}/users/me", headers=auth)).json()
            locker = await asyncpg.connect(_asyncpg_dsn(migrated_postgres))
            lock = locker.transaction()
            await lock.start()
            try:
                # A slow request: its UPDATE waits on a row lock, holding the only connection.
                await locker.execute(
                    "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", uuid.UUID(me["id"])
                )
                held = asyncio.create_task(
                    http.patch(f"{server.api}/users/me", json={"name": "Held"}, headers=auth)
                )
                deadline = time.monotonic() + 10
                while not await locker.fetchval(
                    """SELECT count(*) FROM pg_stat_activity
                       WHERE datname = current_database() AND wait_event_type = 'Lock'"""
                ):
                    assert time.monotonic() < deadline, "the request never reached the lock"
                    await asyncio.sleep(0.02)

                async def timed(
                    method: str, url: str, **kw: object
                ) -> tuple[httpx.Response, float]:
                    started = time.monotonic()
                    response = await http.request(method, url, **kw)  # type: ignore[arg-type]
                    return response, time.monotonic() - started

                others = await asyncio.gather(
                    *(timed("GET", f"{server.api}/notifications", headers=auth) for _ in range(6)),
                    *(
                        timed(
                            "POST",
                            f"{server.api}/posts",
                            json={"title": "x", "body": "b"},
                            headers=auth,
                        )
                        for _ in range(4)
                    ),
                    timed("GET", f"{server.root}/health/live"),
                )
                *starved, (live, live_seconds) = others
                assert [r.status_code for r, _ in starved] == [503] * 10
                assert all(r.headers["content-type"] == PROBLEM for r, _ in starved)
                assert all(r.headers["retry-after"] == "2" for r, _ in starved)
                assert max(s for _, s in starved) < 1.5  # the pool timeout, not a hang
                assert live.status_code == 200
                assert live_seconds < 1.0  # not queued behind the pool
                assert not held.done()
            finally:
                await lock.rollback()
                await locker.close()
            done = await held
            assert done.status_code == 200
            assert done.json()["name"] == "Held"
            again = await http.get(f"{server.api}/notifications", headers=auth)
            assert again.status_code == 200
