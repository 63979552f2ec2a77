"""The guided letdown routine behind `/letdown`: pure data and the rules for moving through it.

Each step is drawn from one or more tip cards in `content/tips/` and names them, so a member can open the
full tip with `/tip <id>`. The routine is checked against the content library when the letdown cog loads
(`check_routine`): every referenced tip exists, durations are 1-10 minutes, there are 4-6 steps.

Nothing here knows about the user: the step a member is on travels in the button's custom_id, so the
routine is stateless and nothing about anyone is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.clock import require_aware
from bot.content.loader import ContentLibrary

Action = Literal["back", "next", "done"]
ACTIONS: tuple[Action, ...] = ("back", "next", "done")

MIN_STEPS = 4
MAX_STEPS = 6
MIN_MINUTES = 1
MAX_MINUTES = 10

# Leaves room in the embed description (4096) and keeps each step readable on a phone.
MAX_INSTRUCTION_LENGTH = 600
MAX_TITLE_LENGTH = 60

# The warmth step must keep this caution (checked case-insensitively by `routine_problems`).
HEAT_CAUTION = "always test the heat"


@dataclass(frozen=True, slots=True)
class LetdownStep:
    """One step: a short instruction in our own words, a suggested duration, and the tips it comes from.

    ``tips[0]`` is the tip the step is drawn from; any others are related tips worth opening.
    """

    key: str
    title: str
    instruction: str
    minutes: int
    tips: tuple[str, ...]

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    @property
    def tip(self) -> str:
        return self.tips[0]


ROUTINE: tuple[LetdownStep, ...] = (
    LetdownStep(
        key="warm",
        title="Warm up",
        instruction=(
            "If your breast or chest is swollen, sore or red, skip the warmth: a cool pack helps swelling "
            "more. Otherwise, lay a warm, damp cloth there for a minute or two just before you start, or "
            "stand under a warm shower. **Always test the heat on your inner wrist first**: warm, not hot. "
            "Stop if the skin turns red or it stings."
        ),
        minutes=2,
        tips=("warmth",),
    ),
    LetdownStep(
        key="massage",
        title="Gentle massage",
        instruction=(
            "With clean hands, stroke from the outer edge toward the nipple, working all the way round. "
            "Flat fingers or small circles both work. Keep it gentle: it should never hurt. "
            "If someone is with you, a slow rub of your back or shoulders can help you unwind too."
        ),
        minutes=2,
        tips=("breast-massage", "spine-walk"),
    ),
    LetdownStep(
        key="nipple",
        title="Nipple stimulation",
        instruction=(
            "Gently stroke, roll or lightly pull the nipple between your fingers. If the area around it "
            "feels tight and swollen, rest your fingertips in a ring around the base of the nipple and "
            "press gently inward for a minute or so. Stop if it hurts. If you are pregnant, check with your "
            "midwife or doctor before this step."
        ),
        minutes=1,
        tips=("nipple-stimulation",),
    ),
    LetdownStep(
        key="relax",
        title="Relax and think of your baby",
        instruction=(
            "Drop your shoulders, unclench your jaw, and breathe slowly: in through your nose, then a "
            "slightly longer breath out. Picture your baby, or look at a photo or video, play a recording "
            "of their sounds, or smell something they have worn. If missing your baby makes it harder, "
            "put on a show or music instead. Either is fine."
        ),
        minutes=2,
        tips=("relaxation", "baby-cues"),
    ),
    LetdownStep(
        key="begin",
        title="Begin",
        instruction=(
            "Start feeding or pumping. Cover the bottles if watching every drop makes you tense. When the "
            "flow slows, gently compress the areas that still feel full. Doing the same steps in the same "
            "order each time can help your body learn the cue, and skipping a step is fine."
        ),
        minutes=10,
        tips=("hands-on-pumping", "conditioning-routine"),
    ),
)


class RoutineError(ValueError):
    """The routine does not fit the rules or the content library; ``problems`` lists every issue."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"the /letdown routine has {len(self.problems)} problem(s):\n{listing}")


def routine_problems(routine: Sequence[LetdownStep], library: ContentLibrary) -> list[str]:
    """Every way ``routine`` breaks the rules or refers to a tip the library does not have."""
    problems: list[str] = []
    if not MIN_STEPS <= len(routine) <= MAX_STEPS:
        problems.append(f"the routine has {len(routine)} steps; it needs {MIN_STEPS} to {MAX_STEPS}")
    seen: set[str] = set()
    for number, step in enumerate(routine, start=1):
        where = f"step {number} ({step.key})"
        if step.key in seen:
            problems.append(f"{where}: the key {step.key!r} is used by an earlier step")
        seen.add(step.key)
        if not MIN_MINUTES <= step.minutes <= MAX_MINUTES:
            problems.append(f"{where}: {step.minutes} minutes is outside {MIN_MINUTES}-{MAX_MINUTES} minutes")
        if not step.title.strip() or len(step.title) > MAX_TITLE_LENGTH:
            problems.append(f"{where}: the title must be 1-{MAX_TITLE_LENGTH} characters")
        if not step.instruction.strip() or len(step.instruction) > MAX_INSTRUCTION_LENGTH:
            problems.append(f"{where}: the instruction must be 1-{MAX_INSTRUCTION_LENGTH} characters")
        if not step.tips:
            problems.append(f"{where}: a step must name the tip it is drawn from")
        if len(set(step.tips)) != len(step.tips):
            problems.append(f"{where}: a tip is named twice")
        for tip_id in step.tips:
            card = library.get(tip_id)
            if card is None:
                problems.append(f"{where}: no tip with id {tip_id!r} in content/tips/")
            elif card.kind != "tip":
                problems.append(f"{where}: {tip_id!r} is a {card.kind}, not a tip")
        if "warmth" in step.tips and HEAT_CAUTION not in step.instruction.casefold():
            problems.append(f"{where}: the warmth step must say to {HEAT_CAUTION} first")
    return problems


def check_routine(library: ContentLibrary, routine: Sequence[LetdownStep] = ROUTINE) -> None:
    """Raise RoutineError when the routine has any problem."""
    problems = routine_problems(routine, library)
    if problems:
        raise RoutineError(problems)


def clamp_step(number: int, routine: Sequence[LetdownStep] = ROUTINE) -> int:
    """A 1-based step number forced into the routine, e.g. from a button made by an older version."""
    return max(1, min(number, len(routine)))


def step_at(number: int, routine: Sequence[LetdownStep] = ROUTINE) -> LetdownStep:
    """The step with this 1-based number (clamped into the routine)."""
    return routine[clamp_step(number, routine) - 1]


def move(number: int, action: Action, routine: Sequence[LetdownStep] = ROUTINE) -> int | None:
    """The step to show after pressing ``action`` on step ``number``; None when the routine is done."""
    current = clamp_step(number, routine)
    if action == "back":
        return clamp_step(current - 1, routine)
    if action == "next":
        return clamp_step(current + 1, routine)
    return None


def is_last(number: int, routine: Sequence[LetdownStep] = ROUTINE) -> bool:
    return clamp_step(number, routine) == len(routine)


def ends_at(step: LetdownStep, now: datetime) -> datetime:
    """When the step's suggested time is up, counted from ``now`` (when the step is shown)."""
    return require_aware(now) + step.duration


def unix_seconds(instant: datetime) -> int:
    """Whole Unix seconds, as Discord timestamps (``<t:UNIX:R>``) want them."""
    return int(require_aware(instant).timestamp())
