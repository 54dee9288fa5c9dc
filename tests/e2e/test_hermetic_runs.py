from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What an operator trying production settings might have exported or left in a .env file:
# each would change what a test decides if the suite read it.
HOSTILE = {
    "INKWELL_REGISTRATIONS_PER_CLIENT": "100000",
    "INKWELL_ENV": "production",
    "INKWELL_JWT_SECRET": "short",
    "INKWELL_DB_STATEMENT_TIMEOUT_MS": "50000",
}
HOSTILE_DOTENV = "INKWELL_REGISTRATIONS_PER_CLIENT=100000\nINKWELL_MAX_BODY_BYTES=oops\n"


def test_inkwell_variables_and_a_dotenv_file_of_the_caller_change_no_test(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text(HOSTILE_DOTENV)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"{ROOT}/tests/e2e/test_limits_and_idempotency_api.py"
            "::test_registrations_are_limited_per_client",
            str(ROOT / "tests/unit/test_settings.py"),
            "-p",
            "no:cacheprovider",
            "-rA",  # names every passed test, so the one the issue named is seen to have run
        ],
        cwd=tmp_path,  # where pydantic-settings would look for the .env file
        env={**os.environ, **HOSTILE},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    passed = [line for line in result.stdout.splitlines() if line.startswith("PASSED ")]
    assert any(line.endswith("::test_registrations_are_limited_per_client") for line in passed)
    assert " failed" not in result.stdout, result.stdout


def test_a_process_a_test_starts_reads_no_dotenv_file_in_its_working_directory(
    tmp_path: Path,
) -> None:
    """API and worker processes of the integration suite inherit the scrubbed environment;
    a .env where they start must not reach them either."""
    (tmp_path / ".env").write_text(HOSTILE_DOTENV)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from entrypoints.settings import Settings; print(Settings().registrations_per_client)",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "20"
