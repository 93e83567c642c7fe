import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Warning
from app.services import cycles as service
from app.services import measurements, targets
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
    # The college's goal handed to 信息工程学院, awaiting its confirmation; a red warning on
    # 软件技术's enrolment, waiting for its lead.
    goal = targets.create(db.session, world.qo, world.college.id, world.year.id, "S03", "92",
                          world.year.end, now=LAUNCH_AT)
    world.target = targets.cascade(db.session, world.qo, goal.id, {world.d1.id: "92"},
                                   now=LAUNCH_AT).created[0]
    table = measurements.read_table("m.csv", b"period,unit_code,indicator_code,value\n"
                                             b"2026,510203,M03,70\n")
    measurements.accept(db.session, measurements.preview(db.session, table), world.qo, "m.csv",
                        now=LAUNCH_AT)
    world.warning = db.session.scalars(select(Warning)).one()
    return world


def sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client
