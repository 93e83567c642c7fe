"""改派: the unit leader or the quality office hands a task to someone who can take it."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Notification
from app.queries import my_open_tasks
from app.services import bulk
from app.services import cycles as service
from app.services.errors import Forbidden, Invalid
from tests import builders
from tests.builders import TARGETS, open_task


@pytest.fixture
def world(app):
    world = builders.launched_college(db.session)
    world.deputy = builders.person(db.session, "head1b", "信息系副主任", world.d1, "unit_leader")
    db.session.commit()
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    world.review = open_task(db.session, world.cycle)
    return world


def offered(user):
    return [t.id for t in my_open_tasks(db.session, user).items]


def test_the_quality_office_hands_a_review_to_the_deputy(world):
    service.reassign(db.session, world.review.id, world.qo, world.deputy.id, "主任出差")
    assert world.review.id in offered(world.deputy)
    assert world.review.id not in offered(world.head1)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reassign")).one()
    assert event.comment == "主任出差" and event.data["to_user"] == world.deputy.id
    assert db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "reassigned")).all() == [world.deputy.id]
    service.approve(db.session, world.review.id, world.deputy)


def test_a_review_stays_with_its_group(world):
    with pytest.raises(Invalid, match="cannot take this task"):
        service.reassign(db.session, world.review.id, world.qo, world.teacher.id, None)


def test_a_fill_in_stays_within_the_unit(world):
    fill = open_task(db.session, world.cycles["510201"])
    with pytest.raises(Invalid):
        service.reassign(db.session, fill.id, world.head1, world.teacher.id, None)  # other major
    own = open_task(db.session, world.cycles["510201"])
    colleague = builders.person(db.session, "t2", "计应教师", world.m2, "teacher")
    db.session.commit()
    service.reassign(db.session, own.id, world.head1, colleague.id, "负责人休假")
    assert own.id in offered(colleague)
    service.submit(db.session, own.id, colleague, TARGETS)


@pytest.mark.parametrize("who", ["lead1", "head2", "teacher"])
def test_only_leaders_of_the_unit_or_the_quality_office_reassign(world, who):
    with pytest.raises((Forbidden, service.NotFound)):
        service.reassign(db.session, world.review.id, getattr(world, who), world.deputy.id, None)


def test_reassign_many_reports_each_item(world):
    other = open_task(db.session, world.cycles["460301"])
    results = bulk.reassign_many(db.session, [world.review.id, other.id], world.head1,
                                 "head1b", "统一改派")
    assert [r.ok for r in results] == [True, False]
    with pytest.raises(Invalid, match="staff number"):
        bulk.reassign_many(db.session, [world.review.id], world.head1, "nobody", None)
