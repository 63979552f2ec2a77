"""Runtime configuration, read from the environment or a `.env` file (DESIGN.md §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.shards import MAX_SHARDS, ShardPlan, parse_shard_ids

DEFAULT_API_BASE = "https://discord.com/api/v10"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    discord_token: SecretStr | None = None
    discord_api_base: str = DEFAULT_API_BASE
    # None: discord.py's own default gateway (wss://gateway.discord.gg).
    discord_gateway_url: str | None = None
    database_url: str = "sqlite:///./data/latch.sqlite3"
    dev_guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    health_port: int | None = Field(default=None, ge=1, le=65535)
    # 0.0.0.0 inside a container so the orchestrator can reach it; loopback otherwise.
    health_host: str = "127.0.0.1"
    content_dir: Path = Path(__file__).resolve().parent.parent / "content"
    # Where /about links for the full privacy notice: this instance's copy of PRIVACY.md, with the
    # operator's contact filled in. None: /about names the file without a link.
    privacy_url: str | None = None
    # Sharding (see bot.domain.shards): the total number of shards, and this process's shards as
    # "0-3" or "0,1". Both unset: one process with the count Discord recommends.
    shard_count: int | None = Field(default=None, ge=1, le=MAX_SHARDS)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None
    # How long a reminder claimed by a process stays its own (renewed while it lives): after a crash,
    # another process sends the claim once this has passed. See bot.reminders.dispatcher.LEASE.
    reminder_lease_seconds: float = Field(default=120.0, ge=5.0, le=3600.0)

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("discord_gateway_url", "health_port", "privacy_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("shard_count", mode="before")
    @classmethod
    def _blank_count_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _read_shard_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_shard_ids(value) if value.strip() else None
        return value

    @model_validator(mode="after")
    def _shards_agree(self) -> Settings:
        self.shard_plan  # noqa: B018  (raises ValueError when SHARD_IDS and SHARD_COUNT disagree)
        return self

    @property
    def shard_plan(self) -> ShardPlan:
        return ShardPlan(self.shard_count, self.shard_ids)

    @field_validator("dev_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return [part for part in parts if part]
        return value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _normalise_case(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("discord_api_base")
    @classmethod
    def _api_base_is_http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// or http://")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _gateway_is_ws(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("wss://", "ws://")):
            raise ValueError("must start with wss:// or ws://")
        return value

    @field_validator("privacy_url")
    @classmethod
    def _privacy_url_is_web(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be a web address, e.g. https://example.org/latch/PRIVACY.md")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(
                "must be sqlite:///PATH or postgresql://USER@HOST/DATABASE, e.g. sqlite:///./data/latch.sqlite3"
            )
        return value

    @property
    def database_path(self) -> Path:
        """The SQLite file named by DATABASE_URL (`sqlite:///relative` or `sqlite:////absolute`)."""
        if not self.database_url.startswith("sqlite:///"):
            raise ValueError("DATABASE_URL names a PostgreSQL database, not a SQLite file")
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def token(self) -> str | None:
        return self.discord_token.get_secret_value() if self.discord_token is not None else None
