"""Task lists filter, sort and export what they show; the filters live in the URL."""
import datetime as dt
import io

from openpyxl import load_workbook

from app.extensions import db
from app.models import Task
from app.queries import TaskFilters, my_open_tasks
from app.services import cycles as service
from tests import builders
from tests.builders import TARGETS, open_task
from tests.web.conftest import sign_in


def _world():
    world = builders.launched_college(db.session)
    # head1 gets a review (软件技术); lead2's fill-in (计算机应用技术) is two days late
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    db.session.execute(Task.__table__.update().values(
        due_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=10)))
    late = open_task(db.session, world.cycles["510201"])
    db.session.execute(Task.__table__.update().where(Task.id == late.id).values(
        due_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)))
    db.session.commit()
    return world


def ids(user, **filters):
    return [t.id for t in my_open_tasks(db.session, user, filters=TaskFilters(**filters)).items]


def test_filters_narrow_the_list(app):
    world = _world()
    qo_all = ids(world.qo)
    assert qo_all == []  # the quality office's step has not come yet
    assert len(ids(world.head1)) == 1 and ids(world.head1, kind="fill") == []
    assert ids(world.head1, stage="standard") == [] and len(ids(world.head1, stage="target")) == 1
    assert ids(world.head1, unit="D02") == [] and len(ids(world.head1, unit="D01")) == 1
    assert ids(world.head1, level="course") == []
    assert len(ids(world.lead2, overdue=True)) == 1 and ids(world.lead1, overdue=True) == []


def test_sorting_by_due_both_ways(app):
    world = _world()
    # the quality office takes over two majors' fill-ins to have a list with different due dates
    for code in ("510201", "460301"):
        task = open_task(db.session, world.cycles[code])
        db.session.execute(Task.__table__.update().where(Task.id == task.id)
                           .values(assignee_id=world.qo.id))
    db.session.commit()
    soonest = my_open_tasks(db.session, world.qo, filters=TaskFilters(sort="due"))
    latest = my_open_tasks(db.session, world.qo, filters=TaskFilters(sort="-due"))
    assert len(soonest.items) == 2
    assert [t.id for t in soonest.items] == list(reversed([t.id for t in latest.items]))


def test_the_page_keeps_filters_in_the_url_and_exports_them(client, app):
    world = _world()
    sign_in(client, world.lead2)
    html = client.get("/?overdue=1&sort=-due&kind=fill").get_data(as_text=True)
    assert 'name="overdue" value="1" checked' in html
    assert 'href="/export.xlsx?kind=fill&amp;overdue=1&amp;sort=-due"' in html
    sheet = load_workbook(io.BytesIO(client.get("/export.xlsx?overdue=1").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "诊改对象" and [r[0] for r in rows[1:]] == ["计算机应用技术"]
    assert rows[1][7] == 2  # days overdue
    sign_in(client, world.lead1)
    sheet = load_workbook(io.BytesIO(client.get("/export.xlsx?overdue=1").data)).active
    assert len(list(sheet.iter_rows())) == 1  # only the header: nothing of lead1 is late


def test_a_bad_sort_or_kind_falls_back_instead_of_failing(client, app):
    world = _world()
    sign_in(client, world.head1)
    assert client.get("/?sort=drop+table&kind=everything").status_code == 200
    assert client.get("/review/?unit=NOPE").status_code == 200


def test_the_overdue_page_filters_and_exports_what_it_shows(client, app):
    world = _world()
    late_review = open_task(db.session, world.cycle)
    db.session.execute(Task.__table__.update().where(Task.id == late_review.id).values(
        due_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=5)))
    db.session.commit()
    sign_in(client, world.qo)
    def table(url):
        html = client.get(url).get_data(as_text=True)
        return html.split('id="overdue"')[1].split("</table>")[0], html

    rows, _html = table("/dashboard/overdue")
    assert "软件技术" in rows and "计算机应用技术" in rows
    rows, html = table("/dashboard/overdue?kind=review")
    assert "软件技术" in rows and "计算机应用技术" not in rows
    assert 'href="/dashboard/overdue.xlsx?kind=review"' in html
    sheet = load_workbook(io.BytesIO(client.get("/dashboard/overdue.xlsx?kind=fill").data)).active
    assert [r[0] for r in list(sheet.iter_rows(values_only=True))[1:]] == ["计算机应用技术"]
