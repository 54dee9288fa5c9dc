"""Validation errors a UI can show: every field of every request (found from the OpenAPI
document, so a new field is covered without editing this file), given a value that breaks one
of its constraints, is refused with errors whose messages are short sentences naming no
pattern, each with the field's location."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from tests.conftest import make_settings
from tests.e2e.conftest import Account, all_routes, assert_problem
from tests.e2e.test_attack_mass_assignment import VALID

V1 = "/api/v1"
FORMS = {"Body_login": {"username": "ada@example.com", "password": "a long passphrase"}}
WHERE = {"query": "query", "header": "header", "path": "path"}
# What a message may not look like: a regular expression, or a pattern quoted from the schema.
REGEX_SYNTAX = re.compile(r"\\u|\^|\$|\[\^|\(\?")
MAX_MESSAGE = 200


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    where: str  # body, query, header, path
    field: str
    breaks: str  # the constraint broken
    value: Any
    form: bool = False
    schema: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} {self.where}.{self.field} {self.breaks}"


def _plain(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The schema of a value, without `T | None` and `$ref` wrapping."""
    if "anyOf" in schema:
        (schema,) = [s for s in schema["anyOf"] if s.get("type") != "null"]
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _breaking(schema: dict[str, Any], *, typed: bool) -> dict[str, Any]:
    """One value per constraint of the schema that breaks only that constraint (as far as
    one value can). `typed`: JSON, where a value can have the wrong type."""
    kind = schema.get("type")
    values: dict[str, Any] = {}
    if kind == "string":
        if typed:
            values["type"] = 12345
        if schema.get("minLength", 0) >= 1:
            values["minLength"] = ""
        if "maxLength" in schema:
            values["maxLength"] = "x" * (schema["maxLength"] + 1)
        if "pattern" in schema:
            lengths = range(schema.get("minLength", 0), schema.get("maxLength", 10**6) + 1)
            candidates = ["   ", "not an address", "a\u0000b", "pass\u0000phrase", "x"]
            values["pattern"] = next(
                c for c in candidates if len(c) in lengths and not re.search(schema["pattern"], c)
            )
        if schema.get("format") in ("uuid", "date-time"):
            values["format"] = "not-a-" + schema["format"]
        if "enum" in schema:
            values["enum"] = "no-such-value"
    elif kind == "integer":
        values["type"] = "many"
        if "minimum" in schema:
            values["minimum"] = schema["minimum"] - 1
        if "maximum" in schema:
            values["maximum"] = schema["maximum"] + 1
    elif kind == "boolean" and typed:
        values["type"] = "perhaps"
    return values


def _converted_path_params(app: FastAPI) -> set[tuple[str, str]]:
    """Path parameters routed with a convertor (`{user_id:uuid}`): a malformed one matches no
    route, which is not a validation answer."""
    found = set()
    for route in all_routes(app):
        for name in re.findall(r"\{(\w+):\w+\}", getattr(route, "path", "")):
            found.add((re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path), name))
    return found


def cases(app: FastAPI) -> list[Case]:
    document = app.openapi()
    components = document["components"]["schemas"]
    skip = _converted_path_params(app)
    found = []
    for path, operations in document["paths"].items():
        if not path.startswith(V1):
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if (path, parameter["name"]) in skip:
                    continue
                schema = _plain(parameter["schema"], components)
                for breaks, value in _breaking(schema, typed=False).items():
                    name, where = parameter["name"], WHERE[parameter["in"]]
                    found.append(Case(method.upper(), path, where, name, breaks, value))
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                name = content["schema"]["$ref"].rsplit("/", 1)[1]
                model = components[name]
                form = media != "application/json"
                for field, spec in model["properties"].items():
                    schema = _plain(spec, components)
                    for breaks, value in _breaking(schema, typed=not form).items():
                        found.append(
                            Case(method.upper(), path, "body", field, breaks, value, form, name)
                        )
                    if field in model.get("required", []):
                        found.append(
                            Case(method.upper(), path, "body", field, "required", None, form, name)
                        )
    return found


CASES = cases(create_app(build_container(make_settings())))


def _body(case: Case) -> dict[str, Any]:
    valid = dict(FORMS[case.schema] if case.form else VALID[case.schema])
    if case.breaks == "required":
        valid.pop(case.field, None)
    else:
        valid[case.field] = case.value
    return valid


# Operations whose parameter a case breaks and that also need a body: a valid one.
_BODIES = {
    ("POST", f"{V1}/users"): VALID["UserCreate"],
    ("POST", f"{V1}/posts"): VALID["PostCreate"],
    ("PATCH", f"{V1}/posts/{{post_id}}"): VALID["PostUpdate"],
}


async def _send(c: httpx.AsyncClient, case: Case, ada: Account) -> httpx.Response:
    post = await c.post(f"{V1}/posts", json={"title": "t", "body": "b"}, headers=ada.auth)
    ids: dict[str, Any] = {"user_id": ada.id, "post_id": post.json()["id"]}
    ids["notification_id"] = uuid.uuid4()
    headers, params, kwargs = dict(ada.auth), {}, {}
    if case.where == "path":
        ids[case.field] = case.value
    elif case.where == "query":
        params[case.field] = case.value
    elif case.where == "header":
        headers[case.field] = case.value
    if case.schema:
        kwargs["data" if case.form else "json"] = _body(case)
    elif (case.method, case.path) in _BODIES:
        kwargs["json"] = _BODIES[(case.method, case.path)]
    url = case.path.format(**ids)
    return await c.request(case.method, url, params=params, headers=headers, **kwargs)


def assert_readable(problem: dict[str, Any]) -> list[dict[str, Any]]:
    texts = [problem.get("detail") or ""] + [e["msg"] for e in problem.get("errors", [])]
    for text in texts:
        assert len(text) < MAX_MESSAGE, (len(text), text[:300])
        assert not REGEX_SYNTAX.search(text), text[:300]
    for error in problem.get("errors", []):
        assert error["msg"][:1].islower(), error  # completes "<field> ...", as a UI shows it
        assert error["loc"][:1] in (["body"], ["query"], ["header"], ["path"]), error
    errors: list[dict[str, Any]] = problem.get("errors", [])
    return errors


@pytest.fixture
async def root(app: FastAPI) -> Any:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as c:
        yield c


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_a_value_breaking_a_fields_constraint_gets_a_readable_message_at_its_location(
    root: httpx.AsyncClient, ada: Account, case: Case
) -> None:
    response = await _send(root, case, ada)
    if case.field == "Idempotency-Key":  # read by the route itself: a 400 with a detail
        assert_readable(assert_problem(response, 400))
        return
    errors = assert_readable(assert_problem(response, 422))
    assert [case.where, case.field.lower() if case.where == "header" else case.field] in [
        e["loc"] for e in errors
    ], errors


def test_every_kind_of_constraint_is_tried() -> None:
    """The walk above finds fields of each kind (a change to the document's shape that hid
    them would otherwise pass silently)."""
    tried = {case.breaks for case in CASES}
    assert {"type", "minLength", "maxLength", "pattern", "format", "enum"} <= tried
    assert {"minimum", "maximum", "required"} <= tried
    # Path ids are routed as UUIDs: a malformed one matches no route and is a 404, never a
    # validation error (tests/e2e/test_malformed_ids.py), so no path parameter is tried here.
    assert {case.where for case in CASES} == {"body", "query", "header"}


async def _errors(response: httpx.Response) -> dict[str, str]:
    return {e["loc"][-1]: e["msg"] for e in assert_problem(response, 422)["errors"]}


async def test_a_malformed_email_says_so_in_a_sentence(client: httpx.AsyncClient) -> None:
    body = {"email": "not an address", "password": "a long passphrase", "name": "Ada"}
    errors = await _errors(await client.post("/users", json=body))
    assert errors == {"email": "must be a valid email address"}


async def test_a_blank_title_says_so_in_a_sentence(client: httpx.AsyncClient, ada: Account) -> None:
    response = await client.post("/posts", json={"title": "   ", "body": "b"}, headers=ada.auth)
    assert await _errors(response) == {"title": "must not be blank"}


async def test_length_and_range_messages_name_the_limit(
    client: httpx.AsyncClient, ada: Account
) -> None:
    response = await client.post("/posts", json={"title": "x" * 201}, headers=ada.auth)
    assert await _errors(response) == {
        "title": "must be at most 200 characters",
        "body": "is required",
    }
    response = await client.get("/posts", params={"limit": 0})
    assert await _errors(response) == {"limit": "must be at least 1"}


async def test_the_schema_keeps_its_constraints(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    assert schemas["UserCreate"]["properties"]["email"]["pattern"].startswith("^")
    assert schemas["PostCreate"]["properties"]["title"]["maxLength"] == 200
