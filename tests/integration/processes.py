"""The API as a real process, for the tests that need one (a client generated from the live
document, a browser, several replicas): `python -m entrypoints.http`, as deployed."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.leak_guard import GUARD, ProcessOutput

READY_SECONDS = 45  # a loaded CI machine can be slow to import and migrate


@contextmanager
def api_process(
    env: dict[str, str], port: int, *args: str, cwd: Path | None = None, label: str = "api"
) -> Iterator[ProcessOutput]:
    """Serves on 127.0.0.1:`port` (with uvicorn's `args`); yields once `/health/ready` answers
    200. Its output goes to the leak guard (and is the yielded object's `lines`). Stopped with
    SIGTERM afterwards, killed if it outlasts 10 s."""
    command = [sys.executable, "-m", "entrypoints.http", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port), *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = GUARD.watch(process, f"{label}:{port}")
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the API process did not become ready")
            time.sleep(0.1)
        yield output
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.join()
