"""The published OpenAPI document is held to the API by `make schemathesis`; these tests pin
the conventions it relies on, and the answers that are framework behaviour (405)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.e2e.conftest import Account, assert_problem

PROBLEMS = {"#/components/schemas/Problem", "#/components/schemas/ValidationProblem"}


@pytest.fixture
def spec(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def test_every_error_is_documented_as_problem_json(spec: dict[str, Any]) -> None:
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if int(status) >= 400 and path.startswith("/api/"):
                assert list(response["content"]) == ["application/problem+json"], (method, path)
                assert response["content"]["application/problem+json"]["schema"]["$ref"] in PROBLEMS
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_what_the_framework_answers_is_documented_on_every_operation(
    spec: dict[str, Any],
) -> None:
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(responses), (method, path)
        if operation.get("parameters"):
            assert "422" in responses, (method, path)


def test_links_name_operations_and_parameters_that_exist(spec: dict[str, Any]) -> None:
    by_id = {operation["operationId"]: operation for _, _, operation in operations(spec)}
    linked = set()
    for _, _, operation in operations(spec):
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                target = by_id[link["operationId"]]
                names = {p["name"] for p in target.get("parameters", [])}
                for parameter in link["parameters"]:
                    assert parameter.split(".")[-1] in names, (link, parameter)
                linked.add(link["operationId"])
    assert {"get_post", "update_post", "publish_post", "delete_post", "get_user"} <= linked


def test_reading_a_user_documents_both_the_full_view_and_the_public_profile(
    spec: dict[str, Any],
) -> None:
    get_user = spec["paths"]["/api/v1/users/{user_id}"]["get"]
    schema = get_user["responses"]["200"]["content"]["application/json"]["schema"]
    shapes = {s["$ref"].rsplit("/", 1)[-1] for s in schema.get("anyOf", schema.get("oneOf", []))}
    assert shapes == {"UserOut", "PublicProfileOut"}
    public = spec["components"]["schemas"]["PublicProfileOut"]
    assert set(public["properties"]) == {"id", "name", "created_at"}
    assert "403" in spec["paths"]["/api/v1/users"]["get"]["responses"]


async def test_a_405_allows_every_method_of_the_path(
    client: httpx.AsyncClient, ada: Account
) -> None:
    response = await client.request("PUT", "/posts")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, POST"
    # "me" is not read as a user id: the path has GET and PATCH, not DELETE.
    response = await client.delete("/users/me", headers=ada.auth)
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, PATCH"
