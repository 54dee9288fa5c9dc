from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from entrypoints.observability.logs import configure_logging, get_logger
from tests.conftest import make_settings
from tests.leak_guard import GUARD


@pytest.fixture
def back_to_the_guard() -> Iterator[None]:
    yield
    configure_logging("json", "INFO", stream=GUARD, force=True)


def test_production_logs_json_and_development_a_console_format() -> None:
    assert make_settings(env="production", email_backend="smtp").effective_log_format == "json"
    assert make_settings(env="development").effective_log_format == "console"
    assert make_settings(env="development", log_format="json").effective_log_format == "json"
    assert make_settings(log_level="debug").log_level == "DEBUG"


@pytest.mark.usefixtures("back_to_the_guard")
def test_library_lines_share_our_format_and_level() -> None:
    stream = io.StringIO()
    configure_logging("json", "WARNING", stream=stream, force=True)
    arq_logger = logging.getLogger("arq.worker")
    arq_logger.addHandler(logging.StreamHandler(io.StringIO()))  # as arq's CLI would
    configure_logging("json", "WARNING")  # the worker's startup takes it over again
    arq_logger.warning("job %s failed", "j1")
    logging.getLogger("inkwell.x").info("below the level")
    get_logger("inkwell.y").info("below the level too")
    get_logger("inkwell.y").error("boom", attempt=2)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["logger"], line["event"], line["level"]) for line in lines] == [
        ("arq.worker", "job j1 failed", "warning"),
        ("inkwell.y", "boom", "error"),
    ]
    assert not arq_logger.handlers


@pytest.mark.usefixtures("back_to_the_guard")
def test_the_console_format_is_readable_and_redacted_too() -> None:
    stream = io.StringIO()
    configure_logging("console", "INFO", stream=stream, force=True)
    get_logger("inkwell.z").info("signed in", password="correct horse battery", user_id="u1")
    line = stream.getvalue()
    assert "signed in" in line
    assert "user_id=u1" in line
    assert "correct horse battery" not in line
    assert not line.lstrip().startswith("{")


def test_timestamps_are_iso_utc_with_microseconds() -> None:
    from datetime import UTC, datetime

    from entrypoints.observability.logs import add_timestamp

    stamp = add_timestamp(None, "info", {})["timestamp"]
    assert stamp.endswith("Z")
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - parsed).total_seconds()) < 2
    assert len(stamp) == len("2026-01-01T00:00:00.000000Z")
