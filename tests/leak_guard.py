"""No secret in any log line the test suite produces.

The root conftest configures this process's logging (structlog and stdlib alike, JSON as in
production) to write into `GUARD`, and the integration helpers that start API and worker
processes feed their output to it line by line (`GUARD.watch`). After each test the lines it
produced are scanned for:
- a registered secret: the passwords tests use, every password, token and bearer sent to
  the API or handed out by it (an httpx hook registers them), mailed one-time tokens read
  by the tests, the signing secrets of the test settings;
- anything shaped like a JWT, or an argon2 hash (`$argon2`).
A finding fails the test (and lines logged outside any test fail the session)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import parse_qsl

import httpx

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
ARGON2 = "$argon2"
# Shorter "passwords" in tests are rejected ones, and "x" * 9 matches any run of x's.
MIN_SECRET_LENGTH = 8
MIN_DISTINCT_CHARACTERS = 4
SECRET_FIELDS = frozenset(
    {"password", "new_password", "current_password", "token", "refresh_token", "access_token"}
)
KNOWN_TEST_PASSWORDS = ("correct horse battery",)


class LeakGuard(io.TextIOBase):
    """A text stream for log handlers, a registry of secrets, and the scanner."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pending: list[tuple[str, str]] = []
        self._partial = ""
        self._taps: list[list[str]] = []
        self._quarantines: list[list[str]] = []
        self.lines_scanned = 0

    # --------------------------------------------------------------- registry
    def register(self, *values: object) -> None:
        with self._lock:
            for value in values:
                if (
                    isinstance(value, str)
                    and len(value) >= MIN_SECRET_LENGTH
                    and len(set(value)) >= MIN_DISTINCT_CHARACTERS
                ):
                    self._secrets.add(value)

    # --------------------------------------------------------------- stream
    def write(self, text: str) -> int:
        with self._lock:
            self._partial += text
            *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self.feed("this process", line)
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def feed(self, source: str, line: str) -> None:
        with self._lock:
            for tap in self._taps:
                tap.append(line)
            if self._quarantines:
                self._quarantines[-1].append(line)
            else:
                self._pending.append((source, line))

    # --------------------------------------------------------------- scanning
    def findings(self, lines: Iterable[tuple[str, str]]) -> list[str]:
        """One description per leaking line; the secret itself is masked in the report."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        found = []
        for source, line in lines:
            self.lines_scanned += 1
            kinds = []
            masked = line
            for secret in secrets:
                if secret in masked:
                    kinds.append("registered secret")
                    masked = masked.replace(secret, "<registered secret>")
            if JWT.search(masked):
                kinds.append("JWT")
                masked = JWT.sub("<JWT>", masked)
            if ARGON2 in masked:
                kinds.append("argon2 hash")
                masked = re.sub(r"\$argon2\S*", "<argon2 hash>", masked)
            if kinds:
                found.append(f"[{source}] {', '.join(kinds)}: {masked[:500]}")
        return found

    def check(self) -> list[str]:
        """Scan and forget every line produced since the last check."""
        with self._lock:
            pending, self._pending = self._pending, []
        return self.findings(pending)

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        """A copy of the lines logged meanwhile (they are still checked as usual)."""
        lines: list[str] = []
        with self._lock:
            self._taps.append(lines)
        try:
            yield lines
        finally:
            with self._lock:
                self._taps.remove(lines)

    @contextmanager
    def quarantine(self) -> Iterator[list[str]]:
        """Divert the lines logged meanwhile to the caller, out of the suite's check: for the
        tests that leak on purpose to prove the scanner catches it."""
        lines: list[str] = []
        with self._lock:
            self._quarantines.append(lines)
        try:
            yield lines
        finally:
            with self._lock:
                self._quarantines.remove(lines)

    # --------------------------------------------------------------- processes
    def watch(self, process: subprocess.Popen[bytes], source: str) -> ProcessOutput:
        """Feed a child process's output (started with stdout=PIPE, stderr=STDOUT)."""
        return ProcessOutput(self, process, source)


class ProcessOutput:
    def __init__(self, guard: LeakGuard, process: subprocess.Popen[bytes], source: str) -> None:
        assert process.stdout is not None
        self.lines: list[str] = []
        self._guard = guard
        self._source = source
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._read, name=f"output-{source}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for raw in iter(self._stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            self._guard.feed(self._source, line)

    def join(self, timeout: float = 10) -> list[str]:
        """Wait for the output to end (call after the process exited)."""
        self._thread.join(timeout)
        return self.lines

    def json_lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.lines:
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                found.append(value)
        return found


GUARD = LeakGuard()


# ------------------------------------------------------------------- httpx hook


def _secrets_in(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_FIELDS and isinstance(item, str):
                yield item
            else:
                yield from _secrets_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _secrets_in(item)


def _observe_request(request: httpx.Request) -> None:
    authorization = request.headers.get("authorization", "")
    if " " in authorization:
        GUARD.register(authorization.split(" ", 1)[1])
    try:
        body = request.content
    except httpx.RequestNotRead:
        return
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        with suppress(ValueError):
            GUARD.register(*_secrets_in(json.loads(body)))
    elif "x-www-form-urlencoded" in content_type:
        form = parse_qsl(body.decode("utf-8", "replace"))
        GUARD.register(*(value for key, value in form if key in SECRET_FIELDS))


def _observe_response(response: httpx.Response) -> None:
    device = response.headers.get("inkwell-device")  # a login's device token (also a cookie)
    if device:
        GUARD.register(device)
    if b"_token" in response.content and "json" in response.headers.get("content-type", ""):
        with suppress(ValueError):
            GUARD.register(*_secrets_in(response.json()))


def install_httpx_hook() -> None:
    """Register the secrets of every request and response of every httpx client in tests."""
    original_async = httpx.AsyncClient.send
    original_sync = httpx.Client.send

    async def async_send(self: httpx.AsyncClient, request: httpx.Request, **kw: Any) -> Any:
        _observe_request(request)
        response = await original_async(self, request, **kw)
        if not kw.get("stream"):
            _observe_response(response)
        return response

    def sync_send(self: httpx.Client, request: httpx.Request, **kw: Any) -> Any:
        _observe_request(request)
        response = original_sync(self, request, **kw)
        if not kw.get("stream"):
            _observe_response(response)
        return response

    httpx.AsyncClient.send = async_send  # type: ignore[method-assign]
    httpx.Client.send = sync_send  # type: ignore[method-assign]
