"""Content models: fact and tip cards, their sources, and support resources.

The constraints here are the card file format. Rule-specific errors use PydanticCustomError types
(``https-url``, ``unknown-topic``, ...) so validation can report them under their own rule name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

CardKind = Literal["fact", "tip"]

# Folder under the content root for each kind.
KIND_FOLDERS: dict[CardKind, str] = {"fact": "facts", "tip": "tips"}

# Card topics, slug → display label. The order is the order of the browse menu.
TOPICS: dict[str, str] = {
    "milk-making": "How milk is made",
    "letdown": "Letdown",
    "pumping": "Pumping",
    "leaking": "Leaking and galactorrhea",
    "induced-lactation": "Lactation in men and induced lactation",
    "feelings": "Feelings, D-MER and support",
    "health": "Medicines, health and when to see a doctor",
    "comfort": "Comfort and equipment",
}

# Resource topics, slug → display label.
RESOURCE_TOPICS: dict[str, str] = {
    "peer-support": "Peer support",
    "lactation-consultant": "Lactation consultants",
    "d-mer": "D-MER",
    "mental-health": "Mental health",
    "crisis": "Crisis lines",
    "medications": "Medicines and lactation",
    "pumping": "Pumping",
    "general": "General information",
}

GLOBAL_REGION = "global"

Contact = Literal["call", "text", "chat"]
CONTACT_KINDS: tuple[Contact, ...] = get_args(Contact)

# Buttons for related cards share one action row of five with the card's own buttons.
MAX_RELATED = 3

# ISO 3166-1 alpha-2 codes (from the tz database's iso3166.tab). "UK" is not one: it is GB.
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
    BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
    ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE
    IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU
    NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM
    SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE
    VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_REGIONS: frozenset[str] = frozenset(_ISO_CODES.split())

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
DOI_PATTERN = r"^10\.\d{4,9}/\S+$"


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content: where, which rule, and what to fix.

    Errors fail the content check; warnings are printed and let it pass.
    """

    file: str
    rule: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        label = "warning " if self.severity == "warning" else ""
        return f"{self.file}: {label}[{self.rule}] {self.message}"


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme != "https" or "." not in host or re.search(r"\s", value):
        raise PydanticCustomError("https-url", "must be an https:// URL, got '{url}'", {"url": value})
    return value


def _single_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise PydanticCustomError("single-line", "must be a single line")
    return value


def _card_topic(value: str) -> str:
    if value not in TOPICS:
        raise PydanticCustomError(
            "unknown-topic", "unknown topic '{topic}'; use one of: {allowed}", _allowed(value, TOPICS)
        )
    return value


def _resource_topic(value: str) -> str:
    if value not in RESOURCE_TOPICS:
        raise PydanticCustomError(
            "unknown-topic",
            "unknown topic '{topic}'; use one of: {allowed}",
            _allowed(value, RESOURCE_TOPICS),
        )
    return value


def _allowed(value: str, vocabulary: dict[str, str]) -> dict[str, str]:
    return {"topic": value, "allowed": ", ".join(vocabulary)}


def _region(value: str) -> str:
    if value != GLOBAL_REGION and value not in ISO_REGIONS:
        raise PydanticCustomError(
            "region-code",
            "unknown region '{region}'; use an ISO 3166 alpha-2 code such as US, GB, CA, AU, IE, or 'global'",
            {"region": value},
        )
    return value


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    for value in values:
        key = value.casefold()
        if key in seen:
            raise PydanticCustomError("duplicate-value", "'{value}' is listed twice", {"value": value})
        seen.add(key)
    return values


def _count(minimum: int, maximum: int | None = None) -> AfterValidator:
    """Check a list's length after its items validated.

    Field(min_length=...) counts only the items that passed, so one bad item in a list of one would
    also report a confusing "too short" error.
    """
    expected = f"{minimum} to {maximum}" if maximum is not None else f"at least {minimum}"

    def check(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(values) < minimum or (maximum is not None and len(values) > maximum):
            raise PydanticCustomError(
                "count",
                "must list {expected} values, not {actual}",
                {"expected": expected, "actual": len(values)},
            )
        return values

    return AfterValidator(check)


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=50)]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]
Doi = Annotated[str, StringConstraints(pattern=DOI_PATTERN)]
CardTopic = Annotated[str, AfterValidator(_card_topic)]
ResourceTopic = Annotated[str, AfterValidator(_resource_topic)]
Region = Annotated[str, AfterValidator(_region)]
Line = AfterValidator(_single_line)


class Source(BaseModel):
    """A citation; it links to its URL, or to doi.org when it only has a DOI."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, _text(300), Line]
    url: HttpsUrl | None = None
    doi: Doi | None = None

    @model_validator(mode="after")
    def _needs_a_link(self) -> Source:
        if self.url is None and self.doi is None:
            raise PydanticCustomError("source-link", "a source needs a url or a doi")
        return self

    @property
    def link(self) -> str:
        if self.url is not None:
            return self.url
        return f"https://doi.org/{self.doi}"


class Card(BaseModel):
    """A fact or tip card: front matter fields plus the Markdown body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    kind: CardKind
    title: Annotated[str, _text(80), Line]
    summary: Annotated[str, _text(100), Line]
    aliases: Annotated[
        tuple[Annotated[str, _text(50), Line], ...], _count(0, 10), AfterValidator(_unique)
    ] = ()
    topics: Annotated[tuple[CardTopic, ...], _count(1, 3), AfterValidator(_unique)]
    sources: Annotated[tuple[Source, ...], _count(1, 8)]
    reviewed: date
    sensitive: bool = False
    # Cards whose subject needs medical words may read above the grade limit (validation).
    technical: bool = False
    # Ids of cards to offer under this one; the content check rejects ids that do not exist.
    related: Annotated[tuple[Slug, ...], _count(0, MAX_RELATED), AfterValidator(_unique)] = ()
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a member may look this card up by."""
        return (self.id, self.title, *self.aliases)


class ContactNumber(BaseModel):
    """One number of a helpline and what it accepts: calls, texts, chat (e.g. a messaging app)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: Annotated[str, _text(30), Line]
    accepts: Annotated[tuple[Contact, ...], _count(1, len(CONTACT_KINDS)), AfterValidator(_unique)]
    # The word to send, for text lines that ask for one ("text SHOUT to 85258").
    keyword: Annotated[str, _text(20), Line] | None = None
    # What sets this number apart from the line's others, e.g. the language it answers in.
    note: Annotated[str, _text(40), Line] | None = None

    @model_validator(mode="after")
    def _keyword_needs_text(self) -> ContactNumber:
        if self.keyword is not None and self.accepts != ("text",):
            raise PydanticCustomError(
                "text-keyword", "a keyword belongs to a text-only number; list calls on a number of their own"
            )
        return self

    @property
    def takes_calls(self) -> bool:
        return "call" in self.accepts

    @property
    def takes_texts(self) -> bool:
        return "text" in self.accepts

    @property
    def text_target(self) -> str:
        """What to text: the number, with its keyword and note ("HOME to 741741")."""
        target = f"{self.keyword} to {self.number}" if self.keyword else self.number
        return f"{target} ({self.note})" if self.note else target


class Resource(BaseModel):
    """A support organisation or helpline from resources.yaml.

    ``verified`` is the date someone last confirmed the entry on ``verified_from``, the organisation's
    own page. Both are optional here so the content check can name a missing one under its own rule.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: Annotated[str, _text(80), Line]
    url: HttpsUrl
    description: Annotated[str, _text(100), Line]
    topics: Annotated[tuple[ResourceTopic, ...], _count(1), AfterValidator(_unique)]
    regions: Annotated[tuple[Region, ...], _count(1), AfterValidator(_unique)]
    numbers: tuple[ContactNumber, ...] = ()
    hours: Annotated[str, _text(80), Line] | None = None
    verified: date | None = None
    verified_from: HttpsUrl | None = None

    def serves(self, region: str) -> bool:
        """Whether this resource is relevant to someone in ``region`` (global ones always are)."""
        return GLOBAL_REGION in self.regions or region.upper() in self.regions

    @property
    def phone(self) -> str | None:
        """The numbers that take calls, joined with "or" (None without one)."""
        numbers = [number.number for number in self.numbers if number.takes_calls]
        return " or ".join(numbers) or None

    @property
    def text(self) -> str | None:
        """How to reach the line by text ("text HOME to 741741"), None when no number takes texts."""
        targets = [number.text_target for number in self.numbers if number.takes_texts]
        return "text " + " or ".join(targets) if targets else None
