"""Logs and metrics of real API and worker processes (production settings)."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from entrypoints.container import shutdown
from tests.integration.conftest import _free_port, sql_container
from tests.integration.smtp import SmtpServer
from tests.integration.test_job_processes import _env, settings_for, worker_process
from tests.integration.test_jobs import api
from tests.integration.test_replicas import PASSWORD, api_process

pytestmark = pytest.mark.integration
__all__ = ["settings_for"]  # the fixture, used below


def samples(text: str) -> dict[tuple[str, str], float]:
    return {
        (s.name, ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_an_api_process_logs_json_lines_only_and_serves_its_metrics(
    migrated_postgres: str, redis_server: str, redis_prefix: str
) -> None:
    output: list[str] = []
    token = "scrape-token-of-the-observability-test"
    with api_process(
        migrated_postgres, redis_server, redis_prefix, output=output, INKWELL_METRICS_TOKEN=token
    ) as base:
        async with httpx.AsyncClient(timeout=5) as http:
            user = {"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
            ada_id = (await http.post(f"{base}/users", json=user)).json()["id"]
            login = {"username": "ada@example.com", "password": PASSWORD}
            tokens = (await http.post(f"{base}/auth/token", data=login)).json()
            auth = {"Authorization": f"Bearer {tokens['access_token']}"}
            assert (await http.get(f"{base}/users/me", headers=auth)).status_code == 200
            await http.get(f"{base}/users/{ada_id}?token=not-for-logs", headers=auth)
            metrics = await http.get(
                base.removesuffix("/api/v1") + "/metrics",
                headers={"Authorization": f"Bearer {token}"},
            )
    assert metrics.status_code == 200
    seen = samples(metrics.text)
    assert seen[("inkwell_http_requests_total", "method=GET,route=/api/v1/users/me,status=200")]
    assert seen[("inkwell_outbox_stats_up", "")] == 1
    assert ("inkwell_outbox_messages", "state=pending") in seen

    lines = [line for line in output if line.strip()]
    assert lines, "the process logged nothing"
    parsed = [json.loads(line) for line in lines]  # every line is JSON, uvicorn's included
    access = {(p["method"], p["route"]): p for p in parsed if p.get("logger") == "inkwell.access"}
    assert access[("GET", "/api/v1/users/me")]["user_id"] == ada_id
    assert access[("GET", "/api/v1/users/{user_id}")]["status"] == 200
    assert "not-for-logs" not in "\n".join(lines)


async def test_a_worker_counts_job_outcomes_on_its_metrics_port(
    migrated_postgres: str, smtp: SmtpServer, settings_for: dict[str, object]
) -> None:
    container = sql_container(migrated_postgres, **settings_for)
    output: list[str] = []
    try:
        async with api(container) as http:
            new = {"email": "ada@example.com", "password": "p" * 12, "name": "A"}
            await http.post("/users", json=new)
        port = _free_port()
        env = {
            **_env(settings_for, migrated_postgres),
            "INKWELL_WORKER_METRICS_PORT": str(port),
            "INKWELL_LOG_FORMAT": "json",
        }
        with worker_process(env, output):
            smtp.mailbox.wait_for(1, 30)
            deadline = time.monotonic() + 10
            while True:
                try:
                    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
                    if samples(text)[("inkwell_jobs_total", "outcome=processed")] >= 1:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the worker reported no processed job"
                time.sleep(0.1)
    finally:
        await shutdown(container)
    lines = [line for line in output if line.strip()]
    parsed = [json.loads(line) for line in lines]  # arq's own lines are JSON too
    assert any(p.get("logger", "").startswith("arq") for p in parsed)
