"""The vocabulary of a cycle definition: stages, forms, review chains, timers, reminders."""
from __future__ import annotations

from dataclasses import dataclass, field

CLOSED = "closed"

#: Roles a definition may name (as owner or reviewer).
ROLES = frozenset({"admin", "committee_chair", "committee", "quality_office", "unit_leader",
                   "unit_deputy", "major_lead", "course_lead", "teacher", "counselor", "staff"})
#: Where a review step's candidate group sits, relative to the cycle's unit.
TIERS = frozenset({"college", "department", "major"})
#: The cycle's planned dates a timer may wait for.
PLAN_FIELDS = frozenset({"monitor_at", "diagnose_at"})
SUBJECTS = frozenset({"college", "department", "office", "major", "course", "teacher", "class"})
PERIODS = frozenset({"year", "term"})

FIELD_TYPES = ("text", "number", "date", "choice", "table")


def N_(message: str) -> str:
    """Mark a string for translation; the app translates it when shown."""
    return message


@dataclass(frozen=True)
class Field:
    """One typed field of a stage's deliverable form."""

    name: str
    label: str
    type: str = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    columns: tuple["Field", ...] = ()
    multiline: bool = False

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"field {self.name}: a choice field needs choices")
        if self.type == "table" and not self.columns:
            raise ValueError(f"field {self.name}: a table field needs columns")


@dataclass(frozen=True)
class ReviewStep:
    """One approval in a stage's review chain: a role held at a tier above the cycle's unit.

    `tier` names where the candidate group sits: "major" is the cycle's major, "department"
    the cycle unit's department (系部) or office, "college" the root of the org tree, and
    "unit:CODE" one named unit (e.g. 人事处). `mode` says who decides when several people
    hold the role there: "any" (one task offered to the group; whoever takes it decides) or
    "all" (each of them gets a task; the step passes when every one has approved, and one
    return sends the report back).
    """

    role: str
    tier: str
    label: str
    mode: str = "any"


@dataclass(frozen=True)
class Timer:
    """A time-boxed stage: the scheduler moves the cycle on at the cycle's planned date."""

    plan_field: str
    days_before_period_end: int


@dataclass(frozen=True)
class Stage:
    """One stage of the big loop (目标, 标准, …) with its deliverable and review chain."""

    name: str
    label: str
    form: tuple[Field, ...]
    reviews: tuple[ReviewStep, ...]
    fill_days: int = 14
    timer: Timer | None = None

    @property
    def is_timed(self) -> bool:
        return self.timer is not None


@dataclass(frozen=True)
class ReminderRule:
    """Send a reminder `offset_days` from a task's due date (negative: before it) to a tier.

    Tier 0 is the assignee (or candidate group), 1 the unit leader, 2 the quality office.
    """

    key: str
    offset_days: int
    tier: int
    hour: int = 9


@dataclass(frozen=True)
class Definition:
    """A versioned cycle template: the ordered stages of one level's spiral."""

    name: str
    version: int
    level: str
    label: str
    owner_role: str
    stages: tuple[Stage, ...]
    reminders: tuple[ReminderRule, ...]
    review_days: int = 5
    subject: str = "major"  # what one cycle is about: college, major, course, teacher or class
    period: str = "year"  # the period one cycle spans: year or term
    #: A turn of a subject's spiral (the five levels): closing it opens the next period's turn.
    #: A report's cycle is no spiral: it ends where it ends.
    spiral: bool = True
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"definition {self.name}: duplicate stage names")
        if CLOSED in names:
            raise ValueError(f"definition {self.name}: '{CLOSED}' is reserved")
        self._index.update({s.name: i for i, s in enumerate(self.stages)})

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]

    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages] + [CLOSED]

    def stage(self, name: str) -> Stage:
        try:
            return self.stages[self._index[name]]
        except KeyError:
            raise KeyError(f"definition {self.name}: no stage {name!r}") from None

    def next_stage_name(self, name: str) -> str:
        i = self._index[name] + 1
        return self.stages[i].name if i < len(self.stages) else CLOSED

    def position(self, name: str) -> int:
        """Index of a stage in the loop; CLOSED comes after the last stage."""
        return len(self.stages) if name == CLOSED else self._index[name]
