"""What changed between two versions of a definition, in lines a person can read."""
from __future__ import annotations

from workflows.model import Definition, Field, Stage


def _fields(form: tuple[Field, ...]) -> dict[str, Field]:
    return {f.name: f for f in form}


def _field_changes(stage: str, old: Field, new: Field) -> list[str]:
    out = []
    if old.type != new.type:
        out.append(f"  stage {stage}: field {new.name} type {old.type} → {new.type}")
    if old.required != new.required:
        out.append(f"  stage {stage}: field {new.name} "
                   f"{'now required' if new.required else 'now optional'}")
    if old.choices != new.choices:
        out.append(f"  stage {stage}: field {new.name} choices "
                   f"{[c[0] for c in old.choices]} → {[c[0] for c in new.choices]}")
    old_cols, new_cols = _fields(old.columns), _fields(new.columns)
    for name in sorted(new_cols.keys() - old_cols.keys()):
        out.append(f"  stage {stage}: field {new.name} gains column {name}")
    for name in sorted(old_cols.keys() - new_cols.keys()):
        out.append(f"  stage {stage}: field {new.name} loses column {name}")
    for name in sorted(old_cols.keys() & new_cols.keys()):
        out += _field_changes(stage, old_cols[name], new_cols[name])
    return out


def _timer(stage: Stage) -> str:
    if stage.timer is None:
        return "none"
    return f"{stage.timer.plan_field} ({stage.timer.days_before_period_end} days before the period ends)"


def _stage_changes(old: Stage, new: Stage) -> list[str]:
    out = []
    if old.label != new.label:
        out.append(f"  stage {new.name}: label {old.label!r} → {new.label!r}")
    def step(r):
        return f"{r.role}@{r.tier}" + (" (all)" if r.mode == "all" else "")
    chain = [step(r) for r in old.reviews], [step(r) for r in new.reviews]
    if chain[0] != chain[1]:
        out.append(f"  stage {new.name}: review chain {' → '.join(chain[0]) or '(none)'} "
                   f"⇒ {' → '.join(chain[1]) or '(none)'}")
    if old.timer != new.timer:
        out.append(f"  stage {new.name}: timer {_timer(old)} → {_timer(new)}")
    if old.fill_days != new.fill_days:
        out.append(f"  stage {new.name}: fill-in days {old.fill_days} → {new.fill_days}")
    old_fields, new_fields = _fields(old.form), _fields(new.form)
    for name in sorted(new_fields.keys() - old_fields.keys()):
        out.append(f"  stage {new.name}: new field {name} ({new_fields[name].type})")
    for name in sorted(old_fields.keys() - new_fields.keys()):
        out.append(f"  stage {new.name}: field {name} removed")
    for name in sorted(old_fields.keys() & new_fields.keys()):
        out += _field_changes(new.name, old_fields[name], new_fields[name])
    return out


def diff(old: Definition, new: Definition) -> list[str]:
    """Every difference from `old` to `new`; an empty list when they run the same."""
    out = []
    if old.stage_names != new.stage_names:
        out.append(f"stages: {' → '.join(old.stage_names)}")
        out.append(f"     ⇒  {' → '.join(new.stage_names)}")
    old_names, new_names = {s.name for s in old.stages}, {s.name for s in new.stages}
    for name in [s.name for s in new.stages if s.name not in old_names]:
        out.append(f"+ stage {name}")
    for name in [s.name for s in old.stages if s.name not in new_names]:
        out.append(f"- stage {name}")
    for stage in new.stages:
        if stage.name in old_names:
            out += _stage_changes(old.stage(stage.name), stage)
    if old.owner_role != new.owner_role:
        out.append(f"owner role {old.owner_role} → {new.owner_role}")
    rules = ({(r.key, r.offset_days, r.tier) for r in old.reminders},
             {(r.key, r.offset_days, r.tier) for r in new.reminders})
    for key, offset, tier in sorted(rules[1] - rules[0]):
        out.append(f"+ reminder {key}: {offset:+d} days, tier {tier}")
    for key, offset, tier in sorted(rules[0] - rules[1]):
        out.append(f"- reminder {key}: {offset:+d} days, tier {tier}")
    return out
