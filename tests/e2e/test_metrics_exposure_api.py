"""Who may read GET /metrics in production: nobody unless the operator said so."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from application.ports.jobs import OutboxCounts
from entrypoints.container import build_container, shutdown
from entrypoints.http.app import create_app
from tests.conftest import make_settings
from tests.leak_guard import GUARD

TOKEN = "scrape-token-for-the-tests-0123456789"

Production = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


class QuietOutbox:
    async def counts(self) -> OutboxCounts:
        return OutboxCounts(0, 0, 0, 0)


@pytest.fixture
def production(tmp_path: Path) -> Production:
    @asynccontextmanager
    async def serve(**overrides: object) -> AsyncIterator[httpx.AsyncClient]:
        settings = make_settings(
            env="production",
            email_backend="smtp",
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'inkwell.db'}",
            **overrides,
        )
        container = build_container(settings)
        container.outbox_stats.override(QuietOutbox())
        transport = httpx.ASGITransport(app=create_app(container))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
        await shutdown(container)

    return serve


async def test_production_without_a_scrape_token_does_not_serve_metrics(
    production: Production,
) -> None:
    with GUARD.capture() as lines:
        async with production() as client:
            assert (await client.get("/metrics")).status_code == 404
            guessed = await client.get("/metrics", headers={"Authorization": "Bearer anything"})
            assert guessed.status_code == 404
    assert any("INKWELL_METRICS_TOKEN" in line for line in lines)  # the operator is told why


async def test_a_blank_scrape_token_is_no_token(production: Production) -> None:
    async with production(metrics_token=" ") as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_production_with_a_scrape_token_serves_metrics_to_its_bearer_only(
    production: Production,
) -> None:
    async with production(metrics_token=TOKEN) as client:
        anonymous = await client.get("/metrics")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200
        assert "inkwell_http_requests_total" in scraped.text


async def test_production_serves_metrics_openly_when_the_operator_says_so(
    production: Production,
) -> None:
    async with production(metrics_public=True) as client:
        scraped = await client.get("/metrics")
        assert scraped.status_code == 200
        assert "inkwell_http_requests_total" in scraped.text


async def test_a_scrape_token_still_binds_when_metrics_are_declared_public(
    production: Production,
) -> None:
    async with production(metrics_public=True, metrics_token=TOKEN) as client:
        assert (await client.get("/metrics")).status_code == 401
