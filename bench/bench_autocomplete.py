"""Autocomplete for /tip and /fact, server-side: ranking the library plus 5,000 synthetic server tips.

What a keystroke costs the bot: `ranking.choices(index, typed)`, the call the autocomplete callbacks
make, with the index already built (the catalog builds it once per card list). The synthetic tips use
the library's own body vocabulary plus a made-up word each (names, brands), so the vocabulary is about
as varied as a busy server's; typed inputs cover empty text, single letters, whole words, typos,
several words, a sentence and 100 characters of noise.
"""

from __future__ import annotations

import random
import re
import time
from datetime import date

from bench.harness import Result, measure, summarise
from bot.catalog.service import FEATURED_FACTS, FEATURED_TIPS
from bot.config import Settings
from bot.content.loader import ContentLibrary, load_library
from bot.content.models import Card, Source
from bot.content.ranking import CardIndex, choices

SERVER_TIPS = 5_000
ROUNDS = 40  # passes over the inputs; each pass times every input once
TARGET_MS = 5.0

TYPED = (
    "",
    "l",
    "le",
    "let",
    "letd",
    "letdown",
    "letdwon",
    "galactorea",
    "dmer",
    "warm",
    "warm compres",
    "brest masage",
    "hands on pumping",
    "nipel",
    "flange fit",
    "milk",
    "the",
    "how do i get my milk to let down faster when pumping",
    "zzzz",
    "qwertyuiop" * 10,
)

_SYLLABLES = ("ka", "lo", "mi", "ra", "ne", "su", "ti", "vo", "pa", "le", "dor", "ish", "ton", "bel")


def _made_up_word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def synthetic_tips(library: ContentLibrary, count: int = SERVER_TIPS, seed: int = 5000) -> list[Card]:
    """``count`` server tips: 3 to 7 title words, up to 3 aliases, a summary of 8 to 14 words."""
    rng = random.Random(seed)  # noqa: S311 (test data, not security)
    words = sorted({word for card in library.cards for word in re.findall(r"[a-z]{3,}", card.body.lower())})
    source = Source(title="Shared by this server's moderators", url="https://example.org/server-tips")
    tips = []
    for number in range(count):
        title_words = [rng.choice(words) for _ in range(rng.randint(2, 6))] + [_made_up_word(rng)]
        rng.shuffle(title_words)
        aliases = {
            " ".join(rng.choice(words) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(0, 3))
        }
        summary = " ".join(rng.choice(words) for _ in range(rng.randint(8, 14)))
        tips.append(
            Card(
                id=f"server-tip-{number}",
                kind="tip",
                title=" ".join(title_words).capitalize()[:80],
                summary=summary[:100].strip(),
                aliases=tuple(sorted(aliases)),
                topics=("letdown",),
                sources=(source,),
                reviewed=date(2026, 1, 1),
                body="A synthetic server tip.",
            )
        )
    return tips


def _keystrokes(index: CardIndex) -> list[float]:
    timings: list[float] = []
    for typed in TYPED * 2:  # warm-up
        choices(index, typed)
    for _ in range(ROUNDS):
        for typed in TYPED:
            start = time.perf_counter()
            choices(index, typed)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def _worst_input(index: CardIndex) -> tuple[str, list[float]]:
    per_input = {}
    for typed in TYPED:
        timings = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            choices(index, typed)
            timings.append((time.perf_counter() - start) * 1000)
        per_input[typed] = sorted(timings)
    worst = max(per_input, key=lambda typed: per_input[typed][-1])
    return worst, per_input[worst]


def run() -> list[Result]:
    library = load_library(Settings(_env_file=None).content_dir)
    server_tips = synthetic_tips(library)
    all_tips = [*library.tips, *server_tips]

    build = measure(
        f"autocomplete: build tip index ({len(all_tips)} tips)",
        lambda: CardIndex(all_tips, featured=FEATURED_TIPS),
        runs=5,
        p99_target_ms=None,
    )
    tips = CardIndex(all_tips, featured=FEATURED_TIPS)
    facts = CardIndex(library.facts, featured=FEATURED_FACTS)
    worst, worst_timings = _worst_input(tips)
    label = worst if len(worst) <= 24 else worst[:21] + "..."
    return [
        summarise(f"autocomplete /tip, library + {SERVER_TIPS:,} server tips", _keystrokes(tips), TARGET_MS),
        summarise(f"autocomplete /tip, slowest input {label!r}", worst_timings, TARGET_MS),
        summarise("autocomplete /fact, library", _keystrokes(facts), TARGET_MS),
        measure(
            f"did-you-mean, library + {SERVER_TIPS:,} server tips",
            lambda: tips.closest("warm flannel compress"),
            runs=200,
            p99_target_ms=TARGET_MS,
        ),
        build,
    ]
