from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_run_whose_logs_carry_a_secret_fails() -> None:
    """The whole mechanism, from outside: a pytest run of one test that logs a password
    passes its assertions but fails on the leak guard."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/leak_demo/deliberate_leak.py",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "secrets in log lines" in result.stdout
    assert "ERROR tests/leak_demo/deliberate_leak.py::test_logs_a_password_on_purpose" in (
        result.stdout
    )
    assert '"event":"user typed <registered secret>"' in result.stdout  # masked in the report
