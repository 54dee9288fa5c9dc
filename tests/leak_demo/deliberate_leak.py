"""Never collected by the suite (the file name does not match test_*.py):
tests/e2e/test_leak_guard.py runs it in a pytest of its own to show the leak guard fails a
run whose log lines carry a secret."""

from __future__ import annotations

import logging


def test_logs_a_password_on_purpose() -> None:
    password = "a deliberately leaked password"
    logging.getLogger("inkwell.demo").warning("user typed %s", password)
    from tests.leak_guard import GUARD

    GUARD.register(password)
    assert password
