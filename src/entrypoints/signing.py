"""The signing secret and the keys derived from it (one secret to rotate)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entrypoints.settings import Settings


def resolve_jwt_secret(settings: Settings) -> str:
    """The configured secret; otherwise (development, test) a random one, never a constant
    from the source code. Development keeps it in `jwt_secret_file` (mode 0600) so sessions
    survive a restart of `make run`; test mode makes a fresh one per container."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    if settings.env == "test":
        return secrets.token_urlsafe(48)
    path = settings.jwt_secret_file
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def device_token_key(jwt_secret: str) -> bytes:
    """The key that signs device tokens (login throttling), derived like `cursor_key`."""
    return hmac.digest(jwt_secret.encode(), b"inkwell/device-tokens/v1", hashlib.sha256)


def cursor_key(jwt_secret: str) -> bytes:
    """The key that tags list cursors, derived from the signing secret (one secret to
    rotate); a different purpose label, so a cursor tag is never a token signature."""
    return hmac.digest(jwt_secret.encode(), b"inkwell/list-cursors/v1", hashlib.sha256)
