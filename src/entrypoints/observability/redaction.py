"""The last line of defence against secrets in logs: a structlog processor that masks
values under sensitive keys and anything that looks like a token or a password hash,
wherever it appears (message, fields, nested values, formatted exceptions).

Logging call sites must still never pass secrets: this only catches mistakes."""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

REDACTED = "[REDACTED]"

SENSITIVE_KEYS = frozenset(
    {
        "password",
        "new_password",
        "current_password",
        "passwd",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "secret",
        "jwt_secret",
        "client_secret",
        "api_key",
        "hash",
        "password_hash",
        "token_hash",
    }
)

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_ARGON2 = re.compile(r"\$argon2(?:id|i|d)\$\S*")
_QUERY_TOKEN = re.compile(
    r"(?i)((?:[?&;]|\b)(?:token|access_token|refresh_token|password)=)[^&\s\"']+"
)
_BEARER = re.compile(r"(?i)(\bbearer\s+)[^\s\"',]+")
# Internal fields other processors still need as objects (formatted later or dropped).
_UNTOUCHED = frozenset({"exc_info", "stack_info", "_record", "_from_structlog"})
_SCALARS = frozenset({int, float, bool})


_known_keys: dict[str, bool] = {}  # field names are few: decide each once


def _is_sensitive(key: str) -> bool:
    known = _known_keys.get(key)
    if known is None:
        lowered = key.lower()
        known = lowered in SENSITIVE_KEYS or lowered.endswith(("_password", "_token", "_secret"))
        if len(_known_keys) < 10_000:
            _known_keys[key] = known
    return known


def _suspicious(text: str) -> bool:
    # Cheap substring checks first: most strings contain none of these, and `in` is far
    # cheaper than a regex search. (An inline chain: this runs for every string logged.)
    return "=" in text or "eyJ" in text or "$argon2" in text or "earer" in text


def redact_text(text: str) -> str:
    if not _suspicious(text):
        return text
    text = _JWT.sub(REDACTED, text)
    text = _ARGON2.sub(REDACTED, text)
    text = _QUERY_TOKEN.sub(rf"\1{REDACTED}", text)
    return _BEARER.sub(rf"\1{REDACTED}", text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_sensitive(str(k)) else _redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(item) for item in value]
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace"))
    return value


def redact_secrets(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask sensitive keys and token- or hash-shaped values."""
    for key, value in event_dict.items():
        kind = type(value)
        if kind is str:
            sensitive = _known_keys.get(key)  # inlined _is_sensitive: the common case
            if sensitive if sensitive is not None else _is_sensitive(key):
                event_dict[key] = REDACTED
            elif "=" in value or "eyJ" in value or "$argon2" in value or "earer" in value:
                event_dict[key] = redact_text(value)
        elif value is None or kind in _SCALARS or key in _UNTOUCHED:
            continue
        elif _is_sensitive(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact(value)
    return event_dict
