"""An address whose domain has an empty label (ada@example..com) names no host a mail could
reach: registering it or changing to it is a 422 that says why, never an account whose
verification mail fails eight times in the worker."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, Account, assert_problem


def _reason(body: dict[str, object]) -> str:
    errors = body.get("errors", [])
    assert isinstance(errors, list)
    return " ".join([str(body["detail"]), *(str(e["msg"]) for e in errors)])


@pytest.mark.parametrize("address", ["ada@example..com", "ada@.example.com"])
async def test_registering_an_address_with_an_empty_domain_label_is_refused(
    client: httpx.AsyncClient, address: str
) -> None:
    response = await client.post(
        "/users", json={"email": address, "password": PASSWORD, "name": "Ada"}
    )
    body = assert_problem(response, 422)
    assert "must have a domain of names between dots" in _reason(body)


async def test_changing_to_an_address_with_an_empty_domain_label_is_refused(
    client: httpx.AsyncClient, ada: Account
) -> None:
    response = await client.patch(
        "/users/me",
        json={"email": "ada@mail..example.com", "current_password": PASSWORD},
        headers=ada.auth,
    )
    body = assert_problem(response, 422)
    assert "must have a domain of names between dots" in _reason(body)
