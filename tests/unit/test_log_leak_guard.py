"""The leak guard (tests/leak_guard.py) can fail: lines that carry a secret are flagged."""

from __future__ import annotations

import json
import logging

from entrypoints.observability.logs import get_logger
from tests.leak_guard import GUARD

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"


def test_a_password_logged_on_purpose_is_flagged_by_the_guard() -> None:
    password = "hunter2 but longer"
    GUARD.register(password)
    with GUARD.quarantine() as lines:  # kept out of the suite's own check
        logging.getLogger("inkwell.demo").warning("user typed %s", password)
        get_logger("inkwell.demo").info("login", note=f"with {password}")
    assert len(lines) == 2
    assert all(json.loads(line)["logger"] == "inkwell.demo" for line in lines)
    findings = GUARD.findings(("test", line) for line in lines)
    assert len(findings) == 2
    assert all("registered secret" in finding for finding in findings)
    assert all(password not in finding for finding in findings)  # the report masks it


def test_jwt_shaped_strings_and_argon2_hashes_are_flagged_unregistered() -> None:
    lines = [("p", f"auth header was {JWT}"), ("p", "stored $argon2id$v=19$m=65536$x$y")]
    assert [f.split(":")[0] for f in GUARD.findings(lines)] == ["[p] JWT", "[p] argon2 hash"]


def test_the_redaction_processor_masks_a_jwt_before_the_guard_sees_it() -> None:
    with GUARD.quarantine() as lines:
        logging.getLogger("inkwell.demo").warning("token %s", JWT)
    assert JWT not in lines[0]
    assert GUARD.findings(("test", line) for line in lines) == []


def test_clean_lines_and_short_or_repetitive_values_are_not_flagged() -> None:
    GUARD.register("short", "x" * 12)
    assert GUARD.findings([("p", "short xxxxxxxxxxxx request to /api/v1/posts 200")]) == []
