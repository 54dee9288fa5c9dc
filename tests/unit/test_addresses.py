"""Email addresses: one spelling per mailbox (NFKC, case-folded), nothing invisible, no
quoted local parts; and the confusable skeleton that makes lookalikes collide."""

from __future__ import annotations

import sys
import unicodedata

import pytest
import regex

from adapters.text.skeletons import Uts39Skeleton
from domain.errors import InvalidEmail
from domain.values import INVISIBLE, Email, address_key, normalise_address
from entrypoints.http.text_patterns import code_points

ALL = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def test_an_address_is_case_folded_not_only_lower_cased() -> None:
    assert Email("Stra\u00dfe@Example.com").value == "strasse@example.com"
    assert Email("\u0130stanbul@x.tr") == Email("i\u0307stanbul@x.tr")


def test_normalising_an_address_twice_changes_nothing() -> None:
    """Stored addresses are read back through Email: a second pass must not move them."""
    for code in ALL:
        once = normalise_address(f"a{chr(code)}b@x.io")
        assert normalise_address(once) == once, hex(code)


@pytest.mark.parametrize(
    "invisible",
    ["\u200d", "\u200b", "\u00ad", "\ufeff", "\u2060", "\u200e", "\u202e", "\ufe0f", "\u3164"],
)
def test_an_address_with_an_invisible_character_is_refused(invisible: str) -> None:
    with pytest.raises(InvalidEmail, match="must not contain invisible characters"):
        Email(f"ad{invisible}a@example.com")


def test_the_invisible_table_is_format_characters_and_default_ignorables() -> None:
    """Unicode category Cf plus Default_Ignorable_Code_Point (which Python's unicodedata does
    not expose, so the `regex` module's database is the reference), for assigned characters."""
    ignorable = regex.compile(r"\p{Default_Ignorable_Code_Point}")
    expected = {
        c
        for c in ALL
        if unicodedata.category(chr(c)) == "Cf"
        or (unicodedata.category(chr(c)) != "Cn" and ignorable.match(chr(c)))
    }
    assert code_points(INVISIBLE) == expected


@pytest.mark.parametrize("address", ['"ada"@example.com', '"a d a"@example.com', 'a"da@x.io'])
def test_a_quoted_local_part_is_refused(address: str) -> None:
    with pytest.raises(InvalidEmail, match="must not have a quoted local part"):
        Email(address)


@pytest.mark.parametrize(
    "address",
    ["ada(comment)@example.com", "ada@[192.0.2.1]", "a\\da@x.io", "<ada@x.io>", "a,b@x.io"],
)
def test_comments_routes_and_domain_literals_are_refused(address: str) -> None:
    with pytest.raises(InvalidEmail, match=r"must not (hold comments|have a quoted local part)"):
        Email(address)


def test_the_throttle_key_of_an_address_is_its_normalised_form() -> None:
    assert address_key(" ADA@Example.com") == "ada@example.com"
    assert address_key("NOT AN ADDRESS") == "not an address"


SKELETON = Uts39Skeleton()


@pytest.mark.parametrize(
    ("lookalike", "original"),
    [
        ("\u0430da@example.com", "ada@example.com"),  # Cyrillic a
        ("ada@ex\u0430mple.com", "ada@example.com"),
        ("\u00e1da@example.com", "ada@example.com"),  # an accent, small enough to miss
        ("a\u0323da@example.com", "ada@example.com"),  # a dot below
        ("rnodern@x.io", "modern@x.io"),  # two letters read as one
        ("paypa1@x.io", "paypal@x.io"),
        ("\u03bflga@x.io", "olga@x.io"),  # Greek omicron
    ],
)
def test_lookalikes_share_a_skeleton(lookalike: str, original: str) -> None:
    assert SKELETON.of(lookalike) == SKELETON.of(original)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ada@example.com", "bob@example.com"),
        ("ada@example.com", "ada@example.org"),
        ("\u0915\u0941@x.in", "\u0915@x.in"),  # a Devanagari vowel sign is a letter's part
        ("\u7528\u6237@x.cn", "\u7528@x.cn"),
    ],
)
def test_different_looking_texts_have_different_skeletons(one: str, other: str) -> None:
    assert SKELETON.of(one) != SKELETON.of(other)


def test_an_address_is_read_with_its_international_domain_decoded() -> None:
    assert Email("Ada@XN--bcher-kva.de").as_read == "ada@b\u00fccher.de"
    assert Email("ada@xn--zz.example").as_read == "ada@xn--zz.example"  # no valid A-label
    assert Email("ada@xn--bcher-kva.de").value == "ada@xn--bcher-kva.de"  # stored as given
