"""Read the content tree (facts/*.md, tips/*.md, resources.yaml): every file parsed, every per-file
problem recorded without stopping. `bot.content.loader` builds the library from what parsed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.content.models import GLOBAL_REGION, KIND_FOLDERS, Card, CardKind, Problem, Region, Resource

RESOURCES_FILE = "resources.yaml"
OFFERED_REGIONS_KEY = "offered_regions"
RESOURCES_KEY = "resources"

# Rule names for problems found while parsing; the validation module adds the cross-file ones.
RULE_LAYOUT = "layout"
RULE_FRONT_MATTER = "front-matter"
RULE_RESOURCES_FILE = "resources-file"
RULE_SCHEMA = "schema"
RULE_ID_MATCHES_FILE = "id-matches-file"
RULE_KIND_MATCHES_FOLDER = "kind-matches-folder"
RULE_OFFERED_REGIONS = "offered-regions"

# Error types raised by the models that name a rule of their own; other pydantic errors are "schema".
CUSTOM_RULES = frozenset(
    {
        "https-url",
        "single-line",
        "unknown-topic",
        "region-code",
        "duplicate-value",
        "source-link",
        "text-keyword",
    }
)

_OFFERED_REGIONS = TypeAdapter(tuple[Region, ...])

_FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(?P<meta>.*?)^---[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z", re.DOTALL | re.MULTILINE
)


class ContentError(Exception):
    """The content tree has problems; ``problems`` lists all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"content has {len(self.problems)} problem(s):\n{listing}")


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys instead of silently keeping the last one."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)  # resolve YAML merge keys (<<) before looking for duplicates
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str) -> Any:
    """Safe-load YAML, rejecting duplicate keys. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)


def _yaml_message(exc: yaml.YAMLError, line_offset: int = 0) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return f"invalid YAML at line {exc.problem_mark.line + 1 + line_offset}: {exc.problem}"
    return f"invalid YAML: {exc}"


def split_front_matter(text: str) -> tuple[str, str] | None:
    """Split a card file into (front matter YAML, Markdown body), or None without front matter."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return None
    return match["meta"], match["body"]


def model_problems(file: str, exc: ValidationError, prefix: str = "") -> list[Problem]:
    """One Problem per pydantic error, named by its custom rule when it has one."""
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        where = f"{prefix}.{location}" if prefix and location else prefix or location
        rule = error["type"] if error["type"] in CUSTOM_RULES else RULE_SCHEMA
        message = f"{where}: {error['msg']}" if where else error["msg"]
        problems.append(Problem(file, rule, message))
    return problems


def parse_card_text(text: str, *, file: str, stem: str, kind: CardKind) -> tuple[Card | None, list[Problem]]:
    """Parse one card file's text; ``stem`` and ``kind`` come from its file name and folder."""
    parts = split_front_matter(text)
    if parts is None:
        return None, [
            Problem(file, RULE_FRONT_MATTER, "the file must start with YAML front matter between --- lines")
        ]
    meta_text, body = parts
    try:
        meta = parse_yaml(meta_text)
    except yaml.YAMLError as exc:
        return None, [Problem(file, RULE_FRONT_MATTER, _yaml_message(exc, line_offset=1))]
    if not isinstance(meta, dict):
        return None, [Problem(file, RULE_FRONT_MATTER, "the front matter must be a YAML mapping of fields")]
    if "body" in meta:
        return None, [
            Problem(file, RULE_FRONT_MATTER, "'body' is not a front matter field; the body follows ---")
        ]

    problems = []
    if isinstance(meta.get("id"), str) and meta["id"] != stem:
        problems.append(
            Problem(file, RULE_ID_MATCHES_FILE, f"id {meta['id']!r} must equal the file name {stem!r}")
        )
    if meta.get("kind") in KIND_FOLDERS and meta["kind"] != kind:
        problems.append(
            Problem(
                file,
                RULE_KIND_MATCHES_FOLDER,
                f"kind {meta['kind']!r} is in the {KIND_FOLDERS[kind]}/ folder",
            )
        )
    try:
        card = Card.model_validate({**meta, "body": body})
    except ValidationError as exc:
        return None, problems + model_problems(file, exc)
    return card, problems


@dataclass
class ResourcesDocument:
    """resources.yaml: the regions Latch offers (in menu order) and the resources."""

    offered_regions: tuple[str, ...] = ()
    resources: list[Resource] = field(default_factory=list)


def parse_resources_document(
    text: str, *, file: str = RESOURCES_FILE
) -> tuple[ResourcesDocument, list[Problem]]:
    """Parse resources.yaml: ``offered_regions`` (region codes) and ``resources`` (a list)."""
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        return ResourcesDocument(), [Problem(file, RULE_RESOURCES_FILE, _yaml_message(exc))]
    expected = {OFFERED_REGIONS_KEY, RESOURCES_KEY}
    if not isinstance(data, dict) or set(data) != expected or not isinstance(data[RESOURCES_KEY], list):
        return ResourcesDocument(), [
            Problem(
                file,
                RULE_RESOURCES_FILE,
                "the file must hold two keys: 'offered_regions:' (region codes) and 'resources:' (a list)",
            )
        ]
    document = ResourcesDocument()
    problems: list[Problem] = []
    try:
        document.offered_regions = _OFFERED_REGIONS.validate_python(data[OFFERED_REGIONS_KEY])
    except ValidationError as exc:
        problems += model_problems(file, exc, prefix=OFFERED_REGIONS_KEY)
    else:
        if not document.offered_regions or GLOBAL_REGION in document.offered_regions:
            problems.append(
                Problem(file, RULE_OFFERED_REGIONS, "offered_regions must list country codes, not 'global'")
            )
    for index, item in enumerate(data[RESOURCES_KEY]):
        label = f"resources[{index}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            label += f" ({item['id']})"
        try:
            document.resources.append(Resource.model_validate(item))
        except ValidationError as exc:
            problems += model_problems(file, exc, prefix=label)
    return document, problems


def parse_resources_text(text: str, *, file: str = RESOURCES_FILE) -> tuple[list[Resource], list[Problem]]:
    """The resources of resources.yaml, and every problem in the file."""
    document, problems = parse_resources_document(text, file=file)
    return document.resources, problems


@dataclass
class ParsedContent:
    """Everything that parsed, keyed by file path relative to the content root, plus per-file problems."""

    cards: dict[str, Card] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)
    offered_regions: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)


def _card_files(root: Path, folder: str, parsed: ParsedContent) -> Iterator[Path]:
    directory = root / folder
    if not directory.is_dir():
        parsed.problems.append(Problem(folder, RULE_LAYOUT, f"missing folder {folder}/"))
        return
    found = False
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix != ".md" or not path.is_file():
            parsed.problems.append(
                Problem(f"{folder}/{path.name}", RULE_LAYOUT, "only .md card files belong here")
            )
            continue
        found = True
        yield path
    if not found:
        parsed.problems.append(Problem(folder, RULE_LAYOUT, f"no cards in {folder}/"))


def read_content(root: Path) -> ParsedContent:
    """Parse every card and resources.yaml under ``root``, collecting per-file problems."""
    parsed = ParsedContent()
    for kind, folder in KIND_FOLDERS.items():
        for path in _card_files(root, folder, parsed):
            file = f"{folder}/{path.name}"
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                parsed.problems.append(Problem(file, RULE_FRONT_MATTER, f"cannot read the file: {exc}"))
                continue
            card, problems = parse_card_text(text, file=file, stem=path.stem, kind=kind)
            parsed.problems += problems
            if card is not None:
                parsed.cards[file] = card

    resources_path = root / RESOURCES_FILE
    try:
        resources_text = resources_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        parsed.problems.append(Problem(RESOURCES_FILE, RULE_LAYOUT, f"cannot read {RESOURCES_FILE}: {exc}"))
    else:
        document, problems = parse_resources_document(resources_text)
        parsed.resources, parsed.offered_regions = document.resources, document.offered_regions
        parsed.problems += problems
    return parsed
