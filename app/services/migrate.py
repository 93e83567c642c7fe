"""Move running cycles to another version of their definition (flask workflows migrate)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from app.models import AuditEvent, Cycle, Deliverable, Task, utcnow
from workflows import CLOSED, get_definition


@dataclass
class CycleMove:
    """One running cycle: where it is, where it would go, or why it cannot."""

    cycle_id: int
    subject: str
    from_version: int
    from_stage: str
    to_version: int
    to_stage: str | None
    refused: str | None = None


def plan_migration(session, name: str, to_version: int,
                   mapping: dict[str, str]) -> list[CycleMove]:
    """Every running cycle of `name` not yet on `to_version`, with its move or its refusal."""
    target = get_definition(name, to_version)
    for old, new in mapping.items():
        if new == CLOSED:
            raise ValueError(f"--map {old}={new}: a cycle is closed by finishing it, not by migrating")
        if new not in target.stage_names:
            raise ValueError(f"--map {old}={new}: v{to_version} of {name} has no stage {new!r}")
    cycles = session.scalars(select(Cycle).where(
        Cycle.definition_name == name, Cycle.definition_version != to_version,
        Cycle.stage != CLOSED).order_by(Cycle.id)).all()
    delivered: dict[int, set[str]] = {}
    for cycle_id, stage_name in session.execute(select(Deliverable.cycle_id, Deliverable.stage)
                                                .where(Deliverable.cycle_id.in_([c.id for c in cycles]))):
        delivered.setdefault(cycle_id, set()).add(stage_name)
    open_reviews: dict[int, list[Task]] = {}
    for task in session.scalars(select(Task).where(
            Task.cycle_id.in_([c.id for c in cycles]), Task.status == "open",
            Task.kind == "review")):
        open_reviews.setdefault(task.cycle_id, []).append(task)
    moves = []
    for cycle in cycles:
        stage = mapping.get(cycle.stage, cycle.stage)
        move = CycleMove(cycle.id, cycle.subject_name, cycle.definition_version, cycle.stage,
                         to_version, stage)
        if stage not in target.stage_names:
            move.to_stage = None
            move.refused = (f"stage {cycle.stage!r} does not exist in v{to_version}; "
                            f"map it with --map {cycle.stage}=STAGE")
        elif stage != cycle.stage and stage in delivered.get(cycle.id, set()):
            move.refused = (f"it already has a deliverable for {stage!r}; map {cycle.stage!r} "
                            "to a stage it has not reached")
        else:
            steps = len(target.stage(stage).reviews) if stage != CLOSED else 0
            for task in open_reviews.get(cycle.id, []):
                if task.step >= steps:
                    move.refused = (f"an open review is at step {task.step + 1}, but stage "
                                    f"{stage!r} has {steps} review step(s) in v{to_version}")
        moves.append(move)
    return moves


def apply_migration(session, name: str, moves: list[CycleMove],
                    now: dt.datetime | None = None) -> int:
    """Move the cycles that can move, in one transaction; history rows are only added."""
    now = now or utcnow()
    moved = 0
    for move in moves:
        if move.refused:
            continue
        session.execute(update(Cycle).where(Cycle.id == move.cycle_id)
                        .values(definition_version=move.to_version, stage=move.to_stage,
                                version=Cycle.version + 1))
        if move.to_stage != move.from_stage:
            session.execute(update(Task).where(Task.cycle_id == move.cycle_id,
                                               Task.stage == move.from_stage,
                                               Task.status == "open")
                            .values(stage=move.to_stage, version=Task.version + 1))
            session.execute(update(Deliverable).where(Deliverable.cycle_id == move.cycle_id,
                                                      Deliverable.stage == move.from_stage)
                            .values(stage=move.to_stage))
        session.add(AuditEvent(action="migrate", cycle_id=move.cycle_id, at=now,
                               from_stage=move.from_stage, to_stage=move.to_stage,
                               data={"definition": name, "from_version": move.from_version,
                                     "to_version": move.to_version}))
        moved += 1
    session.commit()
    return moved
