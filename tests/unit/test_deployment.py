"""The deployment files promise what the README says, checked without a Docker engine.

The Dockerfile is read instruction by instruction (continuations joined, comments dropped), the
compose file as YAML, `.dockerignore` and `.env.example` line by line.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest
import yaml
from pydantic import ValidationError

from bot.config import Settings
from bot.ui.about import about_embed, about_links

ROOT = Path(__file__).resolve().parents[2]
ALL_INTERFACES = "0.0.0.0"  # noqa: S104  (what a container's health server listens on)
HEALTH_COMMAND = ["python", "-m", "bot", "health"]
RUN_COMMAND = ["python", "-m", "bot", "run"]
DATA_DATABASE_URL = "sqlite:////data/latch.sqlite3"


@dataclass
class Instruction:
    keyword: str
    arguments: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [instruction.arguments for instruction in self.instructions if instruction.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for arguments in self.all("ENV"):
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                values[name] = value
        return values


def parse_instructions(text: str) -> list[Instruction]:
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a line continuation"
    instructions = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    return instructions


def parse_stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    """The global ARG defaults (used in FROM lines) and the build stages, in order."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in parse_instructions(text):
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            base = re.sub(r"\$\{(\w+)\}", lambda match: global_args.get(match.group(1), ""), words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base, name))
        elif not stages and instruction.keyword == "ARG":
            name, _, default = instruction.arguments.partition("=")
            global_args[name] = default
        elif stages:
            stages[-1].instructions.append(instruction)
    return global_args, stages


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list), f"not the exec (JSON) form: {arguments}"
    return [str(word) for word in parsed]


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse_stages((ROOT / "Dockerfile").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime(dockerfile: tuple[dict[str, str], list[Stage]]) -> Stage:
    return dockerfile[1][-1]


@pytest.fixture(scope="module")
def builder(dockerfile: tuple[dict[str, str], list[Stage]]) -> Stage:
    return dockerfile[1][0]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def bot_service(compose: dict[str, Any]) -> dict[str, Any]:
    service = compose["services"]["bot"]
    assert isinstance(service, dict)
    return service


def makefile_uv_version() -> str:
    match = re.search(r"^UV_VERSION\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match is not None
    return match.group(1)


# --- Dockerfile ------------------------------------------------------------------------------------


def test_the_image_is_built_in_two_stages_on_slim_python(
    dockerfile: tuple[dict[str, str], list[Stage]], runtime: Stage, builder: Stage
) -> None:
    _, stages = dockerfile
    assert len(stages) >= 2
    assert builder.name is not None
    assert re.fullmatch(r"python:3\.1[12]-slim", runtime.base), runtime.base
    assert builder.base == runtime.base  # the venv's interpreter is the runtime's interpreter
    assert any(f"--from={builder.name}" in copy for copy in runtime.all("COPY"))


def test_the_builder_installs_the_locked_dependencies_with_the_pinned_uv(builder: Stage) -> None:
    assert any("uv sync --frozen --no-dev" in run for run in builder.all("RUN"))
    uv_args = dict(argument.partition("=")[::2] for argument in builder.all("ARG"))
    pinned = uv_args.get("UV_VERSION")
    assert pinned == makefile_uv_version()
    assert any('"uv==${UV_VERSION}"' in run or f"uv=={pinned}" in run for run in builder.all("RUN"))
    assert builder.env()["UV_PYTHON_DOWNLOADS"] == "never"


def test_the_bot_runs_as_a_non_root_user(runtime: Stage) -> None:
    users = runtime.all("USER")
    assert users, "the runtime stage never switches user"
    assert users[-1].split(":")[0] not in {"root", "0"}
    keywords = [instruction.keyword for instruction in runtime.instructions]
    assert keywords.index("USER") < keywords.index("CMD")


def test_the_database_lives_on_the_data_volume(runtime: Stage) -> None:
    volumes = [word for arguments in runtime.all("VOLUME") for word in _volume_paths(arguments)]
    assert "/data" in volumes
    environment = runtime.env()
    assert environment["DATABASE_URL"] == DATA_DATABASE_URL
    settings = Settings(_env_file=None, database_url=environment["DATABASE_URL"])
    assert settings.database_path == Path("/data/latch.sqlite3")


def _volume_paths(arguments: str) -> list[str]:
    return exec_form(arguments) if arguments.startswith("[") else arguments.split()


def test_the_health_server_listens_for_the_container_runtime(runtime: Stage) -> None:
    environment = runtime.env()
    assert environment["HEALTH_HOST"] == ALL_INTERFACES
    settings = Settings(
        _env_file=None, health_port=environment["HEALTH_PORT"], health_host=environment["HEALTH_HOST"]
    )
    assert settings.health_port is not None


def test_the_image_runs_the_bot_and_checks_its_health(runtime: Stage) -> None:
    assert exec_form(runtime.all("CMD")[-1]) == RUN_COMMAND
    healthcheck = runtime.all("HEALTHCHECK")[-1]
    options, _, command = healthcheck.partition("CMD ")
    assert exec_form(command) == HEALTH_COMMAND
    assert "--interval=" in options


def test_no_token_is_baked_into_the_image(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    global_args, stages = dockerfile
    assert "DISCORD_TOKEN" not in global_args
    for stage in stages:
        assert "DISCORD_TOKEN" not in stage.env()
        assert not any(argument.startswith("DISCORD_TOKEN") for argument in stage.all("ARG"))
        assert not any(".env" in copy.split() for copy in stage.all("COPY") + stage.all("ADD"))
        assert not any(copy.split()[0] == "." for copy in stage.all("COPY") if copy)


def test_secrets_and_local_state_stay_out_of_the_build_context() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = {line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")}
    assert {".env", ".venv", "data"} <= patterns
    assert ".env.*" in patterns  # .env.local and friends too


# --- docker-compose.yml ----------------------------------------------------------------------------


def test_compose_builds_the_bot_service_from_this_folder(bot_service: dict[str, Any]) -> None:
    build = bot_service["build"]
    assert build == "." or (isinstance(build, dict) and build.get("context") == ".")
    assert bot_service["restart"] == "unless-stopped"


def test_compose_reads_the_token_from_the_env_file(bot_service: dict[str, Any]) -> None:
    env_file = bot_service["env_file"]
    assert env_file == ".env" or env_file == [".env"]
    environment = bot_service.get("environment", {})
    assert "DISCORD_TOKEN" not in environment


def test_compose_keeps_the_database_on_a_named_volume(
    compose: dict[str, Any], bot_service: dict[str, Any]
) -> None:
    mounts = [str(volume).split(":") for volume in bot_service["volumes"]]
    named = [source for source, target, *_ in mounts if target == "/data"]
    assert len(named) == 1
    assert not named[0].startswith((".", "/")), "a bind mount, not a named volume"
    assert named[0] in (compose.get("volumes") or {})
    assert bot_service["environment"]["DATABASE_URL"] == DATA_DATABASE_URL


def test_compose_checks_health_with_the_cli(bot_service: dict[str, Any], runtime: Stage) -> None:
    test = bot_service["healthcheck"]["test"]
    if isinstance(test, str):
        command = test.split()
    else:
        assert test[0] in {"CMD", "CMD-SHELL"}
        command = test[1:] if test[0] == "CMD" else str(test[1]).split()
    assert command == HEALTH_COMMAND
    environment = bot_service["environment"]
    assert environment["HEALTH_HOST"] == ALL_INTERFACES
    port = str(environment["HEALTH_PORT"])
    assert port == runtime.env()["HEALTH_PORT"]
    assert any(str(mapping).endswith(f":{port}") for mapping in bot_service.get("ports", []))


def test_the_default_service_is_one_sqlite_process_in_no_profile(bot_service: dict[str, Any]) -> None:
    assert "profiles" not in bot_service  # `docker compose up -d` starts it, and only it
    environment = bot_service["environment"]
    assert not {"SHARD_COUNT", "SHARD_IDS"} & set(environment)


def _profile(compose: dict[str, Any], profile: str) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if profile in (service.get("profiles") or [])
    }


def test_the_postgres_profile_runs_the_official_image_on_a_volume_with_a_healthcheck(
    compose: dict[str, Any],
) -> None:
    services = _profile(compose, "postgres")
    postgres = services["postgres"]
    assert re.fullmatch(r"postgres:\d+", postgres["image"]), postgres["image"]
    mounts = [str(volume).split(":") for volume in postgres["volumes"]]
    [source] = [source for source, target, *_ in mounts if target == "/var/lib/postgresql/data"]
    assert source in (compose.get("volumes") or {})
    assert not source.startswith((".", "/"))
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in " ".join(test if isinstance(test, list) else [test])
    assert "ports" not in postgres  # reachable on Compose's network only
    assert postgres["environment"]["POSTGRES_DB"] == "latch"


def test_the_postgres_profile_runs_bots_that_share_the_database_and_deal_the_shards(
    compose: dict[str, Any], runtime: Stage
) -> None:
    bots = {name: service for name, service in _profile(compose, "postgres").items() if name != "postgres"}
    assert len(bots) >= 2
    counts: set[int] = set()
    dealt: list[int] = []
    host_ports: set[str] = set()
    leaders = 0
    for name, service in bots.items():
        assert service["build"] == "." and service["env_file"] == ".env", name
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy", name
        environment = service["environment"]
        assert "DISCORD_TOKEN" not in environment
        url = environment["DATABASE_URL"]
        assert url.startswith("postgresql://") and "@postgres:5432/" in url, name
        settings = Settings(
            _env_file=None,
            database_url=url,
            shard_count=environment["SHARD_COUNT"],
            shard_ids=environment["SHARD_IDS"],
            health_port=environment["HEALTH_PORT"],
            health_host=environment["HEALTH_HOST"],
        )
        plan = settings.shard_plan
        assert plan.count is not None and plan.ids is not None
        counts.add(plan.count)
        dealt += plan.ids
        leaders += plan.leads
        assert service["healthcheck"]["test"][1:] == HEALTH_COMMAND
        assert str(environment["HEALTH_PORT"]) == runtime.env()["HEALTH_PORT"]
        [mapping] = service["ports"]
        assert str(mapping).startswith("127.0.0.1:")
        host_ports.add(str(mapping).split(":")[1])
    [count] = counts  # one shard count for the whole bot
    assert sorted(dealt) == list(range(count))  # every shard run by exactly one process
    assert len(host_ports) == len(bots)
    assert leaders == 1  # one process runs shard 0: it syncs the commands and receives DMs


# --- .env.example and README ------------------------------------------------------------------------


def _example_assignments() -> dict[str, str]:
    assignments: dict[str, str] = {}
    for raw in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        line = raw.removeprefix("#").strip()
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(\S*)", line)
        if match:
            assignments[match.group(1)] = match.group(2)
    return assignments


def test_env_example_documents_every_setting() -> None:
    documented = set(_example_assignments())
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - documented == set(), "settings missing from .env.example"
    assert documented - settings == set(), ".env.example names settings that do not exist"


def test_env_example_values_are_all_accepted_and_hold_no_token(tmp_path: Path) -> None:
    assignments = _example_assignments()
    assert assignments["DISCORD_TOKEN"] == ""
    uncommented = tmp_path / "all.env"
    uncommented.write_text("".join(f"{name}={value}\n" for name, value in assignments.items()))
    settings = Settings(_env_file=uncommented)
    assert settings.token is None
    assert settings.health_port == 8080


def test_readme_explains_running_in_production_and_keeps_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make test" in readme
    section = readme.split("## Run it in production", 1)[1].split("\n## ", 1)[0]
    for step in (
        "cp .env.example .env",
        "docker compose up -d",
        "docker compose logs",
        "/healthz",
        "/metrics",
        "latch-data",
        "docker compose build",
    ):
        assert step in section, step
    assert "PRIVACY.md" in readme


def test_readme_explains_growing_past_one_process() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Scaling out", 1)[1].split("\n## ", 1)[0]
    for point in (
        "2,500",
        "SHARD_COUNT",
        "SHARD_IDS",
        "DATABASE_URL=postgresql://",
        "docker compose stop bot",
        "--profile postgres up -d postgres bot-shard-0 bot-shard-1",
        "POSTGRES_PASSWORD",
        "SQLite",
        "exactly once",
    ):
        assert point in section, point
    compose_file = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "--profile postgres up -d postgres bot-shard-0 bot-shard-1" in compose_file


def test_env_example_says_database_url_takes_either_engine() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    block = text.split("DATABASE_URL=", 1)[0].rsplit("\n\n", 1)[-1]
    assert "SQLite only" not in block
    assert "postgresql://" in block


# --- the privacy notice and /about ------------------------------------------------------------------


def test_the_privacy_notice_covers_storage_retention_rights_and_contact() -> None:
    notice = (ROOT / "PRIVACY.md").read_text(encoding="utf-8")
    for promise in (
        "/privacy view",
        "/privacy export",
        "/privacy delete",
        "30 days",
        "keep their text but lose your name and user id",
        "Operator:",
        "issue tracker",
        "never keeps",
        "peer support, not medical advice",
    ):
        assert promise in notice, promise


def test_about_links_the_privacy_notice_when_its_address_is_set() -> None:
    url = "https://example.org/latch/PRIVACY.md"
    embed = about_embed(version="1.0", fact_count=3, tip_count=4, privacy_url=url)
    privacy = next(embed_field for embed_field in embed.fields if embed_field.name == "Your privacy")
    assert f"[PRIVACY.md]({url})" in (privacy.value or "")
    assert "Peer support, not medical advice" in (embed.description or "")
    view = about_links(url)
    assert view is not None
    [button] = view.children
    assert isinstance(button, discord.ui.Button)
    assert button.url == url
    assert button.style is discord.ButtonStyle.link


def test_about_names_the_notice_without_a_link_when_no_address_is_set() -> None:
    embed = about_embed(version="1.0", fact_count=3, tip_count=4)
    privacy = next(embed_field for embed_field in embed.fields if embed_field.name == "Your privacy")
    assert "PRIVACY.md" in (privacy.value or "")
    assert "](" not in (privacy.value or "")
    assert about_links(None) is None


def test_privacy_url_must_be_a_web_address() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, privacy_url="PRIVACY.md")
    assert Settings(_env_file=None, privacy_url=" ").privacy_url is None
