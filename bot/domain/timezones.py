"""IANA time zones: what members type ("London", "new york", "Asia/Kolkata") and what autocomplete offers.

Pure functions over the tz database shipped with Python or the `tzdata` package. Used by `/pump`
(reminders), `/curate settings` and `/curate schedule`. Only places are accepted (Area/City names, and
UTC): `localtime`, `Factory`, `Etc/GMT+5` and the like are not a place, and some depend on the host.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.errors import Refusal, Typed
from bot.limits import LIST_LIMIT

# Longer than any zone name or city anyone types (the longest IANA name has 32 characters).
MAX_ZONE_INPUT = 64
_NOT_PLACES = ("Etc/", "SystemV/")

# Cities people name that are not the name of their zone.
_CITY_ALIASES: dict[str, str] = {
    "uk": "Europe/London",
    "britain": "Europe/London",
    "england": "Europe/London",
    "manchester": "Europe/London",
    "birmingham": "Europe/London",
    "edinburgh": "Europe/London",
    "glasgow": "Europe/London",
    "cardiff": "Europe/London",
    "belfast": "Europe/London",
    "ireland": "Europe/Dublin",
    "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "milan": "Europe/Rome",
    "barcelona": "Europe/Madrid",
    "geneva": "Europe/Zurich",
    "kiev": "Europe/Kyiv",
    "india": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "china": "Asia/Shanghai",
    "japan": "Asia/Tokyo",
    "osaka": "Asia/Tokyo",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "portland": "America/Los_Angeles",
    "san diego": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "philadelphia": "America/New_York",
    "atlanta": "America/New_York",
    "miami": "America/New_York",
    "houston": "America/Chicago",
    "dallas": "America/Chicago",
    "austin": "America/Chicago",
    "minneapolis": "America/Chicago",
    "salt lake city": "America/Denver",
    "montreal": "America/Toronto",
    "ottawa": "America/Toronto",
    "calgary": "America/Edmonton",
    "canberra": "Australia/Sydney",
    "wellington": "Pacific/Auckland",
    "new zealand": "Pacific/Auckland",
    "cape town": "Africa/Johannesburg",
    "south africa": "Africa/Johannesburg",
}


class UnknownZoneError(Refusal):
    def __init__(self, text: str) -> None:
        super().__init__("zone.unknown", typed=Typed(text.strip()))


def is_place(name: str) -> bool:
    """An Area/City zone (or UTC): somewhere a person lives, the same on every host."""
    return name == "UTC" or ("/" in name and not name.startswith(_NOT_PLACES))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.replace("_", " ").replace("-", " ").split())


@cache
def _zones() -> dict[str, str]:
    """Folded IANA name → canonical name, for every place the tz database has."""
    return {_fold(name): name for name in available_timezones() if is_place(name)}


@cache
def _suggestable() -> tuple[tuple[str, str, str], ...]:
    """(folded name, folded city, canonical name) for the zones worth offering: Area/City, and UTC."""
    found = []
    for name in sorted(available_timezones()):
        area, _, city = name.partition("/")
        if name == "UTC" or (
            city and area not in {"Etc", "SystemV", "US", "Brazil", "Canada", "Chile", "Mexico"}
        ):
            found.append((_fold(name), _fold(name.rsplit("/", 1)[-1]), name))
    return tuple(found)


@cache
def _cities() -> dict[str, str]:
    """Folded city → zone, from zone names ("new york" → America/New_York) and the aliases above."""
    cities = {city: name for _folded, city, name in _suggestable()}
    cities.update(_CITY_ALIASES)
    return cities


def resolve_zone(text: str) -> str:
    """The canonical IANA name for what a member typed; `UnknownZoneError` says what is accepted."""
    if len(text) > MAX_ZONE_INPUT:
        raise UnknownZoneError(text)
    folded = _fold(text)
    if not folded:
        raise UnknownZoneError(text.strip())
    name = _zones().get(folded) or _cities().get(folded)
    if name is None:
        raise UnknownZoneError(text.strip())
    ZoneInfo(name)  # present in the database: available_timezones() listed it
    return name


def zone_choices(current: str, limit: int = LIST_LIMIT) -> list[tuple[str, str]]:
    """(label, zone) pairs for autocomplete: exact names and cities first, then prefixes, then the rest."""
    folded = _fold(current[:MAX_ZONE_INPUT])
    if not folded:
        popular = (
            "Europe/London",
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "Europe/Berlin",
            "Asia/Kolkata",
            "Australia/Sydney",
            "UTC",
        )
        return [(name, name) for name in popular][:limit]
    ranked: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for city, name in _cities().items():
        if city == folded or (len(folded) >= 3 and city.startswith(folded) and city in _CITY_ALIASES):
            label = name if _fold(name.rsplit("/", 1)[-1]) == city else f"{city.title()} ({name})"
            ranked.append((0 if city == folded else 1, label, name))
    for full, city, name in _suggestable():
        if full.startswith(folded) or city.startswith(folded):
            ranked.append((1, name, name))
        elif folded in full:
            ranked.append((2, name, name))
    choices: list[tuple[str, str]] = []
    for _rank, label, name in sorted(ranked):
        if name in seen:
            continue
        seen.add(name)
        choices.append((label, name))
        if len(choices) == limit:
            break
    return choices
