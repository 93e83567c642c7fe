"""代理: a leader names a deputy for a date range; reviews route to the deputy, the audit says
on whose behalf, and outside the range nothing is delegated."""
import datetime as dt

import pytest
from sqlalchemy import select

from app import access
from app.extensions import db
from app.models import AuditEvent, Notification
from app.queries import my_open_tasks
from app.services import cycles as service
from app.services import standins
from app.services.errors import Conflict, Forbidden, Invalid
from tests import builders
from tests.builders import TARGETS, open_task

TODAY = dt.datetime.now(access.TZ).date()


@pytest.fixture
def world(app):
    world = builders.launched_college(db.session)
    world.teacher2 = builders.person(db.session, "t9", "系秘书", world.d1, "staff")
    db.session.commit()
    return world


def fresh(user):
    """The same person as a new request would load them (grants are cached per object)."""
    user._grants_cache = user._delegated_cache = None
    return user


def name_deputy(world, start=TODAY, end=TODAY + dt.timedelta(days=5)):
    return standins.add_stand_in(db.session, world.head1, world.head1, "t9", start, end)


def test_the_deputy_sees_and_decides_reviews_on_the_leaders_behalf(world):
    name_deputy(world)
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    review = open_task(db.session, world.cycle)
    deputy = fresh(world.teacher2)
    assert review.id in [t.id for t in my_open_tasks(db.session, deputy).items]
    notified = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "review_requested")).all()
    assert deputy.id in notified and world.head1.id in notified
    service.approve(db.session, review.id, deputy, "代为审核：同意")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "approve")).one()
    assert event.actor_id == deputy.id and event.data["on_behalf_of"] == world.head1.id


def test_the_leaders_own_decision_is_not_marked_as_on_behalf(world):
    name_deputy(world)
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    service.approve(db.session, open_task(db.session, world.cycle).id, fresh(world.head1))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "approve")).one()
    assert "on_behalf_of" not in event.data


def test_outside_the_range_nothing_is_delegated(world):
    name_deputy(world, TODAY + dt.timedelta(days=3), TODAY + dt.timedelta(days=9))
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    review = open_task(db.session, world.cycle)
    deputy = fresh(world.teacher2)
    assert review.id not in [t.id for t in my_open_tasks(db.session, deputy).items]
    with pytest.raises(service.NotFound):
        service.approve(db.session, review.id, deputy)


def test_a_cancelled_stand_in_ends_at_once(world):
    stand_in = name_deputy(world)
    standins.cancel_stand_in(db.session, world.head1, stand_in.id)
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    assert open_task(db.session, world.cycle).id not in [
        t.id for t in my_open_tasks(db.session, fresh(world.teacher2)).items]
    with pytest.raises(Conflict):
        standins.cancel_stand_in(db.session, world.head1, stand_in.id)


@pytest.mark.parametrize("start,end,error", [
    (TODAY, TODAY - dt.timedelta(days=1), "before the first"),
    (TODAY - dt.timedelta(days=9), TODAY - dt.timedelta(days=2), "already ended"),
    (TODAY, TODAY + dt.timedelta(days=400), "at most a year"),
])
def test_date_ranges_must_make_sense(world, start, end, error):
    with pytest.raises(Invalid, match=error):
        name_deputy(world, start, end)


def test_one_deputy_at_a_time_and_not_oneself(world):
    name_deputy(world)
    with pytest.raises(Conflict, match="already stands in"):
        name_deputy(world, TODAY + dt.timedelta(days=2), TODAY + dt.timedelta(days=8))
    with pytest.raises(Invalid, match="themselves"):
        standins.add_stand_in(db.session, world.head2, world.head2, "head2", TODAY, TODAY)


def test_nobody_names_a_deputy_for_someone_else(world):
    with pytest.raises(Forbidden):
        standins.add_stand_in(db.session, world.lead1, world.head1, "t9", TODAY, TODAY)


def test_the_web_form_names_a_deputy(client, world):
    from tests.web.conftest import sign_in
    sign_in(client, world.head1)
    response = client.post("/stand-ins", data={"deputy": "t9", "starts_on": TODAY.isoformat(),
                                               "ends_on": (TODAY + dt.timedelta(days=2)).isoformat()})
    assert response.status_code == 303
    assert "系秘书" in client.get("/stand-ins").get_data(as_text=True)
    bad = client.post("/stand-ins", data={"deputy": "t9", "starts_on": "明天", "ends_on": ""})
    assert bad.status_code == 422
