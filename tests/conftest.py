from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.system.clock import FrozenClock
from entrypoints.container import Container, build_container, shutdown
from entrypoints.observability.logs import configure_logging
from entrypoints.settings import Settings
from tests.leak_guard import GUARD, KNOWN_TEST_PASSWORDS, install_httpx_hook


def _hermetic() -> None:
    """No INKWELL_* variable or .env file of the caller may change what a test decides (an
    operator trying production settings in this shell must still get a green `make test`).
    The INKWELL_TEST_* variables stay: they point the integration suite at its servers. The
    processes tests start inherit the scrubbed environment."""
    for name in [n for n in os.environ if n.startswith("INKWELL_")]:
        if not name.startswith("INKWELL_TEST_"):
            del os.environ[name]
    Settings.model_config["env_file"] = None  # read at each instantiation, so it holds for all
    os.environ["INKWELL_ENV_FILE"] = ""  # and the processes tests start read none either


_hermetic()


def pytest_configure(config: pytest.Config) -> None:
    """All logging of the suite goes, as JSON lines like in production, through the leak
    guard (see tests/leak_guard.py); create_app's own configure call is then a no-op."""
    configure_logging("json", "INFO", stream=GUARD, force=True)
    install_httpx_hook()
    GUARD.register(*KNOWN_TEST_PASSWORDS)


@pytest.fixture(autouse=True)
def no_secret_in_logs() -> Iterator[None]:
    """Fails the test when a line logged while it ran carries a secret."""
    yield
    leaks = GUARD.check()
    if leaks:
        pytest.fail("secrets in log lines:\n" + "\n".join(leaks), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = GUARD.check()  # lines logged outside any test (session fixtures, teardown)
    if leaks:
        print("\nsecrets in log lines outside tests:\n" + "\n".join(leaks))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 64, "argon2_parallelism": 1}


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "email_backend": "memory",
        "jwt_secret": secrets.token_urlsafe(48),
        **FAST_ARGON2,
    }
    values.update(overrides)
    GUARD.register(values["jwt_secret"])
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def container(clock: FrozenClock) -> AsyncIterator[Container]:
    """In-memory adapters, a clock the test controls, cheap argon2 parameters."""
    c = build_container(make_settings())
    c.clock.override(clock)
    yield c
    await shutdown(c)
