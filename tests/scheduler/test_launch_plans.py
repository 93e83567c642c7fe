"""The quality office plans the day a level's cycles open; the scheduler opens them then, once."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Cycle, LaunchPlan, Period
from app.services import plans
from app.services.errors import Conflict, Forbidden, Invalid
from tests import builders
from tests.scheduler.test_tick import tick

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 8, 20, 9, 0, tzinfo=TZ)


def cycles():
    return db.session.scalar(select(func.count()).select_from(Cycle))


@pytest.fixture
def world(app):
    return builders.build_college(db.session)


def test_the_scheduler_opens_planned_cycles_on_their_day_and_only_once(app, world):
    plans.schedule_launch(db.session, world.qo, "major", world.year.id, dt.date(2026, 9, 1),
                          now=NOW)
    assert "launch plans run 0" in tick(app, "2026-08-31T23:59+08:00")
    assert cycles() == 0
    assert "launch plans run 1" in tick(app, "2026-09-01T00:01+08:00")
    assert cycles() == 3
    assert "launch plans run 0" in tick(app, "2026-09-01T00:02+08:00")
    plan = db.session.scalars(select(LaunchPlan)).one()
    assert plan.created_count == 3 and plan.launched_at is not None
    with pytest.raises(Conflict, match="already launched"):
        plans.schedule_launch(db.session, world.qo, "major", world.year.id, dt.date(2026, 9, 3),
                              now=dt.datetime(2026, 9, 2, tzinfo=TZ))


def test_planning_again_moves_the_day(app, world):
    plans.schedule_launch(db.session, world.qo, "major", world.year.id, dt.date(2026, 9, 1), now=NOW)
    plans.schedule_launch(db.session, world.qo, "major", world.year.id, dt.date(2026, 9, 8), now=NOW)
    assert db.session.scalars(select(LaunchPlan.launch_on)).all() == [dt.date(2026, 9, 8)]


def test_plans_are_checked_like_launches(app, world):
    with pytest.raises(Forbidden):
        plans.schedule_launch(db.session, world.head1, "major", world.year.id,
                              dt.date(2026, 9, 1), now=NOW)
    with pytest.raises(Invalid, match="today or a later day"):
        plans.schedule_launch(db.session, world.qo, "major", world.year.id,
                              dt.date(2026, 8, 1), now=NOW)
    term = Period(kind="term", name="第一学期", start=dt.date(2026, 9, 1),
                  end=dt.date(2027, 1, 17), parent_id=world.year.id)
    db.session.add(term)
    db.session.commit()
    with pytest.raises(Invalid, match="per academic year"):
        plans.schedule_launch(db.session, world.qo, "major", term.id, dt.date(2026, 9, 1), now=NOW)
