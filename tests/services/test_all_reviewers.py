"""A review step configured as "all must approve": a task per member, one return decides."""
import pytest
from sqlalchemy import select

from app import access
from app.extensions import db
from app.models import Cycle, Task
from app.services import cycles as service
from tests import builders
from tests.builders import TARGETS, open_task
from tests.services.test_concurrency import _race
from workflows import registry
from workflows.loader import DEFINITIONS_DIR, load_text


def committee_version() -> str:
    """Major v3: the department's whole leadership (all its unit leaders) approves targets."""
    text = (DEFINITIONS_DIR / "major.toml").read_text(encoding="utf-8")
    text = text.replace("version = 1", "version = 3", 1)
    return text.replace('tier = "department"\nlabel = "the department head"',
                        'tier = "department"\nlabel = "the department head"\nmode = "all"', 1)


@pytest.fixture
def world(app):
    registry.register(load_text(committee_version(), "major-v3.toml"))
    world = builders.build_college(db.session)
    world.deputy = builders.person(db.session, "head1b", "信息系副主任", world.d1, "unit_leader")
    db.session.commit()
    builders.launch(db.session, world)
    world.cycle = world.cycles["510203"]
    assert world.cycle.definition_version == 3
    service.submit(db.session, open_task(db.session, world.cycle).id, world.lead1, TARGETS)
    yield world
    registry.unregister("major", 3)


def step_tasks(world):
    return db.session.scalars(select(Task).where(Task.cycle_id == world.cycle.id,
                                                 Task.kind == "review", Task.step == 0)
                              .order_by(Task.assignee_id)).all()


def test_each_member_gets_a_task_and_the_step_waits_for_all(world):
    tasks = step_tasks(world)
    assert sorted(t.assignee_id for t in tasks) == sorted([world.head1.id, world.deputy.id])
    first, second = tasks
    service.approve(db.session, first.id, db.session.get(type(world.head1), first.assignee_id))
    assert open_task(db.session, world.cycle).id == second.id  # still waiting for the other
    service.approve(db.session, second.id, db.session.get(type(world.head1), second.assignee_id))
    assert open_task(db.session, world.cycle).step == 1  # on to the quality office


def test_one_return_sends_it_back_and_closes_the_others(world):
    first, second = step_tasks(world)
    service.return_for_revision(db.session, first.id,
                                db.session.get(type(world.head1), first.assignee_id), "需修改")
    db.session.expire_all()
    assert db.session.get(Task, second.id).outcome == "withdrawn"
    assert db.session.get(Cycle, world.cycle.id).round == 2
    assert open_task(db.session, world.cycle).kind == "fill"


def test_a_members_task_cannot_be_released_or_reassigned(world):
    task = step_tasks(world)[0]
    holder = db.session.get(type(world.head1), task.assignee_id)
    assert not access.can_release(holder, task)
    assert not access.can_reassign(world.qo, task)


def test_the_last_two_approvals_at_once_move_the_cycle_exactly_once(any_app):
    registry.register(load_text(committee_version(), "major-v3.toml"))
    try:
        world = builders.build_college(db.session)
        builders.person(db.session, "head1b", "信息系副主任", world.d1, "unit_leader")
        db.session.commit()
        builders.launch(db.session, world)
        cycle_id = world.cycles["510203"].id
        service.submit(db.session, open_task(db.session, world.cycles["510203"]).id,
                       world.lead1, TARGETS)
        pairs = [(t.id, t.assignee_id) for t in db.session.scalars(
            select(Task).where(Task.cycle_id == cycle_id, Task.kind == "review"))]
        db.session.remove()

        def approve(task_id, user_id):
            return lambda s: service.approve(s, task_id, s.get(type(world.head1), user_id))

        results = _race(any_app, [approve(*p) for p in pairs])
        assert results == ["ok", "ok"], results
        next_steps = db.session.scalars(select(Task).where(
            Task.cycle_id == cycle_id, Task.kind == "review", Task.step == 1)).all()
        assert len(next_steps) == 1  # neither too few (stuck) nor two
    finally:
        registry.unregister("major", 3)
