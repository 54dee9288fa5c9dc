from __future__ import annotations

import hashlib
import hmac

from application.ports.security import Fingerprints


class HmacFingerprints(Fingerprints):
    """HMAC-SHA256 under a key derived from the server secret (its own domain, so it is
    never the key of anything else), cut to 16 hex digits: plenty to correlate, nothing
    to recover."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"inkwell audit fingerprints\0" + secret.encode()).digest()

    def of(self, value: str) -> str:
        data = value.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()[:16]
