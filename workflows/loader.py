"""Read cycle definitions from TOML files and check them before anything runs.

A broken definition stops start-up with a message naming the file, the line, the definition
and what is wrong: an unknown or unreachable stage, a loop in the transitions, a role or
reviewer that does not exist, a field that is not declared.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from workflows.model import (
    CLOSED, FIELD_TYPES, PERIODS, PLAN_FIELDS, ROLES, SUBJECTS, TIERS, Definition, Field,
    ReminderRule, ReviewStep, Stage, Timer,
)

DEFINITIONS_DIR = Path(__file__).parent / "definitions"


class DefinitionError(Exception):
    """A definition that cannot run, with where and why."""

    def __init__(self, source: str, line: int, definition: str, message: str):
        super().__init__(f"{source}:{line}: definition {definition}: {message}")
        self.source, self.line, self.definition = source, line, definition


class _Lines:
    """Finds the line of a table header, or of a key inside the n-th [[stages]] table."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def header(self, header: str, nth: int = 0) -> int:
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            if line.strip() == header:
                seen += 1
                if seen == nth:
                    return number
        return 1

    def key(self, key: str, after: int = 0) -> int:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number, line in enumerate(self.lines[after:], start=after + 1):
            if after and number > after and line.startswith("["):
                break  # the next table starts; the key is not in this one
            if pattern.match(line):
                return number
        return after or 1


def load_file(path: Path) -> Definition:
    text = path.read_text(encoding="utf-8")
    return load_text(text, path.name)


def load_text(text: str, source: str = "<definition>") -> Definition:
    """Parse and check one definition; raise DefinitionError on the first problem."""
    lines = _Lines(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise DefinitionError(source, int(match.group(1)) if match else 1, "?",
                              f"not valid TOML ({exc})") from None
    name = f"{data.get('name', '?')} v{data.get('version', '?')}"

    def fail(line: int, message: str):
        raise DefinitionError(source, line, name, message)

    for key in ("name", "version", "level", "label", "owner_role", "stages"):
        if key not in data:
            fail(1, f"'{key}' is missing")
    if data["owner_role"] not in ROLES:
        fail(lines.key("owner_role"), f"owner_role {data['owner_role']!r} is not a known role")
    subject = data.get("subject", data["level"])
    if subject not in SUBJECTS:
        fail(lines.key("subject"), f"subject {subject!r} is not one of {sorted(SUBJECTS)}")
    period = data.get("period", "year")
    if period not in PERIODS:
        fail(lines.key("period"), f"period {period!r} is not one of {sorted(PERIODS)}")

    reviewers = {key: _reviewer(key, value, lines, fail)
                 for key, value in data.get("reviewers", {}).items()}
    fields = {key: _field(key, value, lines.header(f"[fields.{key}]"), fail)
              for key, value in data.get("fields", {}).items()}

    raw_stages = data["stages"]
    if not raw_stages:
        fail(lines.key("stages"), "there are no stages")
    stages: dict[str, tuple[Stage, str, int]] = {}
    for index, raw in enumerate(raw_stages):
        at = lines.header("[[stages]]", index)
        stage_name = raw.get("name")
        if not stage_name:
            fail(at, "a stage has no name")
        if stage_name == CLOSED or stage_name in stages:
            fail(lines.key("name", at), f"stage name {stage_name!r} is used twice or reserved")
        default_next = raw_stages[index + 1].get("name") if index + 1 < len(raw_stages) else CLOSED
        stages[stage_name] = (_stage(raw, reviewers, fields, lines, at, fail),
                              raw.get("next", default_next), at)

    order = _walk(stages, raw_stages[0]["name"], lines, fail)
    reminders = tuple(_reminder(raw, lines.header("[[reminders]]", i), fail)
                      for i, raw in enumerate(data.get("reminders", [])))
    try:
        return Definition(name=data["name"], version=int(data["version"]), level=data["level"],
                          label=data["label"], owner_role=data["owner_role"],
                          stages=tuple(stages[s][0] for s in order), reminders=reminders,
                          review_days=int(data.get("review_days", 5)), subject=subject,
                          period=period, spiral=bool(data.get("spiral", True)))
    except (TypeError, ValueError) as exc:
        fail(1, str(exc))


def _walk(stages, first: str, lines: _Lines, fail) -> list[str]:
    """Follow `next` from the first stage to closed: no unknown target, no loop, nothing left out."""
    order: list[str] = []
    current = first
    while current != CLOSED:
        stage, target, at = stages[current]
        order.append(current)
        if target != CLOSED and target not in stages:
            fail(lines.key("next", at), f"stage {current!r} goes next to unknown stage {target!r}")
        if target in order:
            fail(lines.key("next", at), f"stage {current!r} goes back to {target!r}: "
                                        "the transitions loop and never reach closed")
        current = target
    for stage_name, (_stage_obj, _target, at) in stages.items():
        if stage_name not in order:
            fail(at, f"stage {stage_name!r} is unreachable from {first!r}")
    return order


def _reviewer(key, raw, lines: _Lines, fail) -> ReviewStep:
    at = lines.header(f"[reviewers.{key}]")
    role = raw.get("role")
    if role not in ROLES:
        fail(lines.key("role", at), f"reviewer {key!r} names role {role!r}, which does not exist")
    tier = raw.get("tier", "")
    if tier not in TIERS and not (tier.startswith("unit:") and len(tier) > 5):
        fail(lines.key("tier", at), f"reviewer {key!r} has unknown tier {tier!r}")
    mode = raw.get("mode", "any")
    if mode not in ("any", "all"):
        fail(lines.key("mode", at), f"reviewer {key!r} has mode {mode!r}; use 'any' or 'all'")
    return ReviewStep(role=role, tier=tier, label=raw.get("label", key), mode=mode)


def _field(key, raw, at: int, fail) -> Field:
    try:
        columns = tuple(_field(c.get("name", "?"), c, at, fail) for c in raw.get("columns", []))
        return Field(name=raw.get("name", key), label=raw.get("label", key),
                     type=raw.get("type", "text"), required=raw.get("required", True),
                     choices=tuple(tuple(c) for c in raw.get("choices", [])), columns=columns,
                     multiline=raw.get("multiline", False))
    except (TypeError, ValueError) as exc:
        fail(at, f"field {key!r}: {exc} (types: {', '.join(FIELD_TYPES)})")


def _stage(raw, reviewers, fields, lines: _Lines, at: int, fail) -> Stage:
    name = raw["name"]
    form = []
    for field_name in raw.get("fields", []):
        if field_name not in fields:
            fail(lines.key("fields", at), f"stage {name!r} uses undeclared field {field_name!r}")
        form.append(fields[field_name])
    if not form:
        fail(at, f"stage {name!r} has no fields")
    reviews = []
    for reviewer in raw.get("reviews", []):
        if reviewer not in reviewers:
            fail(lines.key("reviews", at), f"stage {name!r} names unknown reviewer {reviewer!r}")
        reviews.append(reviewers[reviewer])
    timer = None
    if "timer" in raw:
        plan = raw["timer"].get("plan")
        if plan not in PLAN_FIELDS:
            fail(lines.key("timer", at), f"stage {name!r} waits for unknown plan date {plan!r}")
        timer = Timer(plan, int(raw["timer"].get("days_before_period_end", 0)))
    return Stage(name=name, label=raw.get("label", name), form=tuple(form),
                 reviews=tuple(reviews), fill_days=int(raw.get("fill_days", 14)), timer=timer)


def _reminder(raw, at: int, fail) -> ReminderRule:
    try:
        rule = ReminderRule(key=raw["key"], offset_days=int(raw["offset_days"]),
                            tier=int(raw["tier"]), hour=int(raw.get("hour", 9)))
    except (KeyError, TypeError, ValueError) as exc:
        fail(at, f"reminder needs key, offset_days and tier ({exc})")
    if rule.tier not in (0, 1, 2):
        fail(at, f"reminder {rule.key!r} has tier {rule.tier}; tiers are 0, 1 and 2")
    return rule


def load_all(directory: Path = DEFINITIONS_DIR) -> list[Definition]:
    return [load_file(path) for path in sorted(directory.glob("*.toml"))]
