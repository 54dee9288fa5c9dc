"""The in-memory read unit of work refuses writes (the same test runs on SQLite and Postgres
in tests/integration/test_read_unit_of_work_contract.py)."""

from __future__ import annotations

import pytest

from entrypoints.container import Container
from tests.integration.test_read_unit_of_work_contract import (
    test_a_read_unit_of_work_reads_and_refuses_every_write,
)

__all__ = ["test_a_read_unit_of_work_reads_and_refuses_every_write"]


@pytest.fixture
def backend(container: Container) -> Container:
    return container
