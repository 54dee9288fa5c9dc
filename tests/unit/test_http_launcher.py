from __future__ import annotations

import signal

import pytest
import uvicorn

from entrypoints.http.__main__ import PROTOCOL, main

UVICORN = uvicorn.main  # the real command line, to read what the launcher hands it


def launched(monkeypatch: pytest.MonkeyPatch, *flags: str) -> dict[str, object]:
    argv: list[list[str]] = []
    monkeypatch.setattr(uvicorn, "main", argv.append)
    monkeypatch.setattr(signal, "signal", lambda *_: None)
    main(list(flags))
    return dict(UVICORN.make_context("uvicorn", argv[0]).params)


def test_the_launcher_applies_the_slow_client_bounds_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INKWELL_HTTP_KEEPALIVE_SECONDS", "7")
    monkeypatch.setenv("INKWELL_HTTP_MAX_CONNECTIONS", "123")
    params = launched(monkeypatch)
    assert params["http"] == PROTOCOL
    assert (params["timeout_keep_alive"], params["limit_concurrency"]) == (7, 123)


def test_command_line_flags_override_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    params = launched(monkeypatch, "--timeout-keep-alive", "9", "--limit-concurrency", "50")
    assert (params["timeout_keep_alive"], params["limit_concurrency"]) == (9, 50)
