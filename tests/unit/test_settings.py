from __future__ import annotations

import pytest
from pydantic import ValidationError

from entrypoints.settings import DEV_JWT_SECRET, Settings


@pytest.mark.parametrize("secret", [DEV_JWT_SECRET, "short-secret"])
def test_production_refuses_a_default_or_short_jwt_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="INKWELL_JWT_SECRET"):
        Settings(env="production", jwt_secret=secret)  # type: ignore[arg-type]


def test_production_starts_with_a_long_random_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INKWELL_ENV", "production")
    monkeypatch.setenv("INKWELL_JWT_SECRET", "x" * 48)
    monkeypatch.setenv("INKWELL_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = Settings()
    assert settings.persistence == "sqlalchemy"
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_test_mode_runs_on_memory_adapters() -> None:
    assert Settings(env="test").persistence == "memory"
