"""`make bench`: Inkwell beside a bare ceiling app, in one run, on one machine.

Creates a throwaway Postgres database (seeded: 1,000 users, 100,000 posts, 20 follows each),
starts the ceiling (Starlette + asyncpg, one PK SELECT), the FastAPI floor (the same query
behind FastAPI: what the framework alone leaves of the ceiling) and Inkwell (production mode:
Postgres + Redis), drives both with wrk at 32 and 64 connections, keeps the median of the
repeats, and prints one table (requests/s, p50, p99, errors, ratio to the ceiling, peak RSS),
also written as Markdown and JSON under bench/results/. Then a login storm, a mixed profile
(soak, RSS over time) and the two-process figure with the CPU split per process.

Settings (environment): BENCH_PG (admin DSN), BENCH_REDIS, BENCH_SECONDS (per repeat, 10),
BENCH_REPEATS (3), BENCH_SOAK_SECONDS (300), BENCH_QUICK=1 (short smoke run), BENCH_ONLY (a
comma-separated list of workloads, e.g. "create-post,get-me": those beside the ceiling, and no
floor, storm, soak or two-process figure: for working on one line; "storm" adds the login storm), BENCH_CONNECTIONS ("32,64"),
BENCH_HTTP_BOUNDS (on: Inkwell runs as deployed, `python -m entrypoints.http`, with the slow-client
bounds; off: plain `uvicorn` without them, to measure what they cost), BENCH_BASELINE (a git
revision, e.g. "main" or a commit: that revision's src/ runs as a second Inkwell process on the
same database, and every workload and the login storm are measured on both, side by side in
the one run: the before/after of a change without two runs' drift), BENCH_BASELINE_ENV
(settings for that second process, e.g. "INKWELL_REDIS_CACHE_CLIENT=coredis"; without
BENCH_BASELINE it runs this tree: one setting's before/after in one run).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PY = sys.executable
QUICK = os.environ.get("BENCH_QUICK") == "1"
SECONDS = int(os.environ.get("BENCH_SECONDS", "3" if QUICK else "10"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "1" if QUICK else "3"))
SOAK = int(os.environ.get("BENCH_SOAK_SECONDS", "10" if QUICK else "300"))
WARMUP = 2 if QUICK else 3
PG_ADMIN = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")
ONLY = {w for w in os.environ.get("BENCH_ONLY", "").split(",") if w}
CONNECTIONS = [int(c) for c in os.environ.get("BENCH_CONNECTIONS", "32,64").split(",")]
SECRET = "bench-only-signing-secret-" + "x" * 32
BOUNDS = os.environ.get("BENCH_HTTP_BOUNDS", "on") != "off"
BASELINE_ENV = dict(
    pair.split("=", 1) for pair in os.environ.get("BENCH_BASELINE_ENV", "").split(",") if pair
)
# BENCH_BASELINE_ENV alone: this tree's src/ with other settings is the second process.
BASELINE = os.environ.get("BENCH_BASELINE") or ("HEAD" if BASELINE_ENV else None)
BASELINE_PORT = 8105
BASELINE_LABEL = "baseline " + (
    os.environ.get("BENCH_BASELINE") or os.environ.get("BENCH_BASELINE_ENV", "")
)


@dataclass
class Row:
    workload: str
    target: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio: float | None = None
    peak_rss_mb: float | None = None


def _dsn(database: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + database


@contextmanager
def database() -> Iterator[str]:
    name = f"inkwell_bench_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def inkwell_env(db: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "INKWELL_ENV": "production",
        "INKWELL_JWT_SECRET": SECRET,
        "INKWELL_EMAIL_BACKEND": "smtp",
        "INKWELL_DATABASE_URL": "postgresql+asyncpg://" + _dsn(db).split("://", 1)[1],
        "INKWELL_REDIS_URL": REDIS,
        "INKWELL_REDIS_KEY_PREFIX": f"bench-{db}:",
        "INKWELL_JOB_QUEUE_NAME": f"bench-{db}:queue",
        "INKWELL_LOGIN_ATTEMPTS_PER_ACCOUNT_AND_CLIENT": "1000000",
        "INKWELL_LOGIN_ATTEMPTS_PER_ACCOUNT": "1000000",
        "INKWELL_LOGIN_FAILURES_PER_CLIENT": "1000000",
        "INKWELL_REGISTRATIONS_PER_CLIENT": "1000000",
        # As deployed: metrics recorded (production serves and records them only with a token).
        "INKWELL_METRICS_TOKEN": "bench-scrape-token",
        **extra,
    }


def inkwell(*args: str) -> list[str]:
    """Inkwell's server command: as deployed (the slow-client bounds of README "Slow
    clients"), or with BENCH_HTTP_BOUNDS=off plain uvicorn, as before the bounds."""
    if BOUNDS:
        return ["entrypoints.http", *args]
    return ["uvicorn", "entrypoints.http.app:create_app", "--factory", *args]


@contextmanager
def baseline_server(env: dict[str, str]) -> Iterator[int | None]:
    """BENCH_BASELINE's src/ (from git, into a temporary directory) as a second Inkwell on the
    same database and settings. PYTHONPATH puts it before the editable install of this tree.
    The database is migrated by this tree: the baseline must run on the newer schema."""
    if not BASELINE:
        yield None
        return
    env = {**env, **BASELINE_ENV}
    if not os.environ.get("BENCH_BASELINE"):
        with server(inkwell(), env, BASELINE_PORT, "/health/ready") as pid:
            yield pid
        return
    tree = Path(tempfile.mkdtemp(prefix="inkwell-baseline-"))
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", BASELINE, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        # The baseline's own launcher: with BENCH_HTTP_BOUNDS=on, that is what it deployed.
        baseline_env = {**env, "PYTHONPATH": str(tree / "src")}
        with server(inkwell(), baseline_env, BASELINE_PORT, "/health/ready") as pid:
            yield pid
    finally:
        shutil.rmtree(tree, ignore_errors=True)


@contextmanager
def server(args: list[str], env: dict[str, str], port: int, ready: str) -> Iterator[int]:
    """`python -m <args>` (a module and its options) on 127.0.0.1:`port`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = (RESULTS / f"server-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            PY,
            "-m",
            *args,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        # Production logging stays on (one JSON access line per request, as deployed); the
        # lines go to a file, not the terminal.
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}{ready}", timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on {port} did not start")
            time.sleep(0.2)
        yield process.pid
    finally:
        process.terminate()
        process.wait(15)
        log.close()


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_pids(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    children = [int(p) for p in out.split()]
    return [pid, *[c for child in children for c in tree_pids(child)]]


def wrk(url: str, script: Path, connections: int, seconds: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("JSON "))
    data: dict[str, Any] = json.loads(line[5:])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def script(name: str, body: str) -> Path:
    path = RESULTS / "wrk" / f"{name}.lua"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body + "\n" + (BENCH / "wrk" / "report.lua").read_text())
    return path


def measure(name: str, target: str, url: str, lua: Path, connections: int, pid: int) -> Row:
    wrk(url, lua, connections, WARMUP)
    runs = [wrk(url, lua, connections, SECONDS) for _ in range(REPEATS)]
    median = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    return Row(
        name,
        target,
        connections,
        round(median["rps"], 1),
        median["p50_ms"],
        median["p99_ms"],
        sum(r["errors"] for r in runs),
        peak_rss_mb=round(max(rss_mb(p, "VmHWM") for p in tree_pids(pid)), 1),
    )


def _lua_list(values: list[str]) -> str:
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def workloads(fixture: dict[str, Any]) -> dict[str, tuple[str, Path]]:
    auth = f'wrk.headers["Authorization"] = "Bearer {fixture["token"]}"'
    posts = _lua_list(fixture["post_ids"])
    return {
        "get-me": ("/api/v1/users/me", script("get-me", auth)),
        "get-post": (
            "/api/v1/posts/",
            script(
                "get-post",
                f"""
local ids = {posts}
request = function() return wrk.format("GET", "/api/v1/posts/" .. ids[math.random(#ids)]) end""",
            ),
        ),
        "list-20": ("/api/v1/posts?limit=20", script("list-20", "")),
        "list-20-deep": (
            f"/api/v1/posts?limit=20&cursor={fixture['deep_cursor']}",
            script("list-20-deep", ""),
        ),
        "feed": ("/api/v1/feed?limit=20", script("feed", auth)),
        "create-post": (
            "/api/v1/posts",
            script(
                "create-post",
                auth
                + """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title": "Benchmark", "body": "A post written by the benchmark."}'""",
            ),
        ),
        "login": (
            "/api/v1/auth/token",
            script(
                "login",
                """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "username=user1%40bench.test&password=bench%20password%201\"""",
            ),
        ),
        "mixed": (
            "/",
            script(
                "mixed",
                auth
                + f"""
local ids = {posts}
local token = "Bearer {fixture["token"]}"
request = function()
  local r = math.random(100)
  local h = {{["Authorization"] = token}}
  if r <= 35 then return wrk.format("GET", "/api/v1/posts/" .. ids[math.random(#ids)], h)
  elseif r <= 55 then return wrk.format("GET", "/api/v1/users/me", h)
  elseif r <= 75 then return wrk.format("GET", "/api/v1/posts?limit=20", h)
  elseif r <= 85 then return wrk.format("GET", "/api/v1/feed?limit=20", h)
  elseif r <= 98 then
    h["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/posts", h, '{{"title": "Mixed", "body": "mixed load"}}')
  else
    return wrk.format("POST", "/api/v1/auth/token",
      {{["Content-Type"] = "application/x-www-form-urlencoded"}},
      "username=user2%40bench.test&password=bench%20password%201")
  end
end""",
            ),
        ),
    }


async def prepare(db: str, port: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "src"))
    from application.pagination import Cursors
    from application.ports.repositories import Keyset
    from entrypoints.settings import cursor_key

    conn = await asyncpg.connect(_dsn(db))
    try:
        post_ids = [
            str(r["id"])
            for r in await conn.fetch(
                "SELECT id FROM posts WHERE status = 'published' ORDER BY random() LIMIT 1000"
            )
        ]
        deep = await conn.fetchrow(
            "SELECT published_at, id FROM posts WHERE status = 'published'"
            " ORDER BY published_at DESC, id DESC OFFSET 50000 LIMIT 1"
        )
        user0 = await conn.fetchval("SELECT id FROM users WHERE email = 'user0@bench.test'")
    finally:
        await conn.close()
    return {
        "post_ids": post_ids,
        "deep_cursor": Cursors(cursor_key(SECRET)).encode(
            Keyset(deep["published_at"], deep["id"]), "posts"
        ),
        "token": access_token(port),
        "user0": str(user0),
    }


def access_token(port: int) -> str:
    """A fresh one: an access token lives 15 minutes, less than a full run."""
    tokens = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        data={"username": "user0@bench.test", "password": "bench password 1"},
    )
    tokens.raise_for_status()
    token: str = tokens.json()["access_token"]
    return token


def paced(url: str, token: str, rate: int, seconds: int) -> dict[str, Any]:
    """get-me at a fixed rate (not as fast as possible), so the latency is not hidden by
    queueing: wrk with 8 connections, each waiting 8/rate s between requests. wrk times each
    request from its send, not from its slot, so the client's own delays are not counted."""
    connections = 8
    lua = script(
        "paced-get-me",
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"delay = function() return {1000 * connections // rate} end",
    )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(lua), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data: dict[str, Any] = json.loads(
        next(l for l in out.splitlines() if l.startswith("JSON "))[5:]
    )
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def login_storm(port: int, login_lua: Path) -> dict[str, Any]:
    """get-me's p99 at a fixed rate, calm and while 16 connections flood /auth/token."""
    token = access_token(port)
    me = f"http://127.0.0.1:{port}/api/v1/users/me"
    httpx.get(f"http://127.0.0.1:{port}/health/loop")  # reset the lag window
    # The login workload just ended: let the server finish the logins still queued for
    # the hashing threads, and warm the paced connections, before measuring calm.
    time.sleep(5)
    paced(me, token, 200, 2)
    httpx.get(f"http://127.0.0.1:{port}/health/loop")  # reset the lag window again
    calm = paced(me, token, 200, SECONDS)
    calm_lag = httpx.get(f"http://127.0.0.1:{port}/health/loop").json()
    storm = subprocess.Popen(
        [
            "wrk",
            "-t1",
            "-c16",
            f"-d{SECONDS + 2}s",
            "-s",
            str(login_lua),
            f"http://127.0.0.1:{port}/api/v1/auth/token",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)
    stormy = paced(me, token, 200, SECONDS)
    storm_lag = httpx.get(f"http://127.0.0.1:{port}/health/loop").json()
    storm_out = storm.communicate()[0]
    logins = json.loads(next(l for l in storm_out.splitlines() if l.startswith("JSON "))[5:])
    return {
        "get_me_rate": 200,
        "calm_p99_ms": calm["p99_ms"],
        "storm_p99_ms": stormy["p99_ms"],
        "ratio": round(stormy["p99_ms"] / calm["p99_ms"], 2),
        "get_me_errors": [calm["errors"], stormy["errors"]],
        "get_me_rps": [round(calm["rps"], 1), round(stormy["rps"], 1)],
        "logins_per_s": round(logins["requests"] / (logins["duration_us"] / 1e6), 1),
        "login_errors": logins["errors"],
        "loop_lag_calm": calm_lag,
        "loop_lag_storm": storm_lag,
    }


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", name], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def table(rows: list[Row]) -> str:
    lines = [
        "| workload | target | conns | req/s | p50 ms | p99 ms | errors | ratio | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = f"{r.ratio:.0%}" if r.ratio is not None else ""
        lines.append(
            f"| {r.workload} | {r.target} | {r.connections} | {r.rps:,.0f} | {r.p50_ms:.1f} | "
            f"{r.p99_ms:.1f} | {r.errors} | {ratio} | {r.peak_rss_mb or ''} |"
        )
    return "\n".join(lines)


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from bench.seed import seed

    rows: list[Row] = []
    extra: dict[str, Any] = {
        "seconds": SECONDS,
        "repeats": REPEATS,
        "started": str(datetime.now(UTC)),
        "http_bounds": BOUNDS,
    }
    with database() as db:
        env = inkwell_env(db, INKWELL_LOOP_LAG_PROBE="true")
        subprocess.run(
            [PY, "-m", "entrypoints.cli", "migrate"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        asyncio.run(seed(_dsn(db)))
        ceiling_env = {**os.environ, "BENCH_DSN": _dsn(db)}
        with (
            server(["uvicorn", "bench.ceiling_app:app"], ceiling_env, 8101, "/") as ceiling_pid,
            server(["uvicorn", "bench.floor_app:app"], ceiling_env, 8104, "/docs") as floor_pid,
            server(inkwell(), env, 8102, "/health/ready") as pid,
            baseline_server(env) as baseline_pid,
        ):
            fixture = asyncio.run(prepare(db, 8102))
            ceiling_url = f"http://127.0.0.1:8101/users/{fixture['user0']}"
            extra["ceiling_before_after"] = {}
            for connections in CONNECTIONS:
                # The ceiling is measured before and after the block and the ratios are taken
                # to the mean of the two: the machine's speed drifts over the minutes a block
                # takes (by how much: README.md, "Figures behind code comments").
                before = measure(
                    "ceiling",
                    "ceiling",
                    ceiling_url,
                    script("ceiling", ""),
                    connections,
                    ceiling_pid,
                )
                print(table([before]).splitlines()[-1], "(before the block)", flush=True)
                block: list[Row] = []
                if not ONLY:
                    block.append(
                        measure(
                            "fastapi-floor",
                            "floor",
                            f"http://127.0.0.1:8104/users/{fixture['user0']}",
                            script("ceiling", ""),
                            connections,
                            floor_pid,
                        )
                    )
                    print(table([block[-1]]).splitlines()[-1], flush=True)
                for name, (path, lua) in workloads(fixture).items():
                    if name == "mixed" or (ONLY and name not in ONLY):
                        continue
                    url = f"http://127.0.0.1:8102{path}"
                    block.append(measure(name, "inkwell", url, lua, connections, pid))
                    print(table([block[-1]]).splitlines()[-1], flush=True)
                    if baseline_pid is not None:
                        url = f"http://127.0.0.1:{BASELINE_PORT}{path}"
                        block.append(
                            measure(name, BASELINE_LABEL, url, lua, connections, baseline_pid)
                        )
                        print(table([block[-1]]).splitlines()[-1], flush=True)
                after = measure(
                    "ceiling",
                    "ceiling",
                    ceiling_url,
                    script("ceiling", ""),
                    connections,
                    ceiling_pid,
                )
                print(table([after]).splitlines()[-1], "(after the block)", flush=True)
                ceiling = Row(
                    "ceiling",
                    "ceiling",
                    connections,
                    round((before.rps + after.rps) / 2, 1),
                    (before.p50_ms + after.p50_ms) / 2,
                    (before.p99_ms + after.p99_ms) / 2,
                    before.errors + after.errors,
                    peak_rss_mb=max(before.peak_rss_mb or 0, after.peak_rss_mb or 0),
                )
                extra["ceiling_before_after"][connections] = [
                    round(before.rps, 1),
                    round(after.rps, 1),
                ]
                for row in block:
                    row.ratio = row.rps / ceiling.rps
                rows.extend([ceiling, *block])

            if ONLY and "storm" not in ONLY:
                print(table(rows))
                return
            login_lua = workloads(fixture)["login"][1]
            extra["login_storm"] = login_storm(8102, login_lua)
            print("login storm:", extra["login_storm"], flush=True)
            if baseline_pid is not None:
                extra["login_storm_baseline"] = login_storm(BASELINE_PORT, login_lua)
                print(f"login storm, {BASELINE_LABEL}:", extra["login_storm_baseline"])
            if ONLY:
                return

            fixture["token"] = access_token(8102)
            mixed_path, mixed_lua = workloads(fixture)["mixed"]
            soak = subprocess.Popen(
                ["wrk", "-t2", "-c64", f"-d{SOAK}s", "-s", str(mixed_lua), "http://127.0.0.1:8102"],
                stdout=subprocess.PIPE,
                text=True,
            )
            samples = []
            while soak.poll() is None:
                samples.append(round(sum(rss_mb(p) for p in tree_pids(pid)), 1))
                time.sleep(5)
            mixed = json.loads(
                next(l for l in soak.communicate()[0].splitlines() if l.startswith("JSON "))[5:]
            )
            extra["mixed_soak"] = {
                "seconds": SOAK,
                "rps": round(mixed["requests"] / (mixed["duration_us"] / 1e6), 1),
                "p99_ms": mixed["p99_ms"],
                "errors": mixed["errors"],
                "rss_mb_samples": samples,
                "peak_rss_mb": round(rss_mb(pid, "VmHWM"), 1),
            }
            print(
                "mixed soak:",
                {k: v for k, v in extra["mixed_soak"].items() if k != "rss_mb_samples"},
                flush=True,
            )

        # The two-process figure for get-post, with where the two cores went.
        with server(
            inkwell("--workers", "2"),
            env,
            8103,
            "/health/ready",
        ) as pid2:
            time.sleep(2)
            groups = {
                "api": tree_pids(pid2),
                "postgres": pids_named("postgres:"),
                "redis": pids_named("redis-server"),
            }
            before = {k: cpu_seconds(v) for k, v in groups.items()}
            wrk_before = os.times().children_user + os.times().children_system
            started = time.monotonic()
            lua = workloads(fixture)["get-post"][1]
            two = wrk("http://127.0.0.1:8103/api/v1/posts/", lua, 64, SECONDS)
            wall = time.monotonic() - started
            used = {k: cpu_seconds(v) - before[k] for k, v in groups.items()}
            used["wrk"] = os.times().children_user + os.times().children_system - wrk_before
            one = next(r for r in rows if r.workload == "get-post" and r.connections == 64)
            ceiling64 = next(r for r in rows if r.target == "ceiling" and r.connections == 64)
            extra["two_processes_get_post"] = {
                "rps": round(two["rps"], 1),
                "one_process_rps": one.rps,
                "ratio_to_ceiling": round(two["rps"] / ceiling64.rps, 2),
                "p99_ms": two["p99_ms"],
                "cpu_share_of_2_cores": {k: f"{v / (wall * 2):.0%}" for k, v in used.items()},
            }
            print("two processes:", extra["two_processes_get_post"], flush=True)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = table(rows) + "\n\n```json\n" + json.dumps(extra, indent=2) + "\n```\n"
    (RESULTS / f"{stamp}.md").write_text(report)
    (RESULTS / f"{stamp}.json").write_text(
        json.dumps({"rows": [asdict(r) for r in rows], **extra}, indent=2)
    )
    print()
    print(report)
    print(f"written: bench/results/{stamp}.md and .json")


if __name__ == "__main__":
    main()
