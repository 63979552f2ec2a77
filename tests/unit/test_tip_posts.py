"""Scheduled tip posts: next post across DST, the after-downtime rule, the rotation, each post's nonce."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.tip_posts import (
    LATE_LIMIT,
    Cadenced,
    catch_up,
    drawn_by,
    next_post_time,
    next_tip,
    post_nonce,
    still_postable,
)

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC", "Pacific/Chatham")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ------------------------------------------------------------------ next_post_time


@pytest.mark.parametrize(
    ("zone", "start", "before_utc_hour", "after_utc_hour", "change_day"),
    [
        ("Europe/London", date(2026, 3, 27), 9, 8, date(2026, 3, 29)),  # GMT → BST
        ("America/New_York", date(2026, 3, 6), 14, 13, date(2026, 3, 8)),  # EST → EDT
        ("Europe/London", date(2026, 10, 23), 8, 9, date(2026, 10, 25)),  # BST → GMT
    ],
)
def test_a_daily_post_stays_at_local_time_across_daylight_saving(
    zone: str, start: date, before_utc_hour: int, after_utc_hour: int, change_day: date
) -> None:
    rule = Cadenced("daily", time(9, 0), zone)
    moment = datetime.combine(start, time(0, 0), tzinfo=UTC)
    posts = []
    for _ in range(4):
        moment = next_post_time(rule, moment)
        posts.append(moment)
    assert [post.astimezone(ZoneInfo(zone)).time() for post in posts] == [time(9, 0)] * 4
    assert [post.hour for post in posts] == [
        before_utc_hour if post.date() < change_day else after_utc_hour for post in posts
    ]
    assert len({post.date() for post in posts}) == 4


def test_a_time_skipped_by_the_clocks_going_forward_posts_just_after_the_gap() -> None:
    rule = Cadenced("daily", time(1, 30), "Europe/London")
    post = next_post_time(rule, utc(2026, 3, 28, 12))
    assert post == utc(2026, 3, 29, 1, 30)  # 02:30 BST: the gap is 01:00 to 02:00 local
    assert next_post_time(rule, post) == utc(2026, 3, 30, 0, 30)  # 01:30 BST again


def test_a_time_repeated_by_the_clocks_going_back_posts_once() -> None:
    rule = Cadenced("daily", time(1, 30), "Europe/London")
    first = next_post_time(rule, utc(2026, 10, 24, 12))
    assert first == utc(2026, 10, 25, 0, 30)  # the first 01:30 (BST)
    assert next_post_time(rule, first) == utc(2026, 10, 26, 1, 30)


def test_weekday_posts_skip_the_weekend() -> None:
    rule = Cadenced("weekdays", time(8, 0), "UTC")
    friday = next_post_time(rule, utc(2026, 1, 2, 7))
    assert friday == utc(2026, 1, 2, 8)
    assert next_post_time(rule, friday) == utc(2026, 1, 5, 8)  # Monday


def test_weekly_posts_come_on_their_weekday() -> None:
    rule = Cadenced("weekly", time(18, 0), "Asia/Kolkata", weekday=2)  # Wednesday
    first = next_post_time(rule, utc(2026, 1, 1))
    assert first == utc(2026, 1, 7, 12, 30)
    assert next_post_time(rule, first) == first + timedelta(days=7)


def test_weekly_needs_a_weekday_and_only_weekly_takes_one() -> None:
    with pytest.raises(ValueError, match="weekday"):
        Cadenced("weekly", time(9, 0), "UTC")
    with pytest.raises(ValueError, match="weekday"):
        Cadenced("daily", time(9, 0), "UTC", weekday=1)


instants = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 (hypothesis takes naive bounds)
    max_value=datetime(2040, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
rules = st.builds(
    lambda cadence, hour, minute, zone, weekday: Cadenced(
        cadence, time(hour, minute), zone, weekday if cadence == "weekly" else None
    ),
    st.sampled_from(["daily", "weekdays", "weekly"]),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(ZONES),
    st.integers(0, 6),
)


@given(rules, instants)
def test_the_next_post_is_the_first_matching_local_time_after_now(rule: Cadenced, after: datetime) -> None:
    post = next_post_time(rule, after)
    assert after < post <= after + timedelta(days=8)
    local = post.astimezone(ZoneInfo(rule.zone))
    assert rule.posts_on(local.date())
    if local.utcoffset() == (local - timedelta(hours=3)).utcoffset():  # not right after a clock change
        assert local.time() == rule.at
    # Nothing earlier qualifies: asking from just before the post gives the same post.
    assert next_post_time(rule, post - timedelta(microseconds=1)) == post


# ------------------------------------------------------------------ catch_up


DAILY_NINE = Cadenced("daily", time(9, 0), "UTC")


def test_a_post_on_time_is_posted() -> None:
    plan = catch_up(DAILY_NINE, utc(2026, 1, 5, 9), utc(2026, 1, 5, 9))
    assert (plan.action, plan.skipped, plan.next_at) == ("post", 0, utc(2026, 1, 6, 9))


def test_a_post_less_than_two_hours_late_is_posted_once() -> None:
    plan = catch_up(DAILY_NINE, utc(2026, 1, 5, 9), utc(2026, 1, 5, 10, 59))
    assert (plan.action, plan.scheduled_for, plan.skipped) == ("post", utc(2026, 1, 5, 9), 0)


def test_a_post_two_hours_late_or_more_is_skipped() -> None:
    plan = catch_up(DAILY_NINE, utc(2026, 1, 5, 9), utc(2026, 1, 5, 11))
    assert (plan.action, plan.skipped, plan.next_at) == ("skip", 1, utc(2026, 1, 6, 9))


def test_after_days_down_only_the_latest_missed_post_can_be_sent() -> None:
    plan = catch_up(DAILY_NINE, utc(2026, 1, 2, 9), utc(2026, 1, 5, 9, 30))
    assert (plan.action, plan.scheduled_for, plan.skipped) == ("post", utc(2026, 1, 5, 9), 3)
    assert plan.next_at == utc(2026, 1, 6, 9)


@given(rules, instants, st.integers(0, 30 * 24 * 3600))
def test_catching_up_never_bursts_and_lands_in_the_future(
    rule: Cadenced, after: datetime, down_seconds: int
) -> None:
    due = next_post_time(rule, after)
    now = due + timedelta(seconds=down_seconds)
    plan = catch_up(rule, due, now)
    assert plan.next_at > now
    assert plan.scheduled_for <= now
    assert next_post_time(rule, plan.scheduled_for) == plan.next_at
    assert (plan.action == "post") == (now - plan.scheduled_for < LATE_LIMIT)


# ------------------------------------------------------------------ next_tip


def test_an_empty_pool_has_no_next_tip() -> None:
    assert next_tip([], set()) is None


@given(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=15, unique=True), st.randoms())
def test_the_rotation_posts_every_tip_once_per_cycle(pool: list[str], rng: random.Random) -> None:
    posted: set[str] = set()
    last: str | None = None
    history: list[str] = []
    for _ in range(len(pool) * 3):
        chosen = next_tip(pool, posted, last=last, draw=rng.randrange)
        assert chosen is not None
        card_id, new_cycle = chosen
        assert new_cycle == (len(posted) == len(pool))
        if new_cycle:
            posted = set()
            if len(pool) > 1:
                assert card_id != last
        assert card_id not in posted
        posted.add(card_id)
        history.append(card_id)
        last = card_id
    for cycle in range(3):
        assert sorted(history[cycle * len(pool) : (cycle + 1) * len(pool)]) == sorted(pool)


def test_a_tip_removed_from_the_pool_is_not_posted_and_a_new_one_joins_the_cycle() -> None:
    chosen = next_tip(["a", "c"], {"a", "b"}, last="b", draw=lambda n: 0)
    assert chosen == ("c", False)


# ------------------------------------------------------------------ a claimed post made again


@given(
    st.integers(0, 2**64 - 1),
    st.datetimes(
        min_value=datetime(2015, 1, 1),  # noqa: DTZ001 (hypothesis takes naive bounds)
        max_value=datetime(2059, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_a_posts_nonce_is_the_same_each_time_and_fits_discord(guild_id: int, due: datetime) -> None:
    nonce = post_nonce(guild_id, due)
    assert nonce == post_nonce(guild_id, due.astimezone(ZoneInfo("Asia/Kolkata")))
    assert 1 <= len(nonce) <= 25
    assert nonce != post_nonce(guild_id, due + timedelta(milliseconds=1))
    assert nonce != post_nonce(guild_id + 1, due)


def test_a_nonce_names_the_server_and_the_due_instant() -> None:
    assert post_nonce(36, datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)) == "t10.rs"
    assert len(post_nonce(2**63, utc(2026, 1, 1, 9))) == 23


def test_a_claimed_post_is_made_again_within_the_catch_up_window_only() -> None:
    due = utc(2026, 1, 1, 9)
    assert still_postable(due, due + LATE_LIMIT - timedelta(seconds=1))
    assert not still_postable(due, due + LATE_LIMIT)


@given(st.text(min_size=1, max_size=25), st.integers(1, 200))
def test_a_post_made_again_draws_the_same_tip(nonce: str, count: int) -> None:
    assert drawn_by(nonce)(count) == drawn_by(nonce)(count)
    assert 0 <= drawn_by(nonce)(count) < count
