from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import DEFAULT_API_BASE, Settings


def test_defaults_match_the_design() -> None:
    settings = Settings(_env_file=None)
    assert settings.token is None
    assert settings.discord_api_base == DEFAULT_API_BASE
    assert settings.discord_gateway_url is None
    assert settings.database_path == Path("data/latch.sqlite3")
    assert settings.dev_guild_ids == []
    assert (settings.log_level, settings.log_format) == ("INFO", "text")
    assert settings.health_port is None


def test_every_variable_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def.ghi")
    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:9999/api/v10/")
    monkeypatch.setenv("DISCORD_GATEWAY_URL", "ws://127.0.0.1:9999/gateway")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/latch/db.sqlite3")
    monkeypatch.setenv("DEV_GUILD_IDS", "123, 456")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    monkeypatch.setenv("HEALTH_PORT", "8080")
    settings = Settings(_env_file=None)
    assert settings.token == "abc.def.ghi"
    assert settings.discord_api_base == "http://127.0.0.1:9999/api/v10"
    assert settings.discord_gateway_url == "ws://127.0.0.1:9999/gateway"
    assert settings.database_path == Path("/srv/latch/db.sqlite3")
    assert settings.dev_guild_ids == [123, 456]
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    assert settings.health_port == 8080


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from.dot.env\nDEV_GUILD_IDS=42\n", encoding="utf-8")
    settings = Settings(_env_file=env_file)
    assert settings.token == "from.dot.env"
    assert settings.dev_guild_ids == [42]


def test_blank_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "   ")
    monkeypatch.setenv("HEALTH_PORT", "")
    monkeypatch.setenv("DISCORD_GATEWAY_URL", "")
    settings = Settings(_env_file=None)
    assert settings.token is None
    assert settings.health_port is None
    assert settings.discord_gateway_url is None


def test_token_never_shows_in_repr_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.super-secret-part"
    monkeypatch.setenv("DISCORD_TOKEN", secret)
    settings = Settings(_env_file=None)
    assert secret not in repr(settings)
    assert secret not in str(settings.model_dump())
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    assert secret not in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DISCORD_API_BASE", "discord.com/api"),
        ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg"),
        ("DATABASE_URL", "mysql://localhost/latch"),
        ("DEV_GUILD_IDS", "123,abc"),
        ("LOG_FORMAT", "xml"),
        ("HEALTH_PORT", "70000"),
    ],
)
def test_malformed_values_are_rejected(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_shards_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "2-3")

    plan = Settings(_env_file=None).shard_plan

    assert (plan.count, plan.ids, plan.leads) == (4, (2, 3), False)


@pytest.mark.parametrize(("count", "ids"), [("2", "0-2"), ("", "0"), ("0", ""), ("4", "one")])
def test_shards_that_do_not_add_up_are_refused(monkeypatch: pytest.MonkeyPatch, count: str, ids: str) -> None:
    monkeypatch.setenv("SHARD_COUNT", count)
    monkeypatch.setenv("SHARD_IDS", ids)

    with pytest.raises(ValueError):
        Settings(_env_file=None)


def test_without_shard_settings_one_process_runs_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHARD_COUNT", raising=False)
    monkeypatch.delenv("SHARD_IDS", raising=False)

    plan = Settings(_env_file=None).shard_plan

    assert plan.runs_all and plan.count is None and plan.leads
