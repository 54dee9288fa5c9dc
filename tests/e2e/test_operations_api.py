from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from tests.conftest import make_settings
from tests.e2e.conftest import Account, assert_problem


async def test_malformed_json_is_a_4xx_problem(client: httpx.AsyncClient, ada: Account) -> None:
    response = await client.post(
        "/posts",
        content=b'{"title": "t", "body": ',
        headers={**ada.auth, "Content-Type": "application/json"},
    )
    assert_problem(response, 422)


async def test_an_oversized_body_is_413(client: httpx.AsyncClient, ada: Account) -> None:
    huge = {"title": "t", "body": "x" * 2_000_000}
    response = await client.post("/posts", json=huge, headers=ada.auth)
    assert_problem(response, 413)
    # Rendered like every other problem (the middleware answers before the app can).
    invalid = await client.post("/posts", json={"title": ""}, headers=ada.auth)  # the app's
    assert b", " not in response.content
    assert invalid.content.startswith(b'{"type":"about:blank"')
    assert response.content.startswith(b'{"type":"about:blank"')


async def test_an_oversized_chunked_body_without_length_is_413(
    client: httpx.AsyncClient, ada: Account
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65_536

    response = await client.post(
        "/posts", content=chunks(), headers={**ada.auth, "Content-Type": "application/json"}
    )
    assert_problem(response, 413)


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    minted = await client.get("/posts")
    assert len(minted.headers["x-request-id"]) == 32  # 16 random hex + 16 counter hex
    echoed = await client.get("/posts", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    unsafe = await client.get("/posts", headers={"X-Request-ID": "bad id\r\n<script>"})
    assert len(unsafe.headers["x-request-id"]) == 32
    assert minted.headers["x-content-type-options"] == "nosniff"


async def test_unknown_routes_are_404_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/nope"), 404)
    assert_problem(await client.put("/posts"), 405)


async def test_health_endpoints(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        assert (await c.get("/health/live")).json() == {"status": "ok"}
        ready = await c.get("/health/ready")
        assert ready.status_code == 200


async def test_ready_is_503_when_the_database_is_unreachable() -> None:
    settings = make_settings(
        env="development", database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none"
    )
    app = create_app(build_container(settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        ready = await c.get("/health/ready")
        assert ready.status_code == 503
        assert (await c.get("/health/live")).status_code == 200


async def test_docs_are_served_without_any_cdn(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        for page in ("/docs", "/redoc"):
            html = (await c.get(page)).text
            assert "cdn" not in html.lower()
            assert "https://" not in html
        assert (await c.get("/static-offline-docs/swagger-ui-bundle.js")).status_code == 200
        spec = (await c.get("/openapi.json")).json()
        assert spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]


async def test_cors_allows_only_configured_origins() -> None:
    settings = make_settings(cors_origins="https://app.example.com")
    app = create_app(build_container(settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        preflight = {"Access-Control-Request-Method": "POST"}
        ok = await c.options(
            "/api/v1/posts", headers={"Origin": "https://app.example.com", **preflight}
        )
        assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
        evil = await c.options(
            "/api/v1/posts", headers={"Origin": "https://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in evil.headers


async def test_an_unexpected_error_is_a_generic_500_problem_and_logs_no_message(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "$argon2id$" + uuid.uuid4().hex  # made at run time: source lines are logged

    class Exploding:
        async def execute(self, *_args: object, **_kwargs: object) -> None:
            raise RuntimeError(f"secret internals {secret}")

    container.list_posts.override(Exploding())
    app = create_app(container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        response = await c.get("/posts")
    body = assert_problem(response, 500)
    assert secret not in response.text
    assert body["detail"] == "An unexpected error occurred."
    assert "RuntimeError" in caplog.text
    assert secret not in caplog.text


async def test_large_responses_are_gzipped_for_clients_that_accept_it(
    client: httpx.AsyncClient, ada: Account
) -> None:
    post = await client.post(
        "/posts", json={"title": "t", "body": "word " * 2000}, headers=ada.auth
    )
    url = f"/posts/{post.json()['id']}"
    await client.post(f"{url}/publish", headers=ada.auth)
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    zipped = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()  # httpx decodes it


async def test_start_up_freezes_what_lives_as_long_as_the_process() -> None:
    """Full collections stop re-scanning the modules, the app and the container (measured:
    get-post p99 at 64 connections 98 -> 23 ms; see bench/README.md)."""
    import gc

    from entrypoints.container import build_container
    from entrypoints.http.app import YOUNG_GC_THRESHOLD, create_app
    from tests.conftest import make_settings

    app = create_app(build_container(make_settings()))
    gc.unfreeze()
    before = gc.get_threshold()
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > 0
            assert gc.get_threshold() == (YOUNG_GC_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
