"""Hot routes are tried first, and every request still reaches the route it reached before."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
from starlette.routing import BaseRoute, Match, Mount, Route

from entrypoints.container import build_container
from entrypoints.http import app as app_module
from entrypoints.http.app import create_app
from entrypoints.http.route_order import HOT_ROUTES, hot_routes_first
from tests.conftest import make_settings

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _resolve(routes: list[BaseRoute], method: str, path: str) -> tuple[BaseRoute | None, Match]:
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    partial: BaseRoute | None = None
    for route in routes:
        match, _ = route.matches(dict(scope))
        if match == Match.FULL:
            return route, match
        if match == Match.PARTIAL and partial is None:
            partial = route
    return partial, Match.PARTIAL if partial else Match.NONE


def _sample_paths(routes: list[BaseRoute]) -> set[str]:
    paths = {"/", "/api/v1", "/api/v1/", "/nope", "/api/v1/users/me/follow", "/api/v1/posts/x/y"}
    for route in routes:
        if not isinstance(route, Route | Mount):
            continue
        template = route.path_format
        for value in (str(uuid4()), "me", "not-a-uuid", ""):
            path = re.sub(r"\{[^}]*\}", value, template)
            paths |= {path, path + "/", path.rstrip("/") or "/", path + "/extra"}
    return paths


Orders = tuple[list[BaseRoute], list[BaseRoute]]


@pytest.fixture
def declared_and_ordered(monkeypatch: pytest.MonkeyPatch) -> Orders:
    ordered = create_app(build_container(make_settings())).router.routes
    monkeypatch.setattr(app_module, "hot_routes_first", list)  # the declared order
    declared = create_app(build_container(make_settings())).router.routes
    return declared, ordered


def _key(route: BaseRoute | None) -> tuple[str, str] | None:
    if route is None:
        return None
    methods = ",".join(sorted(getattr(route, "methods", None) or ()))
    return (getattr(route, "path", ""), methods)


def test_every_request_reaches_the_same_route_in_both_orders(
    declared_and_ordered: Orders,
) -> None:
    declared, ordered = declared_and_ordered
    assert [_key(r) for r in declared] != [_key(r) for r in ordered]  # it did reorder
    assert sorted(map(str, map(_key, declared))) == sorted(map(str, map(_key, ordered)))
    checked = 0
    for path in _sample_paths(declared):
        for method in METHODS:
            before, how_before = _resolve(declared, method, path)
            after, how_after = _resolve(ordered, method, path)
            assert (_key(before), how_before) == (_key(after), how_after), (method, path)
            checked += 1
    assert checked > 1000


def test_the_hot_routes_come_first_with_what_must_precede_them(
    declared_and_ordered: Orders,
) -> None:
    _declared, ordered = declared_and_ordered
    hot_positions = [
        next(i for i, r in enumerate(ordered) if _key(r) == (path, method))
        for method, path in HOT_ROUTES
    ]
    assert max(hot_positions) < 2 * len(HOT_ROUTES)


def test_a_route_that_could_shadow_a_hot_one_moves_with_it() -> None:
    async def endpoint() -> None: ...

    catch_all = Route("/items/{anything:path}", endpoint, methods=["GET"])
    other = Route("/other", endpoint, methods=["GET"])
    hot = Route("/items/special", endpoint, methods=["GET"])
    ordered = hot_routes_first([other, catch_all, hot], [("GET", "/items/special")])
    assert ordered == [catch_all, hot, other]  # the catch-all still wins, as declared
