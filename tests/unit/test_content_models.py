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
from bot.content.parsing import parse_card_text, split_front_matter
from bot.content.validation import find_mention
from bot.ui.cards import (
    CRISIS_FALLBACK_TEXT,
    CRISIS_FIELD,
    DISCLAIMER,
    EMERGENCY_SENTENCE,
    SOURCES_FIELD,
    SourcesTooLong,
    card_embed,
    contact_phrase,
    crisis_text,
    sources_value,
)
from bot.ui.text import escape_mentions

CONTENT_ROOT = Path(__file__).resolve().parents[2] / "content"


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
        "numbers": [{"number": "116 123", "accepts": ["call"]}],
        "hours": "24/7",
        "verified": date(2026, 11, 21),
        "verified_from": "https://www.samaritans.org",
    }
    data.update(overrides)
    return Resource.model_validate(data)


def number(value: str, *accepts: str, **extra: str) -> dict[str, Any]:
    return {"number": value, "accepts": list(accepts), **extra}


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


def test_sensitive_card_without_crisis_text_names_no_number() -> None:
    # Every number shown comes from resources.yaml, so the fallback has none of its own.
    embed = card_embed(make_card(sensitive=True), crisis_lines=None)
    assert embed.fields[-1].value == CRISIS_FALLBACK_TEXT
    assert not any(char.isdigit() for char in CRISIS_FALLBACK_TEXT)


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


# Resource numbers and crisis wording


def test_numbers_say_what_they_accept() -> None:
    resource = make_resource(numbers=[number("13 11 14", "call"), number("0477 13 11 14", "text")])
    assert resource.phone == "13 11 14"
    assert resource.text == "text 0477 13 11 14"
    assert make_resource().text is None  # Samaritans takes no texts


def test_a_keyword_is_part_of_the_text_instruction() -> None:
    resource = make_resource(numbers=[number("85258", "text", keyword="SHOUT")])
    assert resource.phone is None
    assert resource.text == "text SHOUT to 85258"


@pytest.mark.parametrize(
    ("numbers", "phrase"),
    [
        ([number("988", "call", "text")], "call or text 988"),
        ([number("116 123", "call")], "call 116 123"),
        (
            [number("13 11 14", "call"), number("0477 13 11 14", "text")],
            "call 13 11 14 or text 0477 13 11 14",
        ),
        ([number("14416", "call"), number("1-800-891-4416", "call")], "call 14416 or 1-800-891-4416"),
        ([number("741741", "text", keyword="HOME")], "text HOME to 741741"),
        (
            [number("1-800-944-4773", "call", "text"), number("971-203-7773", "text", note="in Spanish")],
            "call or text 1-800-944-4773 or text 971-203-7773 (in Spanish)",
        ),
    ],
)
def test_contact_phrase_says_text_only_for_numbers_that_take_texts(
    numbers: list[dict[str, Any]], phrase: str
) -> None:
    assert contact_phrase(make_resource(numbers=numbers).numbers) == phrase


def test_a_keyword_on_a_number_that_takes_calls_is_rejected() -> None:
    with pytest.raises(ValidationError) as exc:
        make_resource(numbers=[number("85258", "call", "text", keyword="SHOUT")])
    assert error_types(exc) == {"text-keyword"}


def lines_resources() -> list[Resource]:
    return [
        make_resource(id="helpline", topics=["peer-support"], numbers=[number("0300 100 0212", "call")]),
        make_resource(),
        make_resource(
            id="shout",
            name="Shout",
            regions=["GB"],
            numbers=[number("85258", "text", keyword="SHOUT")],
        ),
        make_resource(id="lifeline", name="Lifeline", regions=["AU"], numbers=[number("13 11 14", "call")]),
        make_resource(
            id="directory",
            name="Find A Helpline",
            url="https://findahelpline.com",
            regions=["global"],
            numbers=[],
            hours=None,
        ),
    ]


def test_a_servers_region_gets_its_own_lines_then_the_directory() -> None:
    assert crisis_text(lines_resources(), "GB") == (
        "If you are thinking about suicide or feel unsafe:\n"
        "• Samaritans: call 116 123 (24/7)\n"
        "• Shout: text SHOUT to 85258 (24/7)\n"
        "More lines: findahelpline.com.\n"
        f"{EMERGENCY_SENTENCE}"
    )


def test_a_dm_lists_the_largest_regions_that_have_lines() -> None:
    assert crisis_text(lines_resources()) == (
        "If you are thinking about suicide or feel unsafe:\n"
        "• UK: Samaritans, call 116 123 (24/7); Shout, text SHOUT to 85258 (24/7)\n"
        "• Australia: Lifeline, call 13 11 14 (24/7)\n"
        "Other countries: find a line at findahelpline.com.\n"
        f"{EMERGENCY_SENTENCE}"
    )
    assert crisis_text(lines_resources(), "global") == crisis_text(lines_resources())


def test_a_region_without_a_line_is_told_plainly() -> None:
    text = crisis_text(lines_resources(), "BR")
    assert text.startswith("Latch has no checked crisis line for Brazil yet.")
    assert "findahelpline.com" in text and "116 123" not in text


def test_crisis_text_without_crisis_resources_still_points_to_emergency_help() -> None:
    assert EMERGENCY_SENTENCE in crisis_text([])
    assert EMERGENCY_SENTENCE in crisis_text([], "GB")


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


def test_shipped_resources_are_verified_and_offered_regions_have_lines() -> None:
    library = load_library(CONTENT_ROOT)
    assert library.offered_regions[:3] == ("US", "GB", "CA")
    assert {"US", "CA", "GB", "IE", "AU", "NZ", "IN"} <= set(library.offered_regions)
    assert all(resource.verified and resource.verified_from for resource in library.resources)
    crisis = {resource.id for resource in library.resources if "crisis" in resource.topics}
    assert {"988-lifeline", "988-canada", "samaritans", "lifeline-australia", "find-a-helpline"} <= crisis
    assert library.resource("office-on-womens-health") is None  # its helpline could not be re-verified
