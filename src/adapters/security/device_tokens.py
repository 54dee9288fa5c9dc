from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from datetime import timedelta

from application.ports.security import DeviceTokens
from application.ports.system import Clock

# Longer input is not a token this adapter issued (they are about 80 characters); refusing
# it first keeps a hostile header or cookie from costing any hashing.
_MAX_TOKEN_LENGTH = 200
_CLOCK_SKEW_SECONDS = 60  # replicas' clocks may differ a little


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class HmacDeviceTokens(DeviceTokens):
    """`<device id>.<issued at>.<tag>`: a random 128-bit device id, the issue time in Unix
    seconds and an HMAC-SHA256 over (account, token version, device id, issued at) under a key
    of its own (derived from the JWT secret with its own purpose label). The fields are encoded
    as a JSON array before signing, so no choice of account can shift bytes from one field to
    another. The token version is not in the token: the account's current one is what it is
    checked against, so bumping it ends every token issued before."""

    def __init__(self, key: bytes, clock: Clock, ttl: timedelta) -> None:
        self._key = key
        self._clock = clock
        self._ttl_seconds = int(ttl.total_seconds())

    def _tag(self, account: str, token_version: int | None, device: str, issued_at: int) -> str:
        message = json.dumps([account, token_version, device, issued_at]).encode()
        return _b64(hmac.digest(self._key, message, hashlib.sha256))

    def issue(self, account: str, token_version: int) -> str:
        device = _b64(secrets.token_bytes(16))
        issued_at = int(self._clock.now().timestamp())
        return f"{device}.{issued_at}.{self._tag(account, token_version, device, issued_at)}"

    def verify(self, token: str, account: str, token_version: int | None) -> str | None:
        if len(token) > _MAX_TOKEN_LENGTH or not token.isascii():
            return None
        parts = token.split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        device, issued_at, tag = parts[0], int(parts[1]), parts[2]
        try:
            if len(base64.urlsafe_b64decode(device + "==")) != 16:
                return None
        except (binascii.Error, ValueError):
            return None
        # An address without an account (None) is signed like any other, so that answering
        # "no" costs the same; no token was ever issued with a null version, so none matches.
        expected = self._tag(account, token_version, device, issued_at)
        if not hmac.compare_digest(tag, expected) or token_version is None:
            return None
        age = self._clock.now().timestamp() - issued_at
        if not -_CLOCK_SKEW_SECONDS <= age <= self._ttl_seconds:
            return None
        return device
