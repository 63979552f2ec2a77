"""Card and resource models, card embeds, crisis text, the loader and the library lookups."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.content import TOPICS, Card, ContentError, ContentLibrary, Resource, Source, load_library
from bot.content.loader import parse_card_text, parse_resources_text, split_front_matter
from bot.content.validation import find_mention
from bot.ui.cards import (
    CRISIS_FIELD,
    DEFAULT_CRISIS_TEXT,
    DISCLAIMER,
    SOURCES_FIELD,
    SourcesTooLong,
    card_embed,
    crisis_text,
    sources_value,
)
from bot.ui.text import escape_mentions

CONTENT_ROOT = Path(__file__).resolve().parents[2] / "content"

# The crisis footer from ../shared/CONTENT-NOTES.md, word for word.
NOTES_CRISIS_FOOTER = (
    "If you are thinking about suicide or feel unsafe: call or text 988 (US), 116 123 (UK & Ireland), "
    "13 11 14 (Australia), or find a line at findahelpline.com. In immediate danger, call your local "
    "emergency number."
)


def card_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "milk-ejection-reflex",
        "kind": "fact",
        "title": "The milk ejection reflex",
        "summary": "Several letdowns happen in each feed.",
        "aliases": ["letdown", "MER"],
        "topics": ["letdown"],
        "sources": [{"title": "Ramsay 2004", "url": "https://doi.org/10.1542/peds.113.2.361"}],
        "reviewed": date(2026, 11, 21),
        "sensitive": False,
        "body": "Letdown happens several times per feed.",
    }
    data.update(overrides)
    return data


def make_card(**overrides: Any) -> Card:
    return Card.model_validate(card_data(**overrides))


def make_resource(**overrides: Any) -> Resource:
    data: dict[str, Any] = {
        "id": "samaritans",
        "name": "Samaritans",
        "url": "https://www.samaritans.org",
        "description": "Someone to talk to.",
        "topics": ["crisis"],
        "regions": ["GB", "IE"],
        "phone": "116 123",
        "verified": date(2026, 11, 21),
    }
    data.update(overrides)
    return Resource.model_validate(data)


def error_types(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {error["type"] for error in exc.value.errors()}


# Models


def test_topics_vocabulary_is_fixed_and_ordered() -> None:
    assert list(TOPICS) == [
        "milk-making",
        "letdown",
        "pumping",
        "leaking",
        "induced-lactation",
        "feelings",
        "health",
        "comfort",
    ]
    assert TOPICS["feelings"] == "Feelings, D-MER and support"


def test_valid_card_parses_into_tuples() -> None:
    card = make_card()
    assert card.aliases == ("letdown", "MER")
    assert card.names == ("milk-ejection-reflex", "The milk ejection reflex", "letdown", "MER")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "Milk_Ejection"),
        ("id", "a" * 51),
        ("title", ""),
        ("title", "x" * 81),
        ("summary", "x" * 101),
        ("aliases", [f"alias-{n}" for n in range(11)]),
        ("aliases", ["x" * 51]),
        ("topics", []),
        ("topics", ["letdown", "pumping", "leaking", "comfort"]),
        ("sources", []),
        ("reviewed", "not a date"),
        ("kind", "story"),
        ("body", "   "),
    ],
)
def test_card_field_constraints(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        make_card(**{field: value})


def test_card_forbids_unknown_fields() -> None:
    with pytest.raises(ValidationError) as exc:
        make_card(colour="blue")
    assert error_types(exc) == {"extra_forbidden"}


def test_title_must_be_one_line() -> None:
    with pytest.raises(ValidationError) as exc:
        make_card(title="Two\nlines")
    assert error_types(exc) == {"single-line"}


def test_duplicate_alias_within_a_card_is_rejected() -> None:
    with pytest.raises(ValidationError) as exc:
        make_card(aliases=["Letdown", "letdown"])
    assert error_types(exc) == {"duplicate-value"}


def test_unknown_card_topic_names_the_vocabulary() -> None:
    with pytest.raises(ValidationError) as exc:
        make_card(topics=["sleep"])
    assert error_types(exc) == {"unknown-topic"}
    assert "milk-making" in str(exc.value)


def test_source_needs_url_or_doi() -> None:
    with pytest.raises(ValidationError) as exc:
        Source.model_validate({"title": "A paper"})
    assert error_types(exc) == {"source-link"}


@pytest.mark.parametrize(
    "url", ["http://example.org", "ftp://example.org/x", "https://", "https://localhost/", "https://a b.org"]
)
def test_source_url_must_be_https(url: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Source.model_validate({"title": "A paper", "url": url})
    assert error_types(exc) == {"https-url"}


def test_source_doi_format() -> None:
    with pytest.raises(ValidationError):
        Source.model_validate({"title": "A paper", "doi": "doi:10.1542/peds.113.2.361"})


def test_doi_only_source_links_to_doi_org() -> None:
    source = Source.model_validate({"title": "A paper", "doi": "10.1186/1746-4358-6-6"})
    assert source.link == "https://doi.org/10.1186/1746-4358-6-6"


def test_source_url_wins_over_doi() -> None:
    source = Source.model_validate({"title": "A", "url": "https://example.org/a", "doi": "10.1000/xyz"})
    assert source.link == "https://example.org/a"


@pytest.mark.parametrize("region", ["UK", "gb", "USA", "EU", ""])
def test_resource_region_must_be_iso_or_global(region: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make_resource(regions=[region])
    assert error_types(exc) == {"region-code"}


def test_resource_topic_vocabulary() -> None:
    with pytest.raises(ValidationError) as exc:
        make_resource(topics=["letdown"])
    assert error_types(exc) == {"unknown-topic"}


def test_resource_serves_its_regions_and_global_serves_all() -> None:
    assert make_resource().serves("ie")
    assert not make_resource().serves("US")
    assert make_resource(regions=["global"]).serves("NZ")


# Rendering


def test_card_embed_shape() -> None:
    embed = card_embed(make_card(), crisis_lines=None)
    assert embed.title == "The milk ejection reflex"
    assert embed.description == "Letdown happens several times per feed."
    assert [field.name for field in embed.fields] == [SOURCES_FIELD]
    assert embed.fields[0].value == "• [Ramsay 2004](https://doi.org/10.1542/peds.113.2.361)"
    assert embed.footer.text == DISCLAIMER
    assert DISCLAIMER == "Peer-support information, not medical advice. Talk to an IBCLC or your doctor."


def test_fact_and_tip_colours_differ() -> None:
    fact = card_embed(make_card(), crisis_lines=None)
    tip = card_embed(make_card(kind="tip"), crisis_lines=None)
    assert fact.colour != tip.colour


def test_sensitive_card_shows_crisis_lines() -> None:
    embed = card_embed(make_card(sensitive=True), crisis_lines="Call 116 123.")
    assert embed.fields[-1].name == CRISIS_FIELD
    assert embed.fields[-1].value == "Call 116 123."


def test_sensitive_card_without_crisis_text_uses_the_default() -> None:
    embed = card_embed(make_card(sensitive=True), crisis_lines=None)
    assert embed.fields[-1].value == DEFAULT_CRISIS_TEXT == NOTES_CRISIS_FOOTER


def test_non_sensitive_card_has_no_crisis_field() -> None:
    embed = card_embed(make_card(), crisis_lines="Call 116 123.")
    assert CRISIS_FIELD not in [field.name for field in embed.fields]


def test_doi_only_source_renders_doi_link_with_parentheses_escaped() -> None:
    card = make_card(sources=[{"title": "Lancet [2016]", "doi": "10.1016/S0140-6736(15)01024-7"}])
    value = card_embed(card, crisis_lines=None).fields[0].value
    assert value == r"• [Lancet \[2016\]](https://doi.org/10.1016/S0140-6736%2815%2901024-7)"


def test_long_source_titles_are_shortened_to_fit() -> None:
    sources = [{"title": f"{n} " + "word " * 55, "url": f"https://example.org/{n}"} for n in range(8)]
    value = card_embed(make_card(sources=sources), crisis_lines=None).fields[0].value or ""
    assert len(value) <= 1024
    assert value.count("…]") == 8
    for n in range(8):
        assert f"(https://example.org/{n})" in value


def test_sources_that_cannot_fit_raise() -> None:
    sources = [Source(title="A paper", url="https://example.org/" + "a" * 200) for _ in range(8)]
    with pytest.raises(SourcesTooLong):
        sources_value(sources)


@pytest.mark.parametrize(
    "mention", ["@everyone", "@here", "<@123456789012345678>", "<@!1>", "<@&42>", "<#99>"]
)
def test_mentions_never_render(mention: str) -> None:
    card = make_card(title=f"Hi {mention}", body=f"Body {mention}", sensitive=True)
    embed = card_embed(card, crisis_lines=f"Call {mention}")
    rendered = [embed.title or "", embed.description or "", *(field.value or "" for field in embed.fields)]
    assert all(find_mention(text) is None for text in rendered)


@given(
    st.lists(st.sampled_from(["<", "@", "#", "&", "!", "1", "everyone", "here", "HERE", " ", ">"])).map(
        "".join
    )
)
def test_escape_mentions_leaves_no_mention(text: str) -> None:
    assert find_mention(escape_mentions(text)) is None


def test_crisis_text_from_shipped_resources_matches_content_notes() -> None:
    resources, problems = parse_resources_text((CONTENT_ROOT / "resources.yaml").read_text(encoding="utf-8"))
    assert problems == []
    assert crisis_text(resources) == NOTES_CRISIS_FOOTER


def test_crisis_text_skips_non_crisis_and_textless_regional_resources() -> None:
    resources = [
        make_resource(id="helpline", topics=["peer-support"], phone="0300 100 0212"),
        make_resource(id="text-line", regions=["US"], phone=None, text="text HOME to 741741"),
        make_resource(id="lifeline", regions=["AU"], phone="13 11 14"),
    ]
    assert crisis_text(resources) == (
        "If you are thinking about suicide or feel unsafe: call or text 13 11 14 (Australia). "
        "In immediate danger, call your local emergency number."
    )


def test_crisis_text_without_crisis_resources_still_points_to_emergency_help() -> None:
    assert "local emergency number" in crisis_text([])


# Loader and library


def test_split_front_matter() -> None:
    assert split_front_matter("---\nid: a\n---\nBody\n") == ("id: a\n", "Body\n")
    assert split_front_matter("---\n---\n") == ("", "")
    assert split_front_matter("id: a\nBody") is None
    assert split_front_matter("---\nid: a\nBody") is None


def test_parse_card_text_rejects_duplicate_yaml_keys() -> None:
    text = "---\nid: a\nid: b\n---\nBody\n"
    card, problems = parse_card_text(text, file="facts/a.md", stem="a", kind="fact")
    assert card is None
    assert [problem.rule for problem in problems] == ["front-matter"]
    assert "duplicate key 'id'" in problems[0].message
    assert "line 3" in problems[0].message


def test_library_lookups() -> None:
    fact = make_card()
    tip = make_card(
        id="warmth", kind="tip", title="Warmth", aliases=["warm compress"], topics=["letdown", "comfort"]
    )
    library = ContentLibrary([tip, fact], [make_resource(), make_resource(id="who", regions=["global"])])
    assert library.facts == (fact,)
    assert library.tips == (tip,)
    assert library.get("warmth") is tip
    assert library.get("Warmth") is None
    assert library.resource("who") is not None
    assert [r.id for r in library.find_resources(topic="crisis", region="US")] == ["who"]
    assert [r.id for r in library.find_resources(region="GB")] == ["samaritans", "who"]


def test_load_library_lists_every_problem(tmp_path: Path) -> None:
    (tmp_path / "facts").mkdir()
    (tmp_path / "tips").mkdir()
    (tmp_path / "facts" / "a.md").write_text("no front matter", encoding="utf-8")
    (tmp_path / "tips" / "b.md").write_text("---\nid: [\n---\nBody", encoding="utf-8")
    (tmp_path / "resources.yaml").write_text("resources: 3\n", encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        load_library(tmp_path)
    files = {problem.file for problem in exc.value.problems}
    assert files == {"facts/a.md", "tips/b.md", "resources.yaml"}
    for problem in exc.value.problems:
        assert str(problem) in str(exc.value)


def test_shipped_resources_cover_the_content_notes_table() -> None:
    resources, problems = parse_resources_text((CONTENT_ROOT / "resources.yaml").read_text(encoding="utf-8"))
    assert problems == []
    assert len(resources) == 21
    ids = {resource.id for resource in resources}
    assert {"988-lifeline", "crisis-text-line", "samaritans", "lifeline-australia", "find-a-helpline"} <= ids
    crisis = {resource.id for resource in resources if "crisis" in resource.topics}
    assert crisis == {
        "988-lifeline",
        "crisis-text-line",
        "samaritans",
        "lifeline-australia",
        "find-a-helpline",
    }
    assert all(resource.verified == date(2026, 11, 21) for resource in resources)
