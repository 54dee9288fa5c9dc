from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from entrypoints.settings import Settings, resolve_jwt_secret


@pytest.mark.parametrize("secret", [None, "short-secret"])
def test_production_refuses_a_missing_or_short_jwt_secret(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="INKWELL_JWT_SECRET"):
        Settings(env="production", jwt_secret=secret, email_backend="smtp")  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["console", "memory"])
def test_production_refuses_an_email_backend_that_prints_or_drops_mail(backend: str) -> None:
    with pytest.raises(ValidationError, match="INKWELL_EMAIL_BACKEND"):
        Settings(env="production", jwt_secret="x" * 40, email_backend=backend)  # type: ignore[arg-type]


def test_without_a_configured_secret_each_install_gets_its_own_random_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "jwt_secret"
    first = resolve_jwt_secret(Settings(jwt_secret_file=path))
    assert len(first) >= 48
    assert path.stat().st_mode & 0o777 == 0o600
    assert resolve_jwt_secret(Settings(jwt_secret_file=path)) == first  # survives a restart
    assert resolve_jwt_secret(Settings(env="test")) != resolve_jwt_secret(Settings(env="test"))
    assert resolve_jwt_secret(Settings(jwt_secret="x" * 40)) == "x" * 40  # type: ignore[arg-type]


def test_production_starts_with_a_long_random_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INKWELL_ENV", "production")
    monkeypatch.setenv("INKWELL_JWT_SECRET", "x" * 48)
    monkeypatch.setenv("INKWELL_EMAIL_BACKEND", "smtp")
    monkeypatch.setenv("INKWELL_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = Settings()
    assert settings.persistence == "sqlalchemy"
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_test_mode_runs_on_memory_adapters() -> None:
    assert Settings(env="test").persistence == "memory"


def test_the_client_side_statement_timeout_must_outlast_the_server_side_one() -> None:
    with pytest.raises(ValidationError, match="INKWELL_DB_COMMAND_TIMEOUT_SECONDS"):
        Settings(db_statement_timeout_ms=5000, db_command_timeout_seconds=5)
    tight = Settings(db_statement_timeout_ms=800, db_command_timeout_seconds=1)
    assert tight.db_command_timeout_seconds == 1


def test_mailed_links_point_at_the_public_url_unless_a_front_end_is_set() -> None:
    assert Settings(public_url="https://api.example.com/").link_base == "https://api.example.com"
    front = Settings(public_url="https://api.example.com", link_base_url="https://app.example/")
    assert front.link_base == "https://app.example"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "app.example.com", "https://", "https://a.example/?x=1#y"]
)
def test_a_link_base_that_is_not_a_plain_http_url_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="INKWELL_LINK_BASE_URL"):
        Settings(link_base_url=url)
