from __future__ import annotations

import hashlib
import hmac

from application.ports.security import Fingerprints


class HmacFingerprints(Fingerprints):
    """HMAC-SHA256 under a key derived from the server secret and a purpose (its own domain,
    so it is never the key of anything else), cut to `digits` hex digits: the default 16
    are plenty to correlate, nothing to recover."""

    def __init__(
        self, secret: str, purpose: str = "inkwell audit fingerprints", digits: int = 16
    ) -> None:
        self._key = hashlib.sha256(purpose.encode() + b"\0" + secret.encode()).digest()
        self._digits = digits

    def of(self, value: str) -> str:
        data = value.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()[: self._digits]
