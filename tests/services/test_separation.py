"""Nobody reviews their own report: not by claiming, not through a deputy, not by being handed
the report they would review; and leaders of the reviewed unit do not pick their reviewers."""
import datetime as dt

import pytest
from sqlalchemy import select

from app import access
from app.extensions import db
from app.models import Task, User
from app.services import bulk, standins
from app.services import cycles as service
from app.services.errors import Forbidden, Invalid
from tests import builders
from tests.builders import TARGETS, open_task

TODAY = dt.datetime.now(access.TZ).date()


@pytest.fixture
def world(app):
    world = builders.launched_college(db.session)
    world.colleague = builders.person(db.session, "t2", "软件教师二", world.m1, "teacher")
    world.qo2 = builders.person(db.session, "qo2", "质量办科员", world.qo_office,
                                ("quality_office", world.college))
    db.session.commit()
    return world


def fresh(user):
    user._grants_cache = user._delegated_cache = None
    return user


def test_a_fill_in_cannot_go_to_one_of_its_reviewers(world):
    # a teacher of the major who is also one of the department's leaders
    reviewer = builders.person(db.session, "t3", "兼任副主任", world.m1, "teacher",
                               ("unit_leader", world.d1))
    db.session.commit()
    with pytest.raises(Invalid, match="reviews this stage"):
        service.reassign(db.session, world.fill.id, world.qo, reviewer.id, None)
    with pytest.raises(Invalid, match="reviews this stage"):
        service.delegate(db.session, world.fill.id, world.lead1, reviewer.id, None)


def test_an_author_cannot_get_their_report_approved_through_a_deputy(world):
    # head1 writes the report (handed over by the quality office), then names a deputy
    service.reassign(db.session, world.fill.id, world.qo, world.colleague.id, None)
    service.submit(db.session, world.fill.id, fresh(world.colleague), TARGETS)
    review = open_task(db.session, world.cycle)
    standins.add_stand_in(db.session, world.head1, world.head1, "t2", TODAY, TODAY)
    deputy = fresh(world.colleague)
    with pytest.raises(service.Refused, match="submitted yourself"):
        service.approve(db.session, review.id, deputy)


def test_the_author_cannot_claim_the_review_of_their_own_report(world):
    builders.person(db.session, "head1b", "副主任", world.d1, "unit_leader")
    db.session.commit()
    fill = open_task(db.session, world.cycles["510201"])
    service.submit(db.session, fill.id, world.lead2, TARGETS)
    review = open_task(db.session, world.cycles["510201"])
    from app.models import DeliverableVersion
    db.session.execute(DeliverableVersion.__table__.update().values(author_id=world.head1.id))
    db.session.commit()
    with pytest.raises(Forbidden, match="submitted yourself"):
        service.claim(db.session, review.id, world.head1)


def test_the_reviewed_department_cannot_pick_the_quality_office_reviewer(world):
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    service.approve(db.session, open_task(db.session, world.cycle).id, world.head1)
    qo_review = open_task(db.session, world.cycle)
    assert not access.can_reassign(fresh(world.head1), qo_review)
    with pytest.raises(Forbidden):
        service.reassign(db.session, qo_review.id, fresh(world.head1), world.qo2.id, None)
    service.reassign(db.session, qo_review.id, world.qo, world.qo2.id, "分工")


def test_a_deputy_of_a_deactivated_person_acts_for_nobody(world):
    standins.add_stand_in(db.session, world.head1, world.head1, "t2", TODAY, TODAY)
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    review = open_task(db.session, world.cycle)
    assert access.can_review(fresh(world.colleague), review)
    db.session.execute(User.__table__.update().where(User.id == world.head1.id).values(active=False))
    db.session.commit()
    assert not access.can_review(fresh(world.colleague), review)


@pytest.mark.parametrize("ids", [[1e400], [True], [1.9], "12", [{"id": 1}]])
def test_bulk_ids_must_be_whole_numbers(world, ids):
    with pytest.raises(Invalid):
        bulk.urge_many(db.session, ids, world.qo, "x")


def test_a_huge_person_id_is_refused_not_crashed(world):
    with pytest.raises(Invalid):
        service.reassign(db.session, world.fill.id, world.qo, 10**30, None)
    assert db.session.scalars(select(Task.assignee_id).where(Task.id == world.fill.id)).one() \
        == world.lead1.id
