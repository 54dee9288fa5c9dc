"""Schemathesis hooks for the Inkwell run (`run.py` loads them through SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis
from domain.errors import WeakPassword
from domain.values import check_password_policy

_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,255}$")  # the documented Idempotency-Key pattern


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """An Idempotency-Key names one request, and a key sent again with another body is a 422
    (as the IETF idempotency-key draft says). The generator, though, draws the same short keys
    ("0") for unrelated requests. Every well-formed key gets a unique suffix, as a client's
    would be; malformed keys are sent as generated, so their 400 is still tested."""
    headers = case.headers  # case-insensitive
    value = headers.get("Idempotency-Key") if headers is not None else None
    if isinstance(value, str) and _KEY.match(value):
        headers["Idempotency-Key"] = f"{value[:222]}-{uuid.uuid4().hex}"
    _uncommon_passwords(case.body)


def _uncommon_passwords(body: object) -> None:
    """The API also refuses the ~1,000 most common passwords (the schema says so in words; a
    JSON Schema cannot list them case- and width-insensitively), and the generator's first
    picks ("00000000") are among them. A generated password that is otherwise valid gets a
    random tail, as a real user's would; invalid ones are sent as generated."""
    if not isinstance(body, dict):
        return
    for field in ("password", "new_password"):
        value = body.get(field)
        if isinstance(value, str) and 8 <= len(value) <= 128 and _is_common(value):
            body[field] = f"{value[:112]}{uuid.uuid4().hex[:16]}"


def _is_common(password: str) -> bool:
    try:
        check_password_policy(password)
    except WeakPassword as exc:
        return "common" in str(exc)
    return False
