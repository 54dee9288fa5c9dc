"""Schemathesis hooks for the Inkwell run (`run.py` loads them through SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

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
