"""`make schemathesis`: Schemathesis against a live Inkwell server (real uvicorn processes).

Production-like when INKWELL_TEST_DATABASE_URL and INKWELL_TEST_REDIS_URL are set, as in CI:
INKWELL_ENV=production on a throwaway Postgres database (created, migrated, dropped), Redis
under a key prefix and queue of this run (removed afterwards, with arq's keys: the test Redis
database belongs to the tests, as in tests/integration), an arq worker, and mail sent over
SMTP to a sink on loopback. That is what runs in production: asyncpg, the Redis-backed cache,
limits and Idempotency-Keys, and the worker that turns a publication into notifications.
Without those variables it falls back to embedded mode (SQLite in a temporary directory,
jobs in process), so it also runs on a machine with neither Postgres nor Redis.

Two runs, every check, positive and negative data, all phases (examples, coverage, fuzzing,
stateful through the schema's links): anonymous, then as a user registered here. The second
run logs in through POST /auth/token itself (schemathesis.toml + the auth section below) and
logs in again when a 401 says its token died: the fuzzer does call POST /auth/logout with it.
Exits non-zero on any failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests.schemathesis.live import (
    ROOT,
    free_port,
    postgres_database,
    process,
    redis_namespace,
    smtp_sink,
    wait_until_ready,
)

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = os.environ.get("INKWELL_SCHEMATHESIS_MAX_EXAMPLES", "100")
PASSWORD = "correct horse battery " + secrets.token_urlsafe(8)
AUTH = """
[auth.dynamic.openapi.OAuth2PasswordBearer]
path = "/api/v1/auth/token"
payload = { username = "${INKWELL_FUZZ_EMAIL}", password = "${INKWELL_FUZZ_PASSWORD}" }
payload_content_type = "application/x-www-form-urlencoded"
extract_selector = "/access_token"
"""
# The fuzzer sends thousands of requests from one address: at the production limits almost
# every login, registration and reset would be a 429 (documented, so no check fails), and the
# routes behind the limiter would go untested. The limiter has its own e2e and Redis tests.
LIMITS = (
    "LOGIN_ATTEMPTS_PER_ACCOUNT_AND_CLIENT",
    "LOGIN_ATTEMPTS_PER_ACCOUNT",
    "LOGIN_FAILURES_PER_CLIENT",
    "REGISTRATIONS_PER_CLIENT",
    "PASSWORD_RESETS_PER_CLIENT",
    "PASSWORD_RESETS_PER_ACCOUNT",
    "VERIFICATION_RESENDS_PER_USER",
)


def log(message: str) -> None:
    print(f"\n==> schemathesis: {message}", flush=True)


def seed(base: str, email: str) -> None:
    """The fuzzing user follows an author who publishes, so it has a feed and a notification
    (mark_read then has something to mark); the posts list has an entry."""
    with httpx.Client(base_url=f"{base}/api/v1", timeout=10) as client:

        def signup(address: str) -> tuple[str, dict[str, str]]:
            body = {"email": address, "password": PASSWORD, "name": address.split("@")[0]}
            created = client.post("/users", json=body)
            created.raise_for_status()
            token = client.post("/auth/token", data={"username": address, "password": PASSWORD})
            token.raise_for_status()
            return created.json()["id"], {"Authorization": f"Bearer {token.json()['access_token']}"}

        _, fuzzer = signup(email)
        author_id, author = signup(f"author-{uuid.uuid4().hex[:8]}@example.com")
        client.put(f"/users/{author_id}/follow", headers=fuzzer).raise_for_status()
        post = client.post("/posts", json={"title": "Seed", "body": "A post."}, headers=author)
        post.raise_for_status()
        client.post(f"/posts/{post.json()['id']}/publish", headers=author).raise_for_status()
        deadline = time.monotonic() + 30
        while not client.get("/notifications", headers=fuzzer).json()["items"]:
            if time.monotonic() > deadline:
                sys.exit("the seeded publication never reached the follower's notifications")
            time.sleep(0.2)


def report_job_failures(worker_log: Path) -> None:
    """Shown, not judged: jobs are not the HTTP contract, and an address the API accepts may
    still be one that SMTP refuses (delivery is what proves an address; such jobs end dead)."""
    reasons = Counter(
        line.split(": ", 1)[1]
        for line in worker_log.read_text().splitlines()
        if " failed (try " in line and ": " in line
    )
    for reason, count in reasons.most_common(5):
        print(f"worker: {count} failed job tries: {reason}")


def schemathesis(base: str, config: Path, env: dict[str, str]) -> int:
    args = [str(SCHEMATHESIS), "--config-file", str(config), "run", f"{base}/openapi.json"]
    args += ["--checks", "all", "--mode", "all", "--max-examples", MAX_EXAMPLES]
    # One worker: CPython 3.11.7's ast.parse, which Hypothesis calls to describe strategies,
    # is not thread-safe ("AST constructor recursion depth mismatch").
    args += ["--workers", "1", "--request-timeout", "10"]
    return subprocess.run(args, env=env, cwd=ROOT, check=False).returncode


def main() -> int:
    started = time.monotonic()
    database_url = os.environ.get("INKWELL_TEST_DATABASE_URL")
    redis_url = os.environ.get("INKWELL_TEST_REDIS_URL")
    production = bool(database_url and redis_url)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="inkwell-st-")))
        env = {
            **os.environ,
            "INKWELL_ENV": "production" if production else "development",
            "INKWELL_JWT_SECRET": secrets.token_urlsafe(48),
            "INKWELL_EMAIL_BACKEND": "memory",
            "INKWELL_ARGON2_MEMORY_COST_KIB": "64",  # cheap hashing: the fuzzer logs in often
            "INKWELL_ARGON2_TIME_COST": "1",
            **{f"INKWELL_{name}": "1000000" for name in LIMITS},
        }
        env.pop("INKWELL_REDIS_URL", None)
        if database_url and redis_url:
            env["INKWELL_DATABASE_URL"] = stack.enter_context(postgres_database(database_url))
            stack.enter_context(redis_namespace(redis_url, env))
            stack.enter_context(smtp_sink(env))
        else:
            env["INKWELL_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp / 'inkwell.db'}"
        mode = "production (Postgres, Redis, arq worker, SMTP)" if production else "embedded"
        log(f"{mode}: migrating and starting the server")
        migrate = [sys.executable, "-m", "entrypoints.cli", "migrate"]
        subprocess.run(migrate, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = tmp / "server.log"
        uvicorn = [sys.executable, "-m", "uvicorn", "entrypoints.http.app:create_app"]
        uvicorn += ["--factory", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
        server = stack.enter_context(process(uvicorn, env, server_log))
        worker_log = tmp / "worker.log"
        if production:
            worker = [sys.executable, "-m", "arq", "entrypoints.worker.WorkerSettings"]
            stack.enter_context(process(worker, env, worker_log))
        wait_until_ready(base, server, server_log)

        email = f"fuzzer-{uuid.uuid4().hex[:8]}@example.com"
        seed(base, email)
        anonymous = tmp / "anonymous.toml"
        shutil.copy(HERE / "schemathesis.toml", anonymous)
        authenticated = tmp / "authenticated.toml"
        authenticated.write_text((HERE / "schemathesis.toml").read_text() + AUTH)
        st_env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "hooks.py")}
        st_env.update(INKWELL_FUZZ_EMAIL=email, INKWELL_FUZZ_PASSWORD=PASSWORD)

        log("anonymous run")
        failed = schemathesis(base, anonymous, st_env) != 0
        log(f"authenticated run (as {email}, logging in through POST /api/v1/auth/token)")
        failed = schemathesis(base, authenticated, st_env) != 0 or failed
        if server.poll() is not None:
            print(server_log.read_text()[-4000:])
            sys.exit("the server died during the run")
        # A 500 fails a check already; this also catches errors that never reached a response.
        marks = ("ERROR", "Traceback", "unhandled error")
        errors = [
            line for line in server_log.read_text().splitlines() if any(m in line for m in marks)
        ]
        if errors:
            print("server errors:\n" + "\n".join(errors[:20]))
            failed = True
        if worker_log.exists():
            report_job_failures(worker_log)
    verdict = "FAILED" if failed else "passed"
    log(f"{verdict}: 2 runs against a live server in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
