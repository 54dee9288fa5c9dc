"""A client generated from the live OpenAPI document by openapi-python-client is usable as
generated: a user journey written against it (`generated_client_journey.py`) passes mypy
--strict and runs against a live server (the API as `make run` starts it, on SQLite). The
generated code lives in tmp_path only; the generator runs offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import _free_port
from tests.integration.processes import api_process
from tests.leak_guard import GUARD

pytestmark = pytest.mark.integration

JOURNEY = Path(__file__).with_name("generated_client_journey.py")
SECRET = "generated-client-test-signing-secret-0123456789abcdef"
GUARD.register(SECRET)


def _env(tmp_path: Path) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)  # the generator runs ruff from PATH
    return {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "INKWELL_ENV": "development",
        "INKWELL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'inkwell.db'}",
        "INKWELL_JWT_SECRET": SECRET,
        "INKWELL_EMAIL_BACKEND": "memory",
        "INKWELL_ARGON2_MEMORY_COST_KIB": "64",
        "INKWELL_ARGON2_TIME_COST": "1",
    }


@contextmanager
def embedded_api(tmp_path: Path) -> Iterator[str]:
    """Migrate, then `python -m entrypoints.http` on a free port; its output goes to the
    leak guard. Yields the server's root URL once it is ready."""
    env = _env(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "migrate"],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    with api_process(env, port, "--log-level", "warning", cwd=tmp_path):
        yield f"http://127.0.0.1:{port}"


def _run(command: list[str], tmp_path: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def test_a_generated_client_type_checks_and_runs_a_user_journey(tmp_path: Path) -> None:
    env = _env(tmp_path)
    with embedded_api(tmp_path) as root:
        document = httpx.get(f"{root}/openapi.json")
        assert document.status_code == 200
        (tmp_path / "openapi.json").write_bytes(document.content)
        generator = [sys.executable, "-m", "openapi_python_client", "generate"]
        generator += ["--path", "openapi.json", "--output-path", "inkwell_client"]
        generator += ["--meta", "none"]
        generated = _run(generator, tmp_path, env)
        assert "Warning" not in generated, generated  # nothing of the document was skipped
        shutil.copy(JOURNEY, tmp_path / "journey.py")
        # The journey strictly; the generated package's own template code is not ours to fix
        # (its client.py trips mypy 2's --strict in its __exit__ signatures), so its errors
        # are silenced while its types are still used.
        checker = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
        checker += ["--follow-imports", "silent", "--cache-dir", str(tmp_path / ".mypy_cache")]
        checker += ["journey.py"]
        _run(checker, tmp_path, env)
        ran = _run([sys.executable, "journey.py", f"{root}"], tmp_path, env)
        assert "journey completed" in ran
