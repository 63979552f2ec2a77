"""/resources rules (selection, crisis rail, order, pages, input) and the shipped resources.yaml."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings
from bot.content.crisis import crisis_directories, crisis_lines_of, select_crisis_lines
from bot.content.loader import load_library
from bot.content.models import GLOBAL_REGION, ISO_REGIONS, RESOURCE_TOPICS
from bot.content_check import check_content
from bot.domain.resources import (
    MAX_BUTTONS,
    PAGE_SIZE,
    Group,
    ResourceEntry,
    clean_line,
    crisis_lines,
    library_entry,
    paginate,
    parse_region,
    parse_topic,
    region_choices,
    select_groups,
    server_entry,
)
from bot.errors import Refusal
from bot.ui.messages import refusal_text

CONTENT = Settings(_env_file=None).content_dir
LIBRARY = load_library(CONTENT)
BUILTIN = tuple(library_entry(resource) for resource in LIBRARY.resources)


def ids(groups: list[Group]) -> list[str]:
    return [entry.ref.removeprefix("library:") for group in groups for entry in group.entries]


# ------------------------------------------------------------------------------------------ shipped file

# Every organisation in the project's content notes that could be verified: (name, url, phone) with the
# regions it serves. The Office on Women's Health helpline is not shipped: its staffing could not be
# confirmed on its own page.
NOTED = [
    ("La Leche League International", "https://llli.org/", None, {"global"}),
    ("La Leche League USA, find help", "https://lllusa.org/locator/", None, {"US"}),
    ("La Leche League Canada", "https://www.lllc.ca", None, {"CA"}),
    ("ILCA, find a lactation consultant", "https://www.ilca.org/why-ibclc/falc", None, {"global"}),
    ("KellyMom", "https://kellymom.com/", None, {"global"}),
    ("D-MER.org", "https://d-mer.org/", None, {"global"}),
    ("Breastfeeding USA", "https://breastfeedingusa.org/", None, {"US"}),
    (
        "National Breastfeeding Helpline (UK)",
        "https://www.nationalbreastfeedinghelpline.org.uk",
        "0300 100 0212",
        {"GB"},
    ),
    ("Australian Breastfeeding Association", "https://www.breastfeeding.asn.au/", "1800 686 268", {"AU"}),
    ("WHO, breastfeeding", "https://www.who.int/health-topics/breastfeeding", None, {"global"}),
    ("CDC, breastfeeding", "https://www.cdc.gov/breastfeeding/", None, {"US"}),
    ("LactMed (NIH drugs and lactation)", "https://www.ncbi.nlm.nih.gov/books/NBK501922/", None, {"global"}),
    ("MotherToBaby", "https://mothertobaby.org/", "866-626-6847", {"US", "CA"}),
    (
        "Postpartum Support International",
        "https://www.postpartum.net/get-help/",
        "1-800-944-4773",
        {"US", "global"},
    ),
    (
        "National Maternal Mental Health Hotline",
        "https://mchb.hrsa.gov/national-maternal-mental-health-hotline",
        "1-833-852-6262",
        {"US"},
    ),
    ("PANDA National Helpline", "https://panda.org.au/", "1300 726 306", {"AU"}),
    ("988 Suicide & Crisis Lifeline", "https://988lifeline.org", "988", {"US"}),
    ("9-8-8 Suicide Crisis Helpline", "https://988.ca", "988", {"CA"}),
    ("Crisis Text Line", "https://www.crisistextline.org", None, {"US"}),
    ("Samaritans", "https://www.samaritans.org", "116 123", {"GB", "IE"}),
    ("Shout", "https://giveusashout.org", None, {"GB"}),
    ("50808 (Text About It)", "https://50808.ie", None, {"IE"}),
    ("Lifeline Australia", "https://www.lifeline.org.au", "13 11 14", {"AU"}),
    ("Tele-MANAS", "https://telemanas.mohfw.gov.in", "14416 or 1-800-891-4416", {"IN"}),
    ("Need to talk? 1737", "https://1737.org.nz", "1737", {"NZ"}),
    ("Find A Helpline", "https://findahelpline.com", None, {"global"}),
]


@pytest.mark.parametrize(("name", "url", "phone", "regions"), NOTED, ids=[row[0] for row in NOTED])
def test_every_noted_organisation_is_shipped(
    name: str, url: str, phone: str | None, regions: set[str]
) -> None:
    resource = next((r for r in LIBRARY.resources if r.name == name), None)
    assert resource is not None, f"{name} is missing from resources.yaml"
    assert resource.url == url
    assert resource.phone == phone
    assert set(resource.regions) == regions
    assert resource.description and resource.topics


def test_text_lines_are_listed_where_there_is_one() -> None:
    texts = {r.id: r.text for r in LIBRARY.resources if r.text}
    assert texts == {
        "mothertobaby": "text 855-999-3525",
        "postpartum-support-international": (
            "text 1-800-944-4773 (texts in English) or 971-203-7773 (in Spanish)"
        ),
        "national-maternal-mental-health-hotline": "text 1-833-852-6262",
        "988-lifeline": "text 988",
        "988-canada": "text 988",
        "crisis-text-line": "text HOME to 741741",
        "shout": "text SHOUT to 85258",
        "text-50808": "text HELLO to 50808",
        "lifeline-australia": "text 0477 13 11 14",
        "need-to-talk-1737": "text 1737",
    }


def test_the_shipped_file_passes_content_check() -> None:
    assert check_content(CONTENT, today=date(2026, 12, 1)) == []


def test_a_resource_link_must_follow_the_url_rules(tmp_path: Path) -> None:
    for folder in ("facts", "tips"):
        (tmp_path / folder).mkdir()
        for card in (CONTENT / folder).iterdir():
            (tmp_path / folder / card.name).write_text(card.read_text(encoding="utf-8"), encoding="utf-8")
    data = yaml.safe_load((CONTENT / "resources.yaml").read_text(encoding="utf-8"))
    data["resources"][0]["url"] = "https://bit.ly/llli"
    (tmp_path / "resources.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")

    problems = [p for p in check_content(tmp_path, today=date(2026, 12, 1)) if p.rule == "resource-url"]

    assert len(problems) == 1
    assert problems[0].message.startswith("la-leche-league-international.url: shortener")


# ------------------------------------------------------------------------------------------ selection


def test_a_region_sees_its_own_and_worldwide_resources_own_first() -> None:
    groups = select_groups(BUILTIN, [], topic="peer-support", region="US")

    assert ids(groups) == [
        "postpartum-support-international",  # a phone line for the US: lines before websites
        "la-leche-league-usa",
        "breastfeeding-usa",
        "la-leche-league-international",  # worldwide after the country's own
    ]


def test_global_resources_are_always_included() -> None:
    worldwide = {r.id for r in LIBRARY.resources if GLOBAL_REGION in r.regions}
    for region in ("US", "GB", "AU", "IN", "FR", GLOBAL_REGION):
        assert worldwide <= set(ids(select_groups(BUILTIN, [], topic=None, region=region)))


@given(st.sampled_from(sorted(ISO_REGIONS | {GLOBAL_REGION})), st.sampled_from(["crisis", "mental-health"]))
def test_crisis_lines_come_first_and_never_go_missing(region: str, topic: str) -> None:
    groups = select_groups(BUILTIN, [], topic=topic, region=region)

    assert groups[0].topic == "crisis"
    assert groups[0].entries
    assert all("crisis" in entry.topics for entry in groups[0].entries)


def test_with_no_country_the_largest_regions_lines_are_listed_then_the_directories() -> None:
    selection = select_crisis_lines(LIBRARY.resources, None)
    expected = [f"library:{line.id}" for group in selection.regions for line in group.lines]
    expected += [f"library:{directory.id}" for directory in selection.directories]

    assert [entry.ref for entry in crisis_lines(BUILTIN, GLOBAL_REGION)] == list(dict.fromkeys(expected))


@pytest.mark.parametrize("region", ["US", "CA", "GB", "IE", "AU", "NZ", "IN"])
def test_a_region_gets_its_own_crisis_lines_and_the_directories(region: str) -> None:
    own = {f"library:{line.id}" for line in crisis_lines_of(LIBRARY.resources, region)}
    directories = {f"library:{d.id}" for d in crisis_directories(LIBRARY.resources)}
    shown = [entry.ref for entry in crisis_lines(BUILTIN, region)]

    assert own and set(shown) == own | directories
    assert shown[-len(directories) :] == [ref for ref in shown if ref in directories]  # directories last


def test_a_region_without_a_verified_line_gets_the_directories_not_other_countries_lines() -> None:
    shown = crisis_lines(BUILTIN, "BR")

    assert shown and all(not entry.is_line for entry in shown)


def test_without_a_topic_each_resource_shows_once_under_its_first_topic() -> None:
    groups = select_groups(BUILTIN, [], topic=None, region="GB")

    shown = ids(groups)
    assert len(shown) == len(set(shown))
    for group in groups:
        for entry in group.entries:
            assert group.topic == entry.topics[0]
    assert [g.topic for g in groups] == [t for t in RESOURCE_TOPICS if t in {g.topic for g in groups}]


def test_server_resources_come_last_marked_and_filtered() -> None:
    mine = [
        server_entry(1, "Local meetup", "https://meet.example.org/", "Weekly.", "peer-support", "GB"),
        server_entry(2, "US group", "https://us.example.org/", "Weekly.", "peer-support", "US"),
        server_entry(3, "Pump library", "https://pump.example.org/", "Loans.", "pumping", GLOBAL_REGION),
    ]

    groups = select_groups(BUILTIN, mine, topic=None, region="GB")

    tail = [g for g in groups if g.from_server]
    assert groups[-len(tail) :] == tail
    assert [g.label for g in tail] == ["Peer support, added by this server", "Pumping, added by this server"]
    assert [e.name for g in tail for e in g.entries] == ["Local meetup", "Pump library"]


# ------------------------------------------------------------------------------------------ pages


def _entries(count: int) -> list[ResourceEntry]:
    return [
        server_entry(n, f"Group {n}", f"https://g{n}.example.org/", "Weekly.", "peer-support", "US")
        for n in range(count)
    ]


@given(st.integers(min_value=0, max_value=120), st.integers(min_value=50, max_value=400))
def test_pages_keep_every_entry_in_order_within_the_limits(count: int, size: int) -> None:
    group = Group("peer-support", tuple(_entries(count)), from_server=True)

    pages = paginate([group], entry_size=lambda entry: size, group_size=60, budget=5000)

    flat = [entry for page in pages for g in page for entry in g.entries]
    assert flat == list(group.entries)
    counts = [sum(len(g.entries) for g in page) for page in pages]
    if len(pages) == 1:
        assert counts[0] <= MAX_BUTTONS
    else:
        assert all(1 <= c <= PAGE_SIZE for c in counts)
        assert all(c * size + 60 <= 5000 for c in counts)


def test_25_entries_fit_one_page_and_26_make_two() -> None:
    def pages_for(count: int) -> list[int]:
        group = Group("peer-support", tuple(_entries(count)))
        pages = paginate([group], entry_size=lambda entry: 100, group_size=60, budget=5000)
        return [sum(len(g.entries) for g in page) for page in pages]

    assert pages_for(25) == [25]
    assert pages_for(26) == [20, 6]


def test_a_group_cut_by_a_page_break_shows_its_heading_on_both_pages() -> None:
    first = Group("peer-support", tuple(_entries(15)))
    second = Group("pumping", tuple(_entries(15)))

    pages = paginate([first, second], entry_size=lambda entry: 100, group_size=60, budget=5000)

    assert [[g.topic for g in page] for page in pages] == [["peer-support", "pumping"], ["pumping"]]


# ------------------------------------------------------------------------------------------ input


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        ("us", "US"),
        (" GB ", "GB"),
        ("UK", "GB"),
        ("india", "IN"),
        ("Global", "global"),
        ("worldwide", "global"),
    ],
)
def test_regions_by_code_name_or_alias(typed: str, region: str) -> None:
    assert parse_region(typed) == region


@given(st.text(max_size=60))
def test_any_region_text_is_a_known_region_or_a_clear_refusal(typed: str) -> None:
    try:
        region = parse_region(typed)
    except Refusal as refusal:
        assert "two-letter country code" in refusal_text(refusal)
    else:
        assert region == GLOBAL_REGION or region in ISO_REGIONS


@given(st.text(max_size=30))
def test_region_choices_are_valid_and_at_most_25(typed: str) -> None:
    choices = region_choices(typed, LIBRARY.offered_regions)
    assert len(choices) <= 25
    assert all(value == GLOBAL_REGION or value in LIBRARY.offered_regions for _label, value in choices)
    assert all(len(label) <= 100 for label, _value in choices)


@given(st.sampled_from(sorted(RESOURCE_TOPICS.items())), st.booleans())
def test_topics_by_slug_or_label(item: tuple[str, str], use_label: bool) -> None:
    slug, label = item
    assert parse_topic(label.upper() if use_label else slug) == slug


def test_an_unknown_topic_lists_the_topics() -> None:
    with pytest.raises(Refusal) as refused:
        parse_topic("sleep")
    assert "Crisis lines" in refusal_text(refused.value)


@given(st.text(max_size=300), st.integers(min_value=1, max_value=200))
def test_clean_line_is_one_trimmed_line_within_the_limit(text: str, limit: int) -> None:
    try:
        cleaned = clean_line(text, field="name", limit=limit)
    except Refusal as refusal:
        assert "name" in refusal_text(refusal)
    else:
        assert cleaned and len(cleaned) <= limit
        assert cleaned == " ".join(cleaned.split())
