"""Nothing the docs pages load leaves the server: the pages, every asset they reference, the
URLs those bundles load by themselves (a logo, a validator badge) and the OpenAPI document
they render. Served under a public host name, since Swagger UI's validator badge is only
shown for specs that are not on localhost."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi import FastAPI

HOST = "inkwell.example.org"
PAGES = ["/docs", "/redoc", "/docs/oauth2-redirect"]
# Where a bundle loads a URL by itself: an element's `src`, a CSS `url()` or `@import`, a
# `fetch`, and the `...Url` settings whose defaults name a service (Swagger UI's
# `validatorUrl`). Other absolute URLs in the bundles are links a reader may click, XML
# namespaces and JSON Schema identifiers, which are never fetched.
LOADS = re.compile(
    r"""\b(?P<key>src|[A-Za-z]+Url)\s*[:=]\s*["'`](?P<url>(?:https?:)?//[^"'`]+)"""
    r"""|url\(\s*["']?(?P<css>(?:https?:)?//[^)"']+)"""
    r"""|@import\s+(?:url\()?["']?(?P<imp>(?:https?:)?//[^)"';]+)"""
    r"""|fetch\(\s*["'`](?P<fetch>(?:https?:)?//[^"'`]+)"""
)


class _References(HTMLParser):
    """What an HTML page makes a browser load: scripts, images, styles, icons, frames, and
    ReDoc's `spec-url`; plus the text of its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "spec-url", "data", "poster"):
            if values.get(name):
                self.urls.append(str(values[name]))
        if tag == "link" and values.get("href"):
            self.urls.append(str(values["href"]))
        self._in_script = tag == "script" and not values.get("src")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


def _foreign(url: str) -> bool:
    parts = urlsplit(urljoin(f"http://{HOST}/", url))
    return parts.scheme in ("http", "https") and parts.hostname != HOST


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"https://{HOST}") as c:
        yield c


async def _page(browser: httpx.AsyncClient, path: str) -> _References:
    response = await browser.get(path)
    assert response.status_code == 200, path
    page = _References()
    page.feed(response.text)
    return page


async def test_the_docs_pages_reference_only_assets_of_this_server(
    browser: httpx.AsyncClient,
) -> None:
    for path in PAGES:
        page = await _page(browser, path)
        for url in page.urls:
            assert not _foreign(url), (path, url)
            assert (await browser.get(url)).status_code == 200, (path, url)
        for script in page.inline:
            for found in re.findall(r"(?:https?:)?//[\w.-]+[^\s'\"`]*", script):
                assert not _foreign(found), (path, found)


async def test_the_bundles_load_nothing_from_another_host(browser: httpx.AsyncClient) -> None:
    checked = 0
    for path in PAGES:
        page = await _page(browser, path)
        settings = "\n".join(page.inline)
        for url in page.urls:
            if not re.search(r"\.(js|css)(\?|$)", url):
                continue
            bundle = (await browser.get(url)).text
            checked += 1
            for load in LOADS.finditer(bundle):
                found = next(v for v in load.groupdict().values() if v and "/" in v)
                if not _foreign(found):
                    continue
                key = load.group("key") or ""
                # A setting's default that the page overrides (with null or a local URL).
                overridden = key.endswith("Url") and re.search(
                    rf"""["']?{key}["']?\s*:\s*(null|["']/)""", settings
                )
                assert overridden, (url, load.group(0))
    assert checked >= 3  # Swagger UI's script and style, ReDoc's script


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (str(key), *_strings(value))]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return [node] if isinstance(node, str) else []


async def test_the_openapi_document_names_no_other_host(browser: httpx.AsyncClient) -> None:
    """ReDoc draws `info.x-logo`, Markdown images in descriptions, and links to terms,
    contact, license, external docs and servers: none may point elsewhere."""
    document = (await browser.get("/openapi.json")).json()
    assert "x-logo" not in document["info"]
    for text in _strings(document):
        for url in re.findall(r"(?:https?:)?//[\w.-]+", text):
            assert not _foreign(url), (url, text[:200])
