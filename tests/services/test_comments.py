import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification
from app.queries import task_comments
from app.services import cycles as service
from app.services.errors import Invalid, NotFound
from tests import builders
from tests.builders import TARGETS, open_task


@pytest.fixture
def world(app):
    world = builders.launched_college(db.session)
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    world.review = open_task(db.session, world.cycle)
    return world


def test_a_thread_keeps_order_and_tells_the_others(world):
    service.add_comment(db.session, world.review.id, world.head1, "基线数据来源？")
    service.add_comment(db.session, world.review.id, world.lead1, "来自2025年状态数据。")
    thread = task_comments(db.session, world.review.id)
    assert [(c.author.username, c.body) for c in thread] == [
        ("head1", "基线数据来源？"), ("lead1", "来自2025年状态数据。")]
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "commented")).all()
    assert world.lead1.id in told and world.head1.id in told
    assert told.count(world.lead1.id) == 1 and told.count(world.head1.id) == 1  # not themselves


@pytest.mark.parametrize("body", ["", "   ", None, "x" * 2001, "bad\x00"])
def test_empty_or_unstorable_comments_are_refused(world, body):
    with pytest.raises(Invalid):
        service.add_comment(db.session, world.review.id, world.head1, body)
    assert task_comments(db.session, world.review.id) == []


def test_people_who_cannot_see_the_task_cannot_comment(world):
    with pytest.raises(NotFound):
        service.add_comment(db.session, world.review.id, world.head2, "路过")
