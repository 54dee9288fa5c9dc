"""Every setting, read from INKWELL_* environment variables (or a .env file)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_JWT_SECRET = "inkwell-development-secret-do-not-use-in-production"  # noqa: S105
MIN_JWT_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INKWELL_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/inkwell.db"
    redis_url: str | None = None
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "inkwell"
    jwt_audience: str = "inkwell-api"
    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(14, ge=1, le=90)
    email_backend: Literal["console", "smtp", "memory"] = "console"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    email_from: str = "Inkwell <no-reply@localhost>"
    public_url: str = "http://127.0.0.1:8000"
    cors_origins: Annotated[list[str], NoDecode] = []
    argon2_time_cost: int = Field(2, ge=1)
    argon2_memory_cost_kib: int = Field(19_456, ge=8)
    argon2_parallelism: int = Field(1, ge=1)
    argon2_max_threads: int = Field(2, ge=1)
    max_body_bytes: int = Field(1_048_576, ge=1024)
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(10, ge=0)
    db_pool_timeout_seconds: float = Field(5.0, gt=0)
    db_statement_timeout_ms: int = Field(10_000, ge=100)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> Settings:
        secret = self.jwt_secret.get_secret_value()
        if self.env == "production" and (
            secret == DEV_JWT_SECRET or len(secret) < MIN_JWT_SECRET_LENGTH
        ):
            raise ValueError(
                "INKWELL_JWT_SECRET must be set to a random value of at least "
                f"{MIN_JWT_SECRET_LENGTH} characters when INKWELL_ENV=production "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
        return self

    @property
    def persistence(self) -> Literal["memory", "sqlalchemy"]:
        """Test mode runs on in-memory adapters; every other mode on the database URL."""
        return "memory" if self.env == "test" else "sqlalchemy"
