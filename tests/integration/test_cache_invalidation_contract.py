"""The cache-invalidation contract (tests/unit/test_cache_invalidation.py) on the in-memory,
SQLite and Postgres units of work: `backend` here is the integration one."""

from __future__ import annotations

import pytest

from tests.unit.test_cache_invalidation import (
    test_a_commit_retires_the_namespaces_the_write_changed,
    test_a_rollback_retires_nothing,
)

pytestmark = pytest.mark.integration

__all__ = [
    "test_a_commit_retires_the_namespaces_the_write_changed",
    "test_a_rollback_retires_nothing",
]
