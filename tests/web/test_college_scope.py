"""The quality office's counts skip the org tree only when it supervises every college in the
installation: where a second college shares it, the office sees its own college alone."""
import datetime as dt

from sqlalchemy import update

from app import access, queries
from app.extensions import db
from app.models import Task
from tests import builders
from tests.web.conftest import sign_in

LATER = dt.datetime(2027, 6, 1, tzinfo=dt.timezone.utc)  # every launched task is overdue then


def _fresh(user):
    """The user as a new request would see them (grants are cached per user object)."""
    user._grants_cache = user._delegated_cache = user._sees_all_cache = None
    return user


def test_one_college_is_seen_whole_by_its_office(app):
    world = builders.launched_college(db.session)
    assert access.sees_whole_college(_fresh(world.qo))
    assert not access.sees_whole_college(_fresh(world.head1))
    summary = queries.open_task_summary(db.session, world.qo, LATER)
    assert summary["fill"] == 3 and summary["overdue"] == 3


def test_a_second_college_stays_out_of_the_first_ones_counts(app, client):
    world = builders.build_college(db.session)
    other = builders.unit(db.session, "C2", "另一学院", "college")
    other_department = builders.unit(db.session, "E01", "另一学院信息系", "department", other)
    major = builders.unit(db.session, "610201", "另一学院软件技术", "major", other_department)
    builders.person(db.session, "lead9", "另一学院专业负责人", major, "major_lead", "teacher")
    db.session.commit()
    builders.launch(db.session, world)
    assert "610201" in world.cycles  # the other college's major has its cycle and fill-in
    db.session.execute(update(Task).values(due_at=LATER - dt.timedelta(days=3)))
    db.session.commit()

    qo = _fresh(world.qo)
    assert not access.sees_whole_college(qo)
    summary = queries.open_task_summary(db.session, qo, LATER)
    assert summary == {"fill": 3, "review": 0, "overdue": 3}
    overdue = queries.overdue_tasks(db.session, qo, LATER)
    assert overdue.total == 3
    assert "610201" not in {t.cycle.unit.code for t in overdue.items}
    parents, counts = queries.stage_matrix(db.session, qo)
    assert {p.code for p in parents} == {"D01", "D02"}
    assert sum(counts.values()) == 3

    sign_in(client, world.qo)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "信息工程学院" in page and "另一学院信息系" not in page
