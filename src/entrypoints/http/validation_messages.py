"""What a 422 says about each field: a short sentence a UI can show after the field's name
("email must be a valid email address"), chosen by the error's kind. Pydantic's own wording
quotes the whole pattern (over 1,300 characters for the address rule) and every enum value,
and speaks of regexes a user never wrote. The schema keeps the constraints; only the words
change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from entrypoints.http.text_patterns import PATTERN_MESSAGES

MAX_MESSAGE = 200

_FIXED = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "string_type": "must be a string",
    "string_unicode": "must be valid text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "uuid_type": "must be a valid UUID",
    "uuid_parsing": "must be a valid UUID",
    "uuid_version": "must be a valid UUID",
    "datetime_type": "must be a date and time, such as 2026-01-31T12:00:00Z",
    "datetime_parsing": "must be a date and time, such as 2026-01-31T12:00:00Z",
    "datetime_from_date_parsing": "must be a date and time, such as 2026-01-31T12:00:00Z",
    "datetime_object_invalid": "must be a date and time, such as 2026-01-31T12:00:00Z",
    "timezone_aware": "must include a UTC offset, such as Z or +02:00",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "list_type": "must be a list",
    "json_invalid": "is not valid JSON",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least {}"),
    "less_than_equal": ("le", "must be at most {}"),
    "greater_than": ("gt", "must be greater than {}"),
    "less_than": ("lt", "must be less than {}"),
}
_NOT_VALID = "is not valid"


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's validation errors as the problem's `errors`: location, sentence, kind."""
    return [
        {"loc": list(e.get("loc", ())), "msg": message(e), "type": e.get("type", "")}
        for e in errors
    ]


def message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind in _FIXED:
        text = _FIXED[kind]
    elif kind in _BOUNDS:
        name, template = _BOUNDS[kind]
        text = template.format(context.get(name))
    elif kind == "string_pattern_mismatch":
        text = _pattern(str(context.get("pattern", "")), error.get("input"))
    elif kind in ("string_too_short", "string_too_long", "too_short", "too_long"):
        text = _length(kind, context)
    elif kind in ("literal_error", "enum"):
        text = f"must be one of {context.get('expected')}"
    elif kind == "value_error":  # our validators raise ValueError("the moment is out of range")
        text = str(context.get("error", ""))
    elif kind == "email":  # schemas._address: the domain's reason, already a field sentence
        text = str(error.get("msg", ""))
    else:
        text = _NOT_VALID
    # An enum's list or a validator's text can run long: a UI needs the gist, not a page.
    return text if 0 < len(text) < MAX_MESSAGE else _NOT_VALID


def _pattern(pattern: str, value: object) -> str:
    text = PATTERN_MESSAGES.get(pattern, "is not in the expected format")
    if isinstance(value, str) and pattern in PATTERN_MESSAGES:
        # One pattern can carry two rules; name the one this value broke.
        if not value.strip():
            return "must not be blank"
        if "\x00" in value:
            return "must not contain NUL characters"
    return text


def _length(kind: str, context: Mapping[str, Any]) -> str:
    unit = "character" if kind.startswith("string") else "item"
    if kind.endswith("short"):
        limit = int(context.get("min_length", 0))
        return "must not be empty" if limit == 1 else f"must be at least {limit} {unit}s"
    limit = int(context.get("max_length", 0))
    return f"must be at most {limit} {unit}" + ("" if limit == 1 else "s")
