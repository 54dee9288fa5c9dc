from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from adapters.system.clock import FrozenClock
from entrypoints.container import Container, build_container, shutdown
from entrypoints.settings import Settings

FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 64, "argon2_parallelism": 1}


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "email_backend": "memory",
        "jwt_secret": secrets.token_urlsafe(48),
        **FAST_ARGON2,
    }
    values.update(overrides)
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
