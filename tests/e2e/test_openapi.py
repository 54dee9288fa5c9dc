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
            assert {"400", "408", "413", "422"} <= set(responses), (method, path)
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


def test_operations_open_to_anonymous_callers_say_so_and_no_other_does(
    spec: dict[str, Any],
) -> None:
    """An empty security requirement (`{}`) is OpenAPI's "no credentials needed": a client
    generator may then accept an unauthenticated client for that operation."""
    anonymous_allowed = {
        operation["operationId"]
        for _, _, operation in operations(spec)
        if {} in operation.get("security", [])
    }
    assert anonymous_allowed == {"get_post", "logout"}
    for name in anonymous_allowed:
        (operation,) = [o for _, _, o in operations(spec) if o["operationId"] == name]
        assert operation["security"] == [{}, {"OAuth2PasswordBearer": []}]


def test_a_422_always_lists_its_errors_in_the_schema(spec: dict[str, Any]) -> None:
    """Generated clients then give `errors` as a list (empty for a broken business rule)."""
    problem = spec["components"]["schemas"]["ValidationProblem"]
    assert "errors" in problem["required"]


async def test_a_broken_business_rule_is_a_422_with_an_empty_error_list(
    client: httpx.AsyncClient,
) -> None:
    body = {"email": "weak@example.com", "password": "password1", "name": "Weak"}
    problem = assert_problem(await client.post("/users", json=body), 422)
    assert problem["errors"] == []
    assert problem["detail"]


async def test_a_post_carries_its_version_in_the_body_as_in_its_etag(
    client: httpx.AsyncClient, ada: Account, spec: dict[str, Any]
) -> None:
    """So a client can send If-Match from the model it holds, without the raw headers."""
    assert "version" in spec["components"]["schemas"]["PostOut"]["required"]
    created = await client.post("/posts", json={"title": "t", "body": "b"}, headers=ada.auth)
    post = created.json()
    assert created.headers["etag"] == f'"{post["version"]}"'
    url = f"/posts/{post['id']}"
    headers = {**ada.auth, "If-Match": f'"{post["version"]}"'}
    edited = await client.patch(url, json={"title": "t2"}, headers=headers)
    assert edited.json()["version"] == post["version"] + 1
    assert edited.headers["etag"] == f'"{edited.json()["version"]}"'
    stale = await client.patch(url, json={"title": "t3"}, headers=headers)
    assert_problem(stale, 412)
