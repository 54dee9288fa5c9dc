"""JSON Schema patterns for the domain's text rules (see `schemas.py`).

Built from code points rather than `\\s`: regex dialects disagree on whitespace (ECMA-262, the
dialect JSON Schema names, leaves out U+001C..U+001F, which Python's `strip()` removes).
`tests/unit/test_text_patterns.py` checks both tables against the running Python's Unicode
database.
"""

from __future__ import annotations

from domain.values import INVISIBLE, QUOTING, SPECIALS

Codes = tuple[int | tuple[int, int], ...]

# str.isspace(): what the domain's strip() removes and what its `\s` matches.
WHITESPACE: Codes = (
    (0x09, 0x0D), (0x1C, 0x20), 0x85, 0xA0, 0x1680, (0x2000, 0x200A), (0x2028, 0x2029),
    0x202F, 0x205F, 0x3000,
)  # fmt: skip
# Characters that NFKC, which the domain applies to an address before checking it, turns into
# text holding "@", ".", whitespace or a character the domain refuses in an address (a quote,
# a bracket, ...): U+FF20 FULLWIDTH COMMERCIAL AT is "@", U+FF02 FULLWIDTH QUOTATION MARK is
# '"', U+00A8 DIAERESIS is " " + a combining mark. An address with one is not what it looks like.
NFKC_SEPARATORS: Codes = (
    0xA8, 0xAF, 0xB4, 0xB8, (0x2D8, 0x2DD), 0x37A, 0x37E, (0x384, 0x385), 0x1FBD,
    (0x1FBF, 0x1FC1), (0x1FCD, 0x1FCF), (0x1FDD, 0x1FDF), (0x1FED, 0x1FEE), (0x1FFD, 0x1FFE),
    0x2017, (0x2024, 0x2026), 0x203E, (0x207D, 0x207E), (0x208D, 0x208E), (0x2474, 0x24B5),
    0x2A74, (0x309B, 0x309C), (0x3200, 0x321E), (0x3220, 0x3243), 0x33C2, 0x33C7, 0x33D8,
    (0xFC5E, 0xFC63), (0xFDFA, 0xFDFB), 0xFE10, (0xFE13, 0xFE14), 0xFE19, 0xFE30,
    (0xFE35, 0xFE36), (0xFE47, 0xFE4C), 0xFE50, 0xFE52, (0xFE54, 0xFE55), (0xFE59, 0xFE5A),
    (0xFE64, 0xFE65), 0xFE68, 0xFE6B, 0xFE70, 0xFE72, 0xFE74, 0xFE76, 0xFE78, 0xFE7A, 0xFE7C,
    0xFE7E, 0xFF02, (0xFF08, 0xFF09), 0xFF0C, 0xFF0E, (0xFF1A, 0xFF1C), 0xFF1E, 0xFF20,
    (0xFF3B, 0xFF3D), 0xFFE3, (0x1F100, 0x1F10A), (0x1F110, 0x1F129),
)  # fmt: skip


def code_points(codes: Codes) -> set[int]:
    points: set[int] = set()
    for code in codes:
        low, high = code if isinstance(code, tuple) else (code, code)
        points.update(range(low, high + 1))
    return points


def _char(code: int) -> str:
    # \uXXXX reads the same in ECMA-262 and Python; above the BMP only the character itself does.
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)


def _set(*groups: Codes) -> str:
    parts = []
    for group in groups:
        for code in group:
            low, high = code if isinstance(code, tuple) else (code, code)
            parts.append(_char(low) if low == high else f"{_char(low)}-{_char(high)}")
    return "".join(parts)


# Control characters (Unicode category Cc): SMTP refuses them in an address.
CONTROL: Codes = ((0x00, 0x1F), (0x7F, 0x9F))

NUL = "\\u0000"  # databases refuse it
# The domain's quoting and specials, which it refuses in an address ('"', "(", "[", ...).
_REFUSED: Codes = tuple(ord(c) for c in QUOTING + SPECIALS)
SPACE = _set(WHITESPACE)
_NOT_IN_ADDRESS = _set(WHITESPACE, NFKC_SEPARATORS, CONTROL, INVISIBLE, _REFUSED)

# Text the domain trims and stores: not blank once trimmed, no NUL.
NON_BLANK_TEXT = f"^[{SPACE}]*[^{SPACE}{NUL}][^{NUL}]*$"
NO_NUL = f"^[^{NUL}]*$"
# The domain's address rule (one "@", a dotted domain with no empty label, no whitespace, no
# control or invisible character, no quoting, comment or domain literal), as it applies before
# normalisation.
EMAIL = f"^[^@{_NOT_IN_ADDRESS}]+@[^@.{_NOT_IN_ADDRESS}]+(?:\\.[^@.{_NOT_IN_ADDRESS}]+)+$"

# What a 422 says of a value that does not match (see `validation_messages.py`): the rule in
# words, never the pattern, which a user cannot read and which runs to 1,300 characters.
PATTERN_MESSAGES = {
    EMAIL: "must be a valid email address",
    NON_BLANK_TEXT: "must not be blank",
    NO_NUL: "must not contain NUL characters",
}
