from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from application.errors import InvalidToken
from application.ports.jobs import OneTimeTokens
from application.ports.security import (
    AccessClaims,
    AccessTokenService,
    IssuedAccessToken,
    RefreshTokenCodec,
)
from application.ports.system import Clock

_REQUIRED = ["iss", "aud", "sub", "exp", "iat", "jti", "typ", "tv", "sid"]
_LEEWAY = timedelta(seconds=30)


@dataclass(frozen=True, kw_only=True)
class JwtAccessTokenService(AccessTokenService):
    """HS256 JWTs per RFC 8725: the algorithm is pinned (never read from the token), the
    header is explicitly typed (`at+jwt`, RFC 9068), and iss, aud, exp, iat, jti, sub and typ
    are required and checked. Time comes from the Clock."""

    ALGORITHM = "HS256"
    TYP = "access"
    HEADER_TYPES = frozenset({"at+jwt", "application/at+jwt"})

    secret: str = field(repr=False)
    issuer: str
    audience: str
    ttl: timedelta
    clock: Clock
    verified_cache_size: int = 4096
    _verified: Callable[[str], _Verified] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        verified = functools.lru_cache(maxsize=self.verified_cache_size)(self._verify)
        object.__setattr__(self, "_verified", verified)

    def issue(self, user_id: UUID, token_version: int, session_id: UUID) -> IssuedAccessToken:
        now = self.clock.now().replace(microsecond=0)
        expires = now + self.ttl
        jti = secrets.token_urlsafe(16)
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": jti,
            "typ": self.TYP,
            "tv": token_version,
            "sid": str(session_id),
        }
        token = jwt.encode(
            payload, self.secret, algorithm=self.ALGORITHM, headers={"typ": "at+jwt"}
        )
        claims = AccessClaims(user_id, token_version, jti, session_id, expires)
        return IssuedAccessToken(token, claims, int(self.ttl.total_seconds()))

    def decode(self, token: str) -> AccessClaims:
        try:
            verified = self._verified(token)
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
            raise InvalidToken("The access token is not valid.") from None
        now = self.clock.now()
        if verified.claims.expires_at <= now - _LEEWAY or verified.not_before > now + _LEEWAY:
            raise InvalidToken("The access token is not valid.")
        return verified.claims

    def _verify(self, token: str) -> _Verified:
        """Signature and claims of a token, without the clock: the same string always gives
        the same answer, so valid tokens are remembered (a client presents its token on every
        request). Invalid ones raise and are not remembered."""
        decoded: dict[str, Any] = jwt.decode_complete(
            token,
            self.secret,
            algorithms=[self.ALGORITHM],
            audience=self.audience,
            issuer=self.issuer,
            options={
                "require": _REQUIRED,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        if str(decoded["header"].get("typ", "")).lower() not in self.HEADER_TYPES:
            raise ValueError("not typed as an access token")
        payload: dict[str, Any] = decoded["payload"]
        if payload["typ"] != self.TYP:
            raise ValueError("not an access token")
        exp = datetime.fromtimestamp(_number(payload["exp"]), UTC)
        not_before = datetime.fromtimestamp(_number(payload["iat"]), UTC)
        if "nbf" in payload:
            not_before = max(not_before, datetime.fromtimestamp(_number(payload["nbf"]), UTC))
        tv, jti, sub, sid = payload["tv"], payload["jti"], payload["sub"], payload["sid"]
        if not (isinstance(tv, int) and not isinstance(tv, bool)):
            raise ValueError("tv must be an integer")
        if not all(isinstance(claim, str) for claim in (jti, sub, sid)):
            raise ValueError("jti, sub and sid must be strings")
        return _Verified(AccessClaims(UUID(sub), tv, jti, UUID(sid), exp), not_before)


@dataclass(frozen=True, slots=True)
class _Verified:
    claims: AccessClaims
    not_before: datetime  # the later of iat and nbf


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("timestamp claims must be numbers")
    return float(value)


class Sha256RefreshTokenCodec(RefreshTokenCodec):
    """256 random bits; a plain SHA-256 digest suffices because the secret is not guessable."""

    def generate(self) -> str:
        return secrets.token_urlsafe(32)

    def digest(self, token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class HmacOneTimeTokens(OneTimeTokens):
    """token = HMAC-SHA256(key, purpose:event_id): unguessable without the key, the same on
    every run of a job for that event, stored only as a SHA-256 digest."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"inkwell one-time tokens\0" + secret.encode()).digest()

    def derive(self, purpose: str, event_id: UUID) -> str:
        mac = hmac.new(self._key, f"{purpose}:{event_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def digest(self, token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
