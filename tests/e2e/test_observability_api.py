"""Access log lines and Prometheus metrics, seen from outside."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from application.ports.jobs import OutboxCounts
from entrypoints.container import Container, build_container, shutdown
from entrypoints.http.app import create_app
from entrypoints.observability.metrics import Metrics
from tests.conftest import make_settings
from tests.e2e.conftest import PASSWORD, Account, drain, signup
from tests.leak_guard import GUARD


def access_lines(lines: list[str]) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in lines]
    return [p for p in parsed if p.get("logger") == "inkwell.access"]


async def scrape(client: httpx.AsyncClient, **headers: str) -> dict[tuple[str, str], float]:
    """{(sample name, sorted labels): value} from GET /metrics."""
    response = await client.get("http://test/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


async def test_each_request_logs_one_json_line_with_its_template_user_and_timing(
    client: httpx.AsyncClient,
) -> None:
    with GUARD.capture() as lines:
        ada = await signup(client, "ada@example.com", "Ada")
        me = await client.get("/users/me", headers={**ada.auth, "X-Request-ID": "trace-me-1"})
        missing = await client.get("/posts/00000000-0000-0000-0000-000000000000?cursor=abc")
        await client.get("http://test/no/such/page")
    by_route = {(line["method"], line["route"]): line for line in access_lines(lines)}
    me_line = by_route[("GET", "/api/v1/users/me")]
    assert me_line["request_id"] == "trace-me-1" == me.headers["x-request-id"]
    assert me_line["user_id"] == ada.id
    assert me_line["status"] == 200
    assert isinstance(me_line["latency_ms"], float)
    assert me_line["level"] == "info"
    assert me_line["timestamp"].endswith("Z")
    post_line = by_route[("GET", "/api/v1/posts/{post_id}")]
    assert (post_line["status"], post_line["user_id"]) == (404, None)
    assert post_line["request_id"] == missing.headers["x-request-id"]
    assert by_route[("GET", "<unmatched>")]["status"] == 404
    assert by_route[("POST", "/api/v1/auth/token")]["status"] == 200
    text = "\n".join(lines)
    for secret in (PASSWORD, ada.access, ada.refresh):
        assert secret not in text
    server_side = [line for line in lines if json.loads(line).get("logger") != "httpx"]
    assert "cursor" not in "\n".join(server_side)  # the server never logs a query string


async def test_metrics_count_requests_by_route_template_and_status(
    client: httpx.AsyncClient, ada: Account
) -> None:
    for _ in range(3):
        await client.get("/posts/00000000-0000-0000-0000-000000000000", headers=ada.auth)
    samples = await scrape(client)
    labels = "method=GET,route=/api/v1/posts/{post_id},status=404"
    assert samples[("inkwell_http_requests_total", labels)] == 3
    assert samples[("inkwell_http_request_duration_seconds_count", labels)] == 3
    assert samples[("inkwell_http_requests_total", "method=POST,route=/api/v1/users,status=201")]
    await client.get("http://test/wp-admin/x.php")
    await client.request("BREW", "http://test/coffee")
    samples = await scrape(client)
    unmatched = {k[1] for k in samples if k[0] == "inkwell_http_requests_total"}
    assert "method=GET,route=<unmatched>,status=404" in unmatched
    assert "method=OTHER,route=<unmatched>,status=404" in unmatched
    assert not any("wp-admin" in labels for labels in unmatched)


async def test_rate_limit_refusals_are_counted_by_limit(
    client: httpx.AsyncClient, ada: Account
) -> None:
    wrong = {"username": ada.email, "password": "not the password at all"}
    statuses = [(await client.post("/auth/token", data=wrong)).status_code for _ in range(12)]
    assert statuses.count(429) == 2
    samples = await scrape(client)
    assert samples[("inkwell_rate_limited_requests_total", "limit=login_account_client")] == 2


async def test_cache_hits_and_misses_are_counted(client: httpx.AsyncClient, ada: Account) -> None:
    post = (await client.post("/posts", json={"title": "t", "body": "b"}, headers=ada.auth)).json()
    await client.post(f"/posts/{post['id']}/publish", headers=ada.auth)
    for _ in range(3):
        assert (await client.get(f"/posts/{post['id']}")).status_code == 200
    samples = await scrape(client)
    assert samples[("inkwell_cache_lookups_total", "cache=post,result=miss")] == 1
    assert samples[("inkwell_cache_lookups_total", "cache=post,result=hit")] == 2


async def test_the_outbox_backlog_and_job_outcomes_are_read_at_scrape_time(
    container: Container,
) -> None:
    container.metrics.override(Metrics(outbox_max_age=0))  # no reuse of a recent count
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        await signup(client, "ada@example.com")
        await signup(client, "bob@example.com")
        samples = await scrape(client)
        assert samples[("inkwell_outbox_messages", "state=pending")] == 2
        assert samples[("inkwell_outbox_messages", "state=processed")] == 0
        assert samples[("inkwell_outbox_stats_up", "")] == 1
        await drain(container)
        samples = await scrape(client)
    assert samples[("inkwell_outbox_messages", "state=pending")] == 0
    assert samples[("inkwell_outbox_messages", "state=processed")] == 2


class DeadDatabase:
    def __init__(self, hang: bool) -> None:
        self._hang = hang

    async def counts(self) -> OutboxCounts:
        if self._hang:
            await asyncio.sleep(60)
        raise ConnectionRefusedError("database down")


@pytest.mark.parametrize("hang", [False, True], ids=["refused", "hanging"])
async def test_metrics_still_answer_when_the_database_is_down(
    container: Container, hang: bool
) -> None:
    container.metrics.override(Metrics(outbox_timeout=0.05))
    container.outbox_stats.override(DeadDatabase(hang))
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        samples = await scrape(client)
    assert samples[("inkwell_outbox_stats_up", "")] == 0
    assert not any(name == "inkwell_outbox_messages" for name, _ in samples)


@pytest.fixture
async def guarded() -> AsyncIterator[httpx.AsyncClient]:
    container = build_container(make_settings(metrics_token="scrape-me-please-0123"))
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await shutdown(container)


async def test_metrics_can_require_a_scrape_token(guarded: httpx.AsyncClient) -> None:
    assert (await guarded.get("/metrics")).status_code == 401
    bad = await guarded.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    await scrape(guarded, Authorization="Bearer scrape-me-please-0123")


async def test_metrics_stay_out_of_the_schema_and_can_be_disabled(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("http://test/openapi.json")).json()
    assert "/metrics" not in schema["paths"]
    container = build_container(make_settings(metrics_enabled=False))
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as off:
        assert (await off.get("/metrics")).status_code == 404
    await shutdown(container)


async def test_invented_methods_cannot_grow_the_metric_children(client: httpx.AsyncClient) -> None:
    metrics = client._transport.app.state.metrics  # type: ignore[attr-defined]
    for i in range(50):
        await client.request(f"FOO{i}", "/posts")
    assert len([k for k in metrics._http if k[0] == "OTHER"]) <= 2
