"""Time zones: only places are accepted, whatever the host's tz database also holds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.timezones import MAX_ZONE_INPUT, UnknownZoneError, is_place, resolve_zone, zone_choices


@pytest.mark.parametrize("typed", ["localtime", "Factory", "Etc/GMT+5", "posixrules", "EST5EDT", "Zulu"])
def test_zones_that_are_not_a_place_are_refused(typed: str) -> None:
    with pytest.raises(UnknownZoneError):
        resolve_zone(typed)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("london", "Europe/London"),
        ("New York", "America/New_York"),
        ("UTC", "UTC"),
        ("Sydney", "Australia/Sydney"),
    ],
)
def test_places_are_found(typed: str, zone: str) -> None:
    assert resolve_zone(typed) == zone


def test_a_very_long_name_is_refused_without_looking_it_up() -> None:
    with pytest.raises(UnknownZoneError):
        resolve_zone("Europe/London" + " " * (MAX_ZONE_INPUT + 1))


@given(st.text(max_size=200))
def test_autocomplete_offers_only_places(typed: str) -> None:
    assert all(is_place(zone) for _label, zone in zone_choices(typed))
