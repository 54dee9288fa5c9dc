"""README's API table is where a newcomer starts: every operation of the API document has a
row there with an example, so a route added later cannot go unexplained."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI

README = Path(__file__).resolve().parents[2] / "README.md"
PREFIX = "/api/v1"


def _table_rows() -> list[tuple[set[str], str]]:
    """(methods, path) of each row of the API table: `GET /users/{id}`, `PUT` / `DELETE /x`."""
    section = README.read_text().split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        route = line.split("|")[1]
        methods = set(re.findall(r"\b(GET|POST|PUT|PATCH|DELETE)\b", route))
        path = re.search(r"(/[a-z][^`?\s]*)", route)
        assert methods, line
        assert path, line
        rows.append((methods, re.sub(r"\{[^}]+\}", "{}", path.group(1))))
    return rows


def test_every_operation_of_the_api_has_an_example_row_in_the_readme(app: FastAPI) -> None:
    rows = _table_rows()
    missing = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith(PREFIX):
            continue
        shape = re.sub(r"\{[^}]+\}", "{}", path.removeprefix(PREFIX))
        for method in operations:
            if not any(method.upper() in methods and shape == p for methods, p in rows):
                missing.append(f"{method.upper()} {path}")
    assert not missing, "README's API table has no row for: " + ", ".join(missing)


def test_the_logout_row_says_it_needs_its_json_body() -> None:
    rows = README.read_text().splitlines()
    (logout,) = [line for line in rows if line.startswith("| `POST /auth/logout`")]
    assert '{"refresh_token": ' in logout
