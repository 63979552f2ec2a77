"""The pure rules of server tips and suggestions: cleaning, limits, tip numbers, credit names, the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.suggestions import (
    BODY_MAX,
    CREDIT_NAME_MAX,
    DAILY_LIMIT,
    REASON_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    InvalidTip,
    card_id,
    clean_body,
    clean_reason,
    clean_title,
    credit_name,
    next_allowed,
    parse_tip_number,
    suggestions_left,
    summary_of,
    validate_draft,
    window_start,
)
from bot.domain.urls import InvalidUrl
from bot.ui.messages import refusal_text


def accept(url: str) -> str:
    return url


def refuse(url: str) -> str:
    raise InvalidUrl("not_https")


def test_a_valid_draft_is_cleaned() -> None:
    draft = validate_draft(
        "  Warm\n flannel ", "Line one.  \r\n\r\n\r\n\r\nLine two.\n", " https://x.org ", check_source=accept
    )

    assert draft.title == "Warm flannel"
    assert draft.body == "Line one.\n\nLine two."
    assert draft.source_url == "https://x.org"


def test_an_empty_source_means_none_and_is_not_checked() -> None:
    assert validate_draft("T", "B", "   ", check_source=refuse).source_url is None
    assert validate_draft("T", "B", None, check_source=refuse).source_url is None


@pytest.mark.parametrize(
    ("title", "body", "source", "message"),
    [
        ("", "B", None, "Give the tip a title"),
        ("x" * (TITLE_MAX + 1), "B", None, f"up to {TITLE_MAX} characters; yours has {TITLE_MAX + 1}"),
        ("T", " \n ", None, "Write the tip itself"),
        ("T", "x" * (BODY_MAX + 1), None, f"up to {BODY_MAX} characters"),
        ("T", "B", "https://x.org/" + "a" * 600, "up to 512 characters"),
        ("T", "B", "http://x.org", "Source link: Only https:// links are accepted."),
    ],
)
def test_each_rule_has_a_clear_message(title: str, body: str, source: str | None, message: str) -> None:
    check = refuse if source == "http://x.org" else accept
    with pytest.raises(InvalidTip) as refused:
        validate_draft(title, body, source, check_source=check)
    assert message in refusal_text(refused.value)


@given(st.text(max_size=200), st.text(max_size=2000), st.none() | st.text(max_size=600))
def test_a_draft_is_either_within_every_limit_or_refused(title: str, body: str, source: str | None) -> None:
    try:
        draft = validate_draft(title, body, source, check_source=accept)
    except InvalidTip as problem:
        assert refusal_text(problem).startswith(
            ("Give the tip a title", "A title can be", "Write the tip", "A tip can be")
        )
        return
    assert 1 <= len(draft.title) <= TITLE_MAX and "\n" not in draft.title
    assert 1 <= len(draft.body) <= BODY_MAX
    assert draft.body == draft.body.strip() and "\n\n\n" not in draft.body
    assert draft.source_url is None or len(draft.source_url) <= 512


@given(st.text())
def test_cleaning_is_idempotent(text: str) -> None:
    assert clean_title(clean_title(text)) == clean_title(text)
    assert clean_body(clean_body(text)) == clean_body(text)


@given(st.text(max_size=400))
def test_a_reason_is_one_line_within_its_limit_or_refused(raw: str) -> None:
    try:
        reason = clean_reason(raw)
    except InvalidTip:
        assert len(" ".join(raw.split())) > REASON_MAX
        return
    assert len(reason) <= REASON_MAX and "\n" not in reason


@given(st.integers(min_value=1, max_value=10**17))
def test_tip_numbers_round_trip_in_every_accepted_spelling(number: int) -> None:
    for typed in (str(number), f"#{number}", f" # {number} ", card_id(number), card_id(number).upper()):
        assert parse_tip_number(typed) == number


@pytest.mark.parametrize("typed", ["", "0", "-3", "twelve", "#", "12a", "warmth", "1" * 19])
def test_other_text_is_no_tip_number(typed: str) -> None:
    assert parse_tip_number(typed) is None


@given(st.text())
def test_parse_tip_number_never_fails(typed: str) -> None:
    number = parse_tip_number(typed)
    assert number is None or number > 0


@given(st.text())
def test_a_credit_name_can_neither_format_nor_mention(name: str) -> None:
    shown = credit_name(name)
    assert 1 <= len(shown) <= CREDIT_NAME_MAX
    assert not set(shown) & set("`*_~|>\\<@#:")


def test_a_credit_name_keeps_ordinary_names() -> None:
    assert credit_name("Sam O'Neil") == "Sam O'Neil"
    assert credit_name("**@everyone**") == "everyone"
    assert credit_name("___") == "a member"
    assert credit_name("Sam (member)") == "Sam (member)"  # brackets are part of many names
    assert credit_name("[Robin]") == "[Robin]"


@given(st.text(max_size=3000))
def test_a_summary_is_one_line_of_at_most_100_characters(body: str) -> None:
    summary = summary_of(body)
    assert len(summary) <= SUMMARY_MAX and "\n" not in summary


def test_the_limit_is_three_in_a_rolling_24_hours() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert window_start(now) == now - timedelta(hours=24)
    assert [suggestions_left(count) for count in range(5)] == [3, 2, 1, 0, 0]
    assert DAILY_LIMIT == 3
    assert next_allowed(now - timedelta(hours=5)) == now + timedelta(hours=19)
