from __future__ import annotations

from typing import Any

from entrypoints.observability.redaction import REDACTED, redact_secrets, redact_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


def redact(**event: Any) -> dict[str, Any]:
    return dict(redact_secrets(None, "info", event))


def test_values_under_sensitive_keys_are_masked_whatever_their_shape() -> None:
    event = redact(
        event="login",
        password="correct horse battery",
        refresh_token="opaque-value",
        Authorization="Bearer abc",
        jwt_secret="s3cret",
        password_hash=HASH,
        smtp_password="pw",
        user_id="42",
    )
    assert event == {
        "event": "login",
        "password": REDACTED,
        "refresh_token": REDACTED,
        "Authorization": REDACTED,
        "jwt_secret": REDACTED,
        "password_hash": REDACTED,
        "smtp_password": REDACTED,
        "user_id": "42",
    }


def test_tokens_and_hashes_are_masked_inside_messages_and_nested_values() -> None:
    event = redact(
        event=f"got {JWT} for a user whose hash is {HASH}",
        link="https://x.io/reset-password?token=abcDEF123_-&lang=en",
        header="bearer abc.def",
        nested={"headers": {"cookie": "sid=1"}, "items": [f"t={JWT}"]},
    )
    assert JWT not in str(event)
    assert "$argon2" not in str(event)
    assert event["link"] == f"https://x.io/reset-password?token={REDACTED}&lang=en"
    assert event["header"] == f"bearer {REDACTED}"
    assert event["nested"] == {"headers": {"cookie": REDACTED}, "items": [f"t={REDACTED}"]}


def test_ordinary_lines_pass_unchanged() -> None:
    event = {"event": "request", "route": "/api/v1/posts/{post_id}", "status": 200, "ms": 1.5}
    assert redact(**event) == event
    assert redact_text("token_version bumped for user 42") == "token_version bumped for user 42"
