"""check_content: one broken content tree per rule, and the real tree passes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.loader import load_library
from bot.content.models import Problem
from bot.content.validation import errors
from bot.content_check import check_content as check_content_on

CONTENT_ROOT = Path(__file__).resolve().parents[2] / "content"

# The day the checks run on, so the verified-age rule does not depend on the calendar.
TODAY = date(2026, 12, 1)

CRISIS_RESOURCE: dict[str, Any] = {
    "id": "samaritans",
    "name": "Samaritans",
    "url": "https://www.samaritans.org",
    "description": "Someone to talk to, day or night.",
    "topics": ["crisis"],
    "regions": ["GB", "IE"],
    "numbers": [{"number": "116 123", "accepts": ["call"]}],
    "hours": "24/7",
    "verified": "2026-11-21",
    "verified_from": "https://www.samaritans.org",
}


def check_content(root: Path, today: date = TODAY) -> list[Problem]:
    return check_content_on(root, today=today)


def card_meta(card_id: str, kind: str = "fact", **overrides: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": card_id,
        "kind": kind,
        "title": f"Title of {card_id}",
        "summary": "A short summary.",
        "aliases": [],
        "topics": ["letdown"],
        "sources": [{"title": "Ramsay 2004", "url": "https://doi.org/10.1542/peds.113.2.361"}],
        "reviewed": "2026-11-21",
        "sensitive": False,
    }
    meta.update(overrides)
    return meta


def write_card(root: Path, meta: dict[str, Any], body: str = "A body.", *, stem: str | None = None) -> str:
    folder = "facts" if meta.get("kind") == "fact" else "tips"
    file = f"{folder}/{stem or meta['id']}.md"
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    (root / file).write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    return file


def write_raw(root: Path, file: str, text: str) -> str:
    (root / file).write_text(text, encoding="utf-8")
    return file


def write_resources(
    root: Path, resources: list[dict[str, Any]], offered_regions: tuple[str, ...] = ("GB",)
) -> None:
    document = {"offered_regions": list(offered_regions), "resources": resources}
    text = yaml.safe_dump(document, sort_keys=False)
    (root / "resources.yaml").write_text(text, encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A small valid tree: one fact, one tip, one crisis resource."""
    (tmp_path / "facts").mkdir()
    (tmp_path / "tips").mkdir()
    write_card(tmp_path, card_meta("fact-one", aliases=["first"]))
    write_card(tmp_path, card_meta("tip-one", kind="tip", sensitive=True))
    write_resources(tmp_path, [CRISIS_RESOURCE])
    return tmp_path


def found(problems: list[Problem], file: str, rule: str) -> list[Problem]:
    matches = [problem for problem in problems if problem.file == file and problem.rule == rule]
    assert matches, f"expected {rule!r} in {file}; got {[str(p) for p in problems]}"
    return matches


def test_valid_tree_has_no_problems(root: Path) -> None:
    assert check_content(root) == []


def test_real_content_tree_passes() -> None:
    problems = check_content(CONTENT_ROOT)
    assert problems == [], "\n".join(str(problem) for problem in problems)


def test_the_real_tree_has_at_least_30_cards_each_related_to_cards_that_exist() -> None:
    library = load_library(CONTENT_ROOT)
    assert len(library.cards) >= 30
    for card in library.cards:
        assert len(library.related(card)) == len(card.related)


# Files and front matter


@pytest.mark.parametrize(
    "text",
    [
        "id: broken\n\nNo --- lines at all.\n",
        "---\nid: broken\ntitle: [unclosed\n---\nBody\n",
        "---\n- just\n- a list\n---\nBody\n",
        "---\nid: broken\nid: again\n---\nBody\n",
        "---\nid: broken\nbody: inline\n---\nBody\n",
    ],
    ids=["no-delimiters", "bad-yaml", "not-a-mapping", "duplicate-key", "body-key"],
)
def test_bad_front_matter(root: Path, text: str) -> None:
    file = write_raw(root, "facts/broken.md", text)
    found(check_content(root), file, "front-matter")


def test_missing_folder_and_stray_file(tmp_path: Path) -> None:
    (tmp_path / "facts").mkdir()
    write_raw(tmp_path, "facts/notes.txt", "hello")
    write_resources(tmp_path, [CRISIS_RESOURCE])
    problems = check_content(tmp_path)
    found(problems, "tips", "layout")
    found(problems, "facts/notes.txt", "layout")
    found(problems, "facts", "layout")  # no .md cards at all


def test_schema_violation(root: Path) -> None:
    meta = card_meta("no-reviewed", colour="blue")
    del meta["reviewed"]
    file = write_card(root, meta)
    messages = {problem.message.split(":")[0] for problem in found(check_content(root), file, "schema")}
    assert messages == {"reviewed", "colour"}


def test_summary_over_100_characters(root: Path) -> None:
    file = write_card(root, card_meta("long-summary", summary="x" * 101))
    (problem,) = found(check_content(root), file, "schema")
    assert problem.message.startswith("summary:")
    assert "100" in problem.message


def test_id_must_equal_file_name(root: Path) -> None:
    file = write_card(root, card_meta("some-id"), stem="other-name")
    found(check_content(root), file, "id-matches-file")


def test_kind_must_match_folder(root: Path) -> None:
    file = write_raw(root, "tips/a-fact.md", "")
    meta = card_meta("a-fact", kind="fact")
    front = yaml.safe_dump(meta, sort_keys=False)
    write_raw(root, file, f"---\n{front}---\nBody\n")
    found(check_content(root), file, "kind-matches-folder")


def test_duplicate_id_across_facts_and_tips(root: Path) -> None:
    file = write_card(root, card_meta("fact-one", kind="tip", title="Another title"))
    found(check_content(root), file, "unique-id")


def test_duplicate_title(root: Path) -> None:
    file = write_card(root, card_meta("fact-two", title="TITLE OF FACT-ONE"))
    found(check_content(root), file, "unique-title")


def test_duplicate_alias_across_cards(root: Path) -> None:
    file = write_card(root, card_meta("fact-two", aliases=["First"]))
    found(check_content(root), file, "unique-alias")


@pytest.mark.parametrize("alias", ["tip-one", "title of tip-one"], ids=["other-id", "other-title"])
def test_alias_colliding_with_another_cards_id_or_title(root: Path, alias: str) -> None:
    file = write_card(root, card_meta("fact-two", aliases=[alias]))
    found(check_content(root), file, "alias-collision")


def test_source_without_url_or_doi(root: Path) -> None:
    file = write_card(root, card_meta("no-link", sources=[{"title": "A paper with no link"}]))
    found(check_content(root), file, "source-link")


def test_source_with_non_https_url(root: Path) -> None:
    file = write_card(root, card_meta("plain-http", sources=[{"title": "A", "url": "http://example.org/a"}]))
    (problem,) = found(check_content(root), file, "https-url")
    assert problem.message.startswith("sources.0.url:")


def test_unknown_topic(root: Path) -> None:
    file = write_card(root, card_meta("odd-topic", topics=["letdown", "sleep"]))
    (problem,) = found(check_content(root), file, "unknown-topic")
    assert "sleep" in problem.message


# Rendered embed limits


def many_crisis_lines(count: int) -> list[dict[str, object]]:
    return [
        {
            **CRISIS_RESOURCE,
            "id": f"line-{n}",
            "url": f"https://line{n}.example.org",
            "numbers": [{"number": "000 000 0000", "accepts": ["call"]}],
            "regions": ["GB"],
        }
        for n in range(count)
    ]


def test_embed_description_over_4096(root: Path) -> None:
    file = write_card(root, card_meta("long-body"), body="word " * 1000)
    found(check_content(root), file, "embed-description")


def test_embed_total_over_6000(root: Path) -> None:
    # Each part is within its own limit; together they pass Discord's 6000-character total.
    write_resources(root, many_crisis_lines(20))
    sources = [{"title": "t" * 300, "url": f"https://example.org/{n}"} for n in range(8)]
    meta = card_meta("everything", title="x" * 80, sources=sources, sensitive=True)
    file = write_card(root, meta, body="y" * 4090)
    problems = check_content(root)
    found(problems, file, "embed-total")
    assert not [problem for problem in problems if problem.rule in {"embed-description", "embed-field"}]


def test_sources_field_that_cannot_be_shortened(root: Path) -> None:
    sources = [{"title": "A paper", "url": f"https://example.org/{n}/" + "a" * 200} for n in range(8)]
    file = write_card(root, card_meta("long-urls", sources=sources))
    found(check_content(root), file, "sources-field")


def test_crisis_text_over_field_limit(root: Path) -> None:
    write_resources(root, many_crisis_lines(60))
    found(check_content(root), "tips/tip-one.md", "embed-field")


# Mentions


@pytest.mark.parametrize("field", ["title", "summary", "body"])
@pytest.mark.parametrize("mention", ["@everyone", "@here", "<@123456789012345678>", "<@&42>", "<#99>"])
def test_raw_mention(root: Path, field: str, mention: str) -> None:
    text = f"Hello {mention} there"
    if field == "body":
        file = write_card(root, card_meta("mentions"), body=text)
    else:
        file = write_card(root, card_meta("mentions", **{field: text}))
    (problem,) = found(check_content(root), file, "no-mentions")
    assert problem.message.startswith(field)


# Resources


def test_resource_with_non_https_url(root: Path) -> None:
    write_resources(root, [CRISIS_RESOURCE, {**CRISIS_RESOURCE, "id": "plain", "url": "http://example.org"}])
    (problem,) = found(check_content(root), "resources.yaml", "https-url")
    assert problem.message.startswith("resources[1] (plain).url:")


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"topics": ["crisis", "sleep"]}, "unknown-topic"),
        ({"regions": ["UK"]}, "region-code"),
        ({"regions": ["usa"]}, "region-code"),
    ],
    ids=["topic", "region-UK", "region-lowercase"],
)
def test_resource_with_unknown_topic_or_region(root: Path, change: dict[str, Any], rule: str) -> None:
    write_resources(root, [CRISIS_RESOURCE, {**CRISIS_RESOURCE, "id": "other", **change}])
    found(check_content(root), "resources.yaml", rule)


def test_resource_schema_violation(root: Path) -> None:
    resource = {**CRISIS_RESOURCE, "id": "long", "description": "d" * 101, "hours": 24}
    write_resources(root, [CRISIS_RESOURCE, resource])
    messages = [problem.message for problem in found(check_content(root), "resources.yaml", "schema")]
    assert [message.split(":")[0] for message in messages] == [
        "resources[1] (long).description",
        "resources[1] (long).hours",
    ]


def test_duplicate_resource_id(root: Path) -> None:
    write_resources(root, [CRISIS_RESOURCE, CRISIS_RESOURCE])
    found(check_content(root), "resources.yaml", "unique-resource-id")


def test_resources_without_crisis_lines(root: Path) -> None:
    write_resources(root, [{**CRISIS_RESOURCE, "topics": ["peer-support"]}])
    found(check_content(root), "resources.yaml", "crisis-lines")


def test_a_crisis_directory_without_numbers_is_not_a_crisis_line(root: Path) -> None:
    directory = {**CRISIS_RESOURCE, "id": "directory", "regions": ["global"], "numbers": []}
    write_resources(root, [directory], offered_regions=("GB",))
    problems = check_content(root)
    found(problems, "resources.yaml", "crisis-lines")
    found(problems, "resources.yaml", "offered-regions")


# Crisis lines for every offered region


def test_an_offered_region_without_a_crisis_line_fails(root: Path) -> None:
    write_resources(root, [CRISIS_RESOURCE], offered_regions=("GB", "IE", "NZ"))
    (problem,) = found(check_content(root), "resources.yaml", "offered-regions")
    assert problem.message.startswith("NZ is offered but no crisis line lists it")


def test_a_global_crisis_line_does_not_count_for_an_offered_region(root: Path) -> None:
    worldwide = {**CRISIS_RESOURCE, "id": "worldwide", "regions": ["global"]}
    write_resources(root, [CRISIS_RESOURCE, worldwide], offered_regions=("GB", "FR"))
    (problem,) = found(check_content(root), "resources.yaml", "offered-regions")
    assert problem.message.startswith("FR is offered")


@pytest.mark.parametrize("offered", [[], ["global"], ["UK"]], ids=["empty", "global", "not-iso"])
def test_offered_regions_must_be_country_codes(root: Path, offered: list[str]) -> None:
    write_resources(root, [CRISIS_RESOURCE], offered_regions=tuple(offered))
    rules = {problem.rule for problem in check_content(root) if problem.file == "resources.yaml"}
    assert rules & {"offered-regions", "region-code"}


def test_resources_file_needs_offered_regions(root: Path) -> None:
    write_raw(root, "resources.yaml", yaml.safe_dump({"resources": [CRISIS_RESOURCE]}))
    (problem,) = found(check_content(root), "resources.yaml", "resources-file")
    assert "offered_regions" in problem.message


def test_a_crisis_line_needs_hours(root: Path) -> None:
    write_resources(root, [{k: v for k, v in CRISIS_RESOURCE.items() if k != "hours"}])
    (problem,) = found(check_content(root), "resources.yaml", "crisis-hours")
    assert problem.message == "samaritans is a crisis line without 'hours'"


def test_a_keyword_belongs_to_a_text_only_number(root: Path) -> None:
    numbers = [{"number": "85258", "accepts": ["call", "text"], "keyword": "SHOUT"}]
    write_resources(root, [CRISIS_RESOURCE, {**CRISIS_RESOURCE, "id": "shout", "numbers": numbers}])
    found(check_content(root), "resources.yaml", "text-keyword")


def test_each_rendering_of_the_crisis_text_is_checked_against_the_field_limit(root: Path) -> None:
    # NZ is not listed in DMs, so only a server in NZ sees its 60 lines: that rendering alone is too long.
    nz_lines = [{**line, "regions": ["NZ"]} for line in many_crisis_lines(60)]
    write_resources(root, [CRISIS_RESOURCE, *nz_lines], offered_regions=("GB", "NZ"))
    (problem,) = found(check_content(root), "tips/tip-one.md", "embed-field")
    assert "1024" in problem.message


# Verification


@pytest.mark.parametrize("missing", ["verified", "verified_from"])
def test_a_resource_must_say_when_and_where_it_was_verified(root: Path, missing: str) -> None:
    unverified = {k: v for k, v in CRISIS_RESOURCE.items() if k != missing}
    write_resources(root, [unverified])
    (problem,) = found(check_content(root), "resources.yaml", "resource-verified")
    assert problem.message == f"samaritans has no {missing}"
    assert problem.severity == "error"


def test_the_verified_from_page_follows_the_url_rules(root: Path) -> None:
    write_resources(root, [{**CRISIS_RESOURCE, "verified_from": "https://bit.ly/samaritans"}])
    (problem,) = found(check_content(root), "resources.yaml", "resource-url")
    assert problem.message.startswith("samaritans.verified_from:")


@pytest.mark.parametrize(
    ("verified", "severity"),
    [
        ("2025-12-01", "error"),  # 12 months before TODAY
        ("2024-06-30", "error"),
        ("2026-03-01", "warning"),  # 9 months
        ("2025-12-02", "warning"),  # a day short of 12 months
        ("2027-01-01", "error"),  # in the future: a typo
    ],
)
def test_a_stale_verification_fails_at_12_months_and_warns_at_9(
    root: Path, verified: str, severity: str
) -> None:
    write_resources(root, [{**CRISIS_RESOURCE, "verified": verified}])
    problems = check_content(root)
    (problem,) = found(problems, "resources.yaml", "verified-age")
    assert problem.severity == severity
    assert bool(errors(problems)) == (severity == "error")


@pytest.mark.parametrize("verified", ["2026-03-02", "2026-12-01"])
def test_a_recent_verification_passes(root: Path, verified: str) -> None:
    write_resources(root, [{**CRISIS_RESOURCE, "verified": verified}])
    assert check_content(root) == []


def test_the_verified_age_counts_from_the_given_day(root: Path) -> None:
    write_resources(root, [CRISIS_RESOURCE])  # verified 2026-11-21
    assert check_content(root, today=date(2027, 8, 20)) == []
    assert [p.severity for p in check_content(root, today=date(2027, 8, 21))] == ["warning"]
    assert [p.severity for p in check_content(root, today=date(2027, 11, 21))] == ["error"]


def test_loading_the_library_does_not_depend_on_the_date(root: Path) -> None:
    # A stale entry fails the content check, but a running bot keeps serving its content.
    write_resources(root, [{**CRISIS_RESOURCE, "verified": "2020-01-01"}])
    assert load_library(root).resource("samaritans") is not None


@pytest.mark.parametrize("text", ["resources: [\n", "- a list\n", "resources: {}\n"])
def test_bad_resources_file(root: Path, text: str) -> None:
    write_raw(root, "resources.yaml", text)
    problems = check_content(root)
    assert [problem.rule for problem in problems] == ["resources-file"]


# Related cards


def test_an_unknown_related_card_is_rejected(root: Path) -> None:
    file = write_card(root, card_meta("fact-two", related=["fact-one", "no-such-card"]))
    (problem,) = found(check_content(root), file, "related-card")
    assert problem.message == "related card 'no-such-card' does not exist"


def test_a_card_cannot_be_related_to_itself(root: Path) -> None:
    file = write_card(root, card_meta("fact-two", related=["fact-two"]))
    found(check_content(root), file, "related-card")


def test_related_cards_that_exist_pass(root: Path) -> None:
    write_card(root, card_meta("fact-two", related=["fact-one", "tip-one"]))
    assert check_content(root) == []


# Reading grade

HARD_BODY = (
    "Hyperprolactinaemia, frequently attributable to pharmacological antidopaminergic mechanisms, "
    "necessitates comprehensive endocrinological evaluation incorporating magnetic resonance imaging."
)


def test_a_card_above_grade_9_fails(root: Path) -> None:
    file = write_card(root, card_meta("hard-words"), body=HARD_BODY)
    (problem,) = found(check_content(root), file, "reading-grade")
    assert problem.message.startswith("reads at grade ")


def test_a_technical_card_may_read_above_grade_9(root: Path) -> None:
    write_card(root, card_meta("hard-words", technical=True), body=HARD_BODY)
    assert check_content(root) == []


def test_a_list_of_short_items_reads_as_short_sentences(root: Path) -> None:
    body = (
        "What helps:\n- **Cold** between feeds\n- A bra that fits\n- [Rest](https://example.org) when you can"
    )
    write_card(root, card_meta("short-list"), body=body)
    assert check_content(root) == []


# Collecting everything


def test_all_problems_are_reported_at_once(root: Path) -> None:
    write_card(root, card_meta("bad-summary", summary="x" * 101))
    write_card(root, card_meta("bad-url", sources=[{"title": "A", "url": "http://example.org"}]))
    write_raw(root, "tips/no-front-matter.md", "just text")
    write_resources(root, [{**CRISIS_RESOURCE, "regions": ["UK"]}])
    rules = {(problem.file, problem.rule) for problem in check_content(root)}
    assert rules == {
        ("facts/bad-summary.md", "schema"),
        ("facts/bad-url.md", "https-url"),
        ("tips/no-front-matter.md", "front-matter"),
        ("resources.yaml", "region-code"),
    }
