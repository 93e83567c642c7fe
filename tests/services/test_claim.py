"""Group tasks are claimed (认领) and released; two claims at once: one wins, the other is told
who has it."""
import pytest

from app.extensions import db
from app.models import User
from app.queries import my_open_tasks
from app.services import cycles as service
from app.services.errors import Conflict, Forbidden
from tests import builders
from tests.builders import TARGETS, open_task
from tests.services.test_concurrency import _race
from workflows import Refused


def _world():
    world = builders.launched_college(db.session)
    world.deputy = builders.person(db.session, "head1b", "信息系副主任", world.d1, "unit_leader")
    db.session.commit()
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    world.review = open_task(db.session, world.cycle)
    return world


def offered(user):
    return [t.id for t in my_open_tasks(db.session, user).items]


def test_claiming_takes_the_task_from_the_rest_of_the_group(app):
    world = _world()
    assert world.review.id in offered(world.head1) and world.review.id in offered(world.deputy)
    service.claim(db.session, world.review.id, world.deputy)
    assert world.review.id in offered(world.deputy)
    assert world.review.id not in offered(world.head1)
    with pytest.raises(Conflict, match="信息系副主任 has already claimed"):
        service.approve(db.session, world.review.id, world.head1)
    with pytest.raises(Conflict, match="already claimed"):
        service.claim(db.session, world.review.id, world.head1)
    with pytest.raises(Forbidden):
        service.release(db.session, world.review.id, world.head1)
    service.release(db.session, world.review.id, world.deputy)
    assert world.review.id in offered(world.head1)
    service.approve(db.session, world.review.id, world.head1)


def test_only_group_members_claim(app):
    world = _world()
    with pytest.raises(Forbidden):
        service.claim(db.session, world.review.id, world.lead1)
    with pytest.raises(Refused):  # a fill-in task is nobody's to claim
        service.claim(db.session, world.fill.id, world.lead1)


def test_two_claims_at_once_one_wins_and_the_other_is_told_who(any_app):
    world = _world()
    ids = (world.head1.id, world.deputy.id)
    review_id = world.review.id
    db.session.remove()

    def claim(user_id):
        return lambda s: service.claim(s, review_id, s.get(User, user_id))

    results = _race(any_app, [claim(ids[0]), claim(ids[1])])
    assert results.count("ok") == 1, results
    loser = next(r for r in results if r != "ok")
    assert "has already claimed this task" in str(loser)
    winner = ids[results.index("ok")]
    assert db.session.get(type(world.review), review_id).assignee_id == winner
