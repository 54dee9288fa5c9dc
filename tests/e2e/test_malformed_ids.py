"""One rule for every id in a path: an id that is not a UUID names nothing, so the answer is a
404 problem, whoever asks, whatever the method or the body (never a 422 on one route and a 404
on another). The routes are walked, so a new route with a path parameter is held to it."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.e2e.conftest import Account, all_routes, assert_problem

MALFORMED = (
    "not-a-uuid",
    "123",
    "00000000-0000-0000-0000-00000000000g",  # not hexadecimal
    "00000000-0000-0000-0000-0000000000000",  # one digit too many
)
_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def _routes_with_path_parameters(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template without convertors) of every route with a path parameter."""
    found = []
    for route in all_routes(app):
        path = getattr(route, "path", "")
        if _PARAMETER.search(path):
            template = _PARAMETER.sub(r"{\1}", path)
            found += [
                (method, template) for method in sorted(route.methods or ()) if method != "HEAD"
            ]
    return found


def _urls_with_one_malformed_id(template: str, malformed: str) -> list[str]:
    """Each parameter in turn malformed, the others well-formed ids."""
    names = _PARAMETER.findall(template)
    urls = []
    for bad in names:
        values = {name: malformed if name == bad else str(uuid.uuid4()) for name in names}
        urls.append(template.format(**values))
    return urls


def test_the_walk_finds_the_routes_of_every_area(app: FastAPI) -> None:
    paths = {path for _, path in _routes_with_path_parameters(app)}
    assert {
        "/api/v1/users/{user_id}",
        "/api/v1/users/{user_id}/follow",
        "/api/v1/posts/{post_id}",
        "/api/v1/posts/{post_id}/publish",
        "/api/v1/notifications/{notification_id}/read",
    } <= paths


@pytest.mark.parametrize("malformed", MALFORMED)
async def test_a_path_id_that_is_not_a_uuid_is_a_404_problem_on_every_route(
    app: FastAPI, client: httpx.AsyncClient, ada: Account, malformed: str
) -> None:
    wrong = []
    for method, template in _routes_with_path_parameters(app):
        for url in _urls_with_one_malformed_id(template, malformed):
            body = {} if method in {"POST", "PUT", "PATCH"} else None
            for headers in (ada.auth, {}):  # signed in or not, the URL names nothing
                response = await client.request(
                    method, url.removeprefix("/api/v1"), json=body, headers=headers
                )
                if response.status_code != 404:
                    wrong.append((method, url, bool(headers), response.status_code))
    assert not wrong, wrong
    response = await client.get(f"/posts/{malformed}", headers=ada.auth)
    assert "ids in paths are UUIDs" in assert_problem(response, 404)["detail"]


def test_the_document_says_a_malformed_path_id_is_a_404(app: FastAPI) -> None:
    assert "Ids in paths are UUIDs" in app.openapi()["info"]["description"]
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if any(p["in"] == "path" for p in operation.get("parameters", [])):
                assert "not a UUID" in operation["responses"]["404"]["description"], (method, path)
