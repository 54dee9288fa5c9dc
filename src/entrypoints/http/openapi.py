"""The published OpenAPI document: FastAPI's, completed with what it cannot infer.

Routes declare the answers their own logic gives (`problem_responses(401, 404, ...)`) and their
links. Here every operation also gets the answers the framework and the middleware give to
any request of its shape, so that the document lists every status the API can return:
- with parameters or a body: 422, a `ValidationProblem` (FastAPI would document its own
  `HTTPValidationError`, which is not what `errors.py` sends);
- with a body: 400 (not valid JSON or form data), 408 (slower than
  `INKWELL_HTTP_BODY_TIMEOUT_SECONDS`) and 413 (over `INKWELL_MAX_BODY_BYTES`);
- with an id in the path: 404, also when that id is not a UUID (the one rule for every route).
Errors are `application/problem+json` (`Problem`, `ValidationProblem`), never JSON.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from entrypoints.http.problems import PROBLEM_MODELS, problem_response

_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operation_id(route: APIRoute) -> str:
    """Operation ids are the route functions' names (`get_post`): links refer to them."""
    return route.name


def install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete(generate())  # FastAPI caches the dict it returns in app.openapi_schema
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> None:
    components = document.setdefault("components", {}).setdefault("schemas", {})
    _, definitions = models_json_schema(
        [(model, "serialization") for model in PROBLEM_MODELS],
        ref_template="#/components/schemas/{model}",
    )
    components.update(definitions["$defs"])
    for path, path_item in document.get("paths", {}).items():
        for method in _METHODS:
            if method in path_item:
                _complete_operation(path_item[method])
                if path.startswith("/api/"):  # every API route may need the database
                    path_item[method]["responses"].setdefault("503", problem_response(503))
                    path_item[method]["responses"] = dict(
                        sorted(path_item[method]["responses"].items())
                    )
    for name in _FASTAPI_VALIDATION_SCHEMAS:  # HTTPValidationError refers to ValidationError
        if f'"#/components/schemas/{name}"' not in json.dumps(document):
            components.pop(name, None)


# Path ids are routed as UUIDs (routers/__init__.py): anything else matches no route.
MALFORMED_PATH_ID = "Not found (or not visible to you); also any id in the path that is not a UUID"


def _complete_operation(operation: dict[str, Any]) -> None:
    security = operation.get("security", [])
    if {} in security:
        # Credentials optional: the anonymous alternative first, as OpenAPI writes it.
        operation["security"] = [{}] + [requirement for requirement in security if requirement]
    responses: dict[str, Any] = operation.setdefault("responses", {})
    has_body = "requestBody" in operation
    if any(p.get("in") == "path" for p in operation.get("parameters", ())):
        responses["404"] = problem_response(404, MALFORMED_PATH_ID)
    if has_body or operation.get("parameters"):
        responses["422"] = problem_response(422)
    if has_body:
        responses.setdefault("400", problem_response(400))
        responses.setdefault("408", problem_response(408))
        responses.setdefault("413", problem_response(413))
    operation["responses"] = dict(sorted(responses.items()))
