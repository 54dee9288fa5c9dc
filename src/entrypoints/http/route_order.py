"""Hot routes first, with the same answers: the router tries routes in order, so a request for
a late route paid one failed regex match per route before it (what that cost: bench/README.md,
"Figures behind code comments").

Two routes can both match one path only if the literal start of one path (up to its first
parameter) is a prefix of the other's. Only such pairs are order-sensitive, so moving a hot
route forward, together with every earlier route it could be confused with, changes no
request's route: a FULL match, a PARTIAL one (405) or none."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Mount, Route

# (method, path template), hottest first: what `make bench` and the mixed profile exercise.
HOT_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/api/v1/posts/{post_id:uuid}"),
    ("GET", "/api/v1/users/me"),
    ("GET", "/api/v1/posts"),
    ("GET", "/api/v1/feed"),
    ("POST", "/api/v1/posts"),
)


def literal_prefix(route: BaseRoute) -> str:
    """What every path this route matches starts with ("" when unknown: moves past nothing)."""
    if isinstance(route, Route | Mount):
        return route.path_format.split("{", 1)[0]
    return ""


def _may_overlap(a: BaseRoute, b: BaseRoute) -> bool:
    x, y = literal_prefix(a), literal_prefix(b)
    return x.startswith(y) or y.startswith(x)


def hot_routes_first(
    routes: Sequence[BaseRoute], hot: Sequence[tuple[str, str]] = HOT_ROUTES
) -> list[BaseRoute]:
    remaining = list(routes)
    front: list[BaseRoute] = []
    for method, path in hot:
        index = next(
            (
                i
                for i, r in enumerate(remaining)
                if isinstance(r, Route) and r.path == path and method in (r.methods or ())
            ),
            None,
        )
        if index is None:
            continue
        target = remaining[index]
        # It moves with every route before it that could match one of its paths, in order.
        moving = [r for r in remaining[:index] if _may_overlap(r, target)] + [target]
        front.extend(moving)
        remaining = [r for r in remaining if not any(r is m for m in moving)]
    return front + remaining
