"""The ReDoc page, served so that it loads nothing from another host.

fastapi_offline serves the Swagger UI and ReDoc bundles from this process, but ReDoc's bundle
draws its "API docs by Redocly" footer with an image from Redocly's CDN, which no option turns
off. So `/redoc` is ours: the same page, pointing at the same bundle with that one URL
replaced by an inline image (`tests/e2e/test_docs_offline.py` fails if an upgraded bundle
loads anything else, or loads it under another spelling)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html
from starlette.responses import HTMLResponse

REDOC_URL = "/redoc"
REDOC_JS_URL = "/docs-assets/redoc.standalone.js"
_STATIC = Path(fastapi_offline.__file__).parent / "static"
_STATIC_URL = "/static-offline-docs"  # where fastapi_offline mounts its assets
_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_NO_LOGO = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@cache
def _redoc_bundle() -> bytes:
    """Read on first use (about 1 MB), then kept: the bundle does not change while we run."""
    text = (_STATIC / "redoc.standalone.js").read_text(encoding="utf-8")
    return text.replace(_CDN_LOGO, _NO_LOGO).encode()


def install_redoc(app: FastAPI) -> None:
    """Adds `/redoc`; the app must be built with `redoc_url=None`."""

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc_html(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{REDOC_JS_URL}",
            redoc_favicon_url=f"{root}{_STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )

    @app.get(REDOC_JS_URL, include_in_schema=False)
    async def redoc_js() -> Response:
        return Response(_redoc_bundle(), media_type="text/javascript")
