"""RFC 9457 problem details as the OpenAPI document describes them: the `Problem` schemas
and the `responses` entries routes declare with `problem_responses(401, 404, ...)`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    """RFC 9457 problem details (`application/problem+json`)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(Problem):
    """A 422: `errors` lists the fields that failed validation, each with a short sentence
    (`msg`) and where it is (`loc`); a broken business rule (a weak password, a blank title
    after trimming) has an empty `errors` and names the rule in `detail`."""

    errors: list[FieldError]  # always sent (see errors.problem), so required in the schema


PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_MODELS: tuple[type[BaseModel], ...] = (Problem, ValidationProblem)

_PROBLEM_DESCRIPTIONS = {
    400: "Bad request: a body that is not valid JSON, or a cursor, token or Idempotency-Key "
    "this API did not issue or accept",
    401: "Missing, invalid, expired or revoked credentials",
    403: "Authenticated but not allowed",
    404: "Not found (or not visible to you)",
    408: "The request body did not arrive in time (the connection is closed)",
    409: "Conflicts with the current state",
    412: "If-Match does not match the current version",
    413: "Request body too large",
    422: "Invalid request: `errors` lists the fields, or `detail` names the broken rule "
    "(or an Idempotency-Key reused with another body)",
    429: "Rate limited; see Retry-After",
    503: "The database is unavailable (down, hung or out of connections); retry after Retry-After",
}
_PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with: `Bearer`",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    503: {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def problem_content(model: type[Problem] = Problem) -> dict[str, Any]:
    """An OpenAPI `content` map: problem+json with the given Problem schema."""
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def problem_response(code: int, description: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description or _PROBLEM_DESCRIPTIONS[code],
        "content": problem_content(ValidationProblem if code == 422 else Problem),
    }
    if code in _PROBLEM_HEADERS:
        response["headers"] = _PROBLEM_HEADERS[code]
    return response


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json answers a route can give. The statuses any route
    with parameters or a body can give (400, 413, 422) are added by `openapi.py`."""
    return {code: problem_response(code) for code in codes}
