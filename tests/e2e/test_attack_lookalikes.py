"""An attacker registers an address that reads like someone else's (issue 12, item 4): a
Cyrillic letter, an invisible joiner, a combining accent, a quoted local part. None of them
may become a second account, nor sign in as, nor reset the password of, the real one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from entrypoints.container import Container
from tests.e2e.conftest import PASSWORD, Account, assert_problem, drain, mails

CYRILLIC_A = "\u0430"
ZERO_WIDTH_JOINER = "\u200d"
COMBINING_ACUTE = "\u0301"

LOOKALIKES_OF_ADA = {
    "cyrillic_in_local_part": f"{CYRILLIC_A}da@example.com",
    "cyrillic_in_domain": f"ada@ex{CYRILLIC_A}mple.com",
    "zero_width_joiner": f"ad{ZERO_WIDTH_JOINER}a@example.com",
    "combining_accent": f"a{COMBINING_ACUTE}da@example.com",
    "quoted_local_part": '"ada"@example.com',
}


def _register(email: str) -> dict[str, Any]:
    return {"email": email, "password": PASSWORD, "name": "Impostor"}


def _messages(body: dict[str, Any]) -> str:
    return " ".join([body["detail"], *(e["msg"] for e in body.get("errors", []))])


@pytest.mark.parametrize("address", LOOKALIKES_OF_ADA.values(), ids=LOOKALIKES_OF_ADA.keys())
async def test_registering_a_lookalike_of_an_existing_address_is_refused(
    client: httpx.AsyncClient, ada: Account, address: str
) -> None:
    response = await client.post("/users", json=_register(address))
    assert response.status_code in (409, 422), response.text
    body = assert_problem(response, response.status_code)
    expected = {
        409: "confusably similar",
        422: "invisible characters" if ZERO_WIDTH_JOINER in address else "quoted local part",
    }[response.status_code]
    assert expected in _messages(body)


async def test_a_lookalike_of_a_letter_is_a_conflict_and_an_invisible_character_a_422(
    client: httpx.AsyncClient, ada: Account
) -> None:
    """Which answer each gets: a lookalike letter is a real address of its own (409, as a
    duplicate), an invisible character or a quoted local part is never accepted (422)."""
    statuses = {
        name: (await client.post("/users", json=_register(address))).status_code
        for name, address in LOOKALIKES_OF_ADA.items()
    }
    assert statuses == {
        "cyrillic_in_local_part": 409,
        "cyrillic_in_domain": 409,
        "zero_width_joiner": 422,
        "combining_accent": 409,
        "quoted_local_part": 422,
    }


async def test_changing_ones_address_to_a_lookalike_of_anothers_is_refused(
    client: httpx.AsyncClient, ada: Account, bob: Account
) -> None:
    response = await client.patch(
        "/users/me",
        json={"email": LOOKALIKES_OF_ADA["cyrillic_in_domain"], "current_password": PASSWORD},
        headers=bob.auth,
    )
    assert "confusably similar" in assert_problem(response, 409)["detail"]
    me = await client.get("/users/me", headers=bob.auth)
    assert me.json()["email"] == "bob@example.com"


async def test_a_lookalike_spelled_in_punycode_is_refused_as_the_lookalike_it_shows(
    client: httpx.AsyncClient, ada: Account
) -> None:
    """ "xn--exmple-4nf.com" is ex\u0430mple.com (a Cyrillic a) to any mail client that shows
    international domains; and "xn--bcher-kva.de" is the very mailbox b\u00fccher.de."""
    response = await client.post("/users", json=_register("ada@xn--exmple-4nf.com"))
    assert "confusably similar" in assert_problem(response, 409)["detail"]
    first = await client.post("/users", json=_register("ada@b\u00fccher.de"))
    assert first.status_code == 201, first.text
    assert_problem(await client.post("/users", json=_register("ada@xn--bcher-kva.de")), 409)


@pytest.mark.parametrize(
    ("original", "lookalike"),
    [
        ("ada@example.com", "\ua4ee\ua4d3\ua4ee@example.com"),  # Lisu capitals
        ("ada@example.com", "\u13aa\u13a0\u13aa@example.com"),  # Cherokee
        ("google@example.com", "g00gle@example.com"),  # zeros for o
        ("google@example.com", "\ua4d6\ua4f3\ua4f3\ua4d6\ua4e1\ua4f0@example.com"),
    ],
    ids=["lisu", "cherokee", "zero_for_o", "lisu_google"],
)
async def test_a_lookalike_made_of_capitals_or_digits_is_refused(
    client: httpx.AsyncClient, original: str, lookalike: str
) -> None:
    """confusables.txt gives these letters capital prototypes ("A", "O"), while addresses are
    compared case-folded: the lookalike must still meet the lower-case address."""
    first = await client.post("/users", json=_register(original))
    assert first.status_code == 201, first.text
    response = await client.post("/users", json=_register(lookalike))
    assert "confusably similar" in assert_problem(response, 409)["detail"]


@pytest.mark.parametrize(
    "address",
    [
        "jos\u00e9@example.com",
        "\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a",
        "\u03b5\u03bb\u03ad\u03bd\u03b7@example.gr",  # Greek, lower case
        "\ua4e0\ua4f2@example.com",  # Lisu, which has no lower case to fold to
    ],
)
async def test_a_legitimate_non_ascii_address_registers_once(
    client: httpx.AsyncClient, address: str
) -> None:
    first = await client.post("/users", json=_register(address))
    assert first.status_code == 201, first.text
    assert first.json()["email"] == address
    assert_problem(await client.post("/users", json=_register(address)), 409)


async def test_a_lookalike_cannot_sign_in_as_the_real_account(
    client: httpx.AsyncClient, ada: Account
) -> None:
    for address in LOOKALIKES_OF_ADA.values():
        response = await client.post(
            "/auth/token", data={"username": address, "password": PASSWORD}
        )
        assert_problem(response, 401)


async def test_a_lookalike_cannot_request_the_real_accounts_password_reset(
    client: httpx.AsyncClient, container: Container, ada: Account
) -> None:
    await drain(container)
    sent_before = len(mails(container))
    for address in LOOKALIKES_OF_ADA.values():
        response = await client.post("/auth/password-reset", json={"email": address})
        assert response.status_code == 202
    await drain(container)
    assert mails(container)[sent_before:] == []
