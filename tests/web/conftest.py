import pytest

from app.extensions import db
from app.services import cycles as service
from tests import builders
from tests.builders import LAUNCH_AT, TARGETS, open_task


@pytest.fixture
def world(app):
    """The small college with its cycles launched and 软件技术's targets awaiting 系部 review."""
    world = builders.launched_college(db.session)
    world.deputy = builders.person(db.session, "head1b", "信息系副主任", world.d1, "unit_leader")
    db.session.commit()
    service.submit(db.session, world.fill.id, world.lead1, TARGETS, now=LAUNCH_AT)
    world.review = open_task(db.session, world.cycle)
    return world


def sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client
