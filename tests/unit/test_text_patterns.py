"""The published request constraints are the domain's rules: what the schema accepts, the
domain accepts (so a documented-valid request is never refused), and the tables behind the
patterns match this Python's Unicode database."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from pydantic import ValidationError

from domain.errors import DomainError
from domain.values import (
    QUOTING,
    SPECIALS,
    Body,
    Email,
    Name,
    Title,
    check_password_policy,
)
from entrypoints.http.schemas import PostCreate, UserCreate
from entrypoints.http.text_patterns import (
    CONTROL,
    EMAIL,
    NFKC_SEPARATORS,
    NON_BLANK_TEXT,
    WHITESPACE,
    code_points,
)

ALL = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def test_the_whitespace_table_is_what_strip_removes() -> None:
    assert code_points(WHITESPACE) == {c for c in ALL if chr(c).isspace()}


def test_the_control_table_is_unicode_category_cc() -> None:
    assert code_points(CONTROL) == {c for c in ALL if unicodedata.category(chr(c)) == "Cc"}


def test_the_nfkc_table_lists_every_character_that_normalises_into_a_separator() -> None:
    refused = "@." + QUOTING + SPECIALS

    def separates(char: str) -> bool:
        text = unicodedata.normalize("NFKC", char)  # case folding adds none to these
        return text != char and any(c in refused or c.isspace() for c in text)

    found = {c for c in ALL if not chr(c).isspace() and separates(chr(c))}
    assert code_points(NFKC_SEPARATORS) == found


@pytest.mark.parametrize(
    "text",
    ["a", " a ", "\u3000x\x1c", "x" * 100, "\U0001f600"],
)
def test_text_the_schema_accepts_the_domain_accepts(text: str) -> None:
    assert re.fullmatch(NON_BLANK_TEXT, text)
    assert Name(text).value == text.strip()
    assert Title(text).value == text.strip()
    assert Body(text).value == text


@pytest.mark.parametrize("text", ["", " ", "\x1c\x1d", "\u3000", "a\x00"])
def test_text_the_schema_refuses_the_domain_refuses(text: str) -> None:
    assert not re.fullmatch(NON_BLANK_TEXT, text)
    with pytest.raises(DomainError):
        Title(text)


@pytest.mark.parametrize(
    "address",
    ["ada@example.com", "Ada.L@Example.COM", "ü@bücher.de", "a@b.c", "0@0." + "0" * 250],
)
def test_an_address_the_schema_accepts_the_domain_accepts(address: str) -> None:
    body = UserCreate(email=address, password="x" * 8, name="A")
    assert Email(body.email)


@pytest.mark.parametrize(
    "address",
    [
        "a@b.c\u00a8",
        "a\x01@b.c",
        "a@@b.c",
        "a@b",
        "a@b.c.",
        "a\x00@b.c",
        "ad\u200da@b.c",
        "a\u00ad@b.c",
        '"ada"@b.c',
        "a(b)@c.d",
        "a@[192.0.2.1]",
    ],
)
def test_an_address_the_domain_refuses_the_schema_refuses(address: str) -> None:
    with pytest.raises(DomainError):
        Email(address)
    assert not re.fullmatch(EMAIL, address)
    with pytest.raises(ValidationError):
        UserCreate(email=address, password="x" * 8, name="A")


@pytest.mark.parametrize(
    "address",
    ["a\uff20b.c", "a@b\uff0ec", "a\u2488b@c.d", " a@b.c", "a@b.c\x1d", "\uff02a\uff02@b.c"],
)
def test_an_address_that_normalisation_would_change_into_another_is_refused(address: str) -> None:
    """The domain would accept these (normalised, "a\uff20b.c" is "a@b.c"), but the schema
    speaks of the address as sent, so it refuses them rather than promise an address the
    domain reads differently."""
    with pytest.raises(ValidationError):
        UserCreate(email=address, password="x" * 8, name="A")


def test_passwords_and_posts_have_the_domains_bounds() -> None:
    check_password_policy("k3#q" * 2)  # 8 characters, not a common password
    with pytest.raises(ValidationError):
        UserCreate(email="a@b.c", password="x" * 7, name="A")
    with pytest.raises(ValidationError):
        UserCreate(email="a@b.c", password="x" * 129, name="A")
    PostCreate(title="t" * 200, body="b" * 50_000)
    with pytest.raises(ValidationError):
        PostCreate(title="t" * 201, body="b")
