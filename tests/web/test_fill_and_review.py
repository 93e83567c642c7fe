"""The fill-in form and the review page, through the web."""
import datetime as dt

from sqlalchemy import func, select

from app.extensions import db
from app.models import Cycle, DeliverableVersion, Period, Task
from tests import builders
from tests.builders import open_task
from tests.web.conftest import sign_in

GOOD = {"summary": "提升就业质量", "targets-0-indicator": "专业毕业去向落实率",
        "targets-0-baseline": "88.5", "targets-0-target": "92", "targets-0-deadline": "2027-08-31"}


def _world():
    return builders.launched_college(db.session)


def versions():
    return db.session.scalar(select(func.count()).select_from(DeliverableVersion))


def test_form_shows_typed_fields_in_chinese(client, app):
    world = _world()
    sign_in(client, world.lead1)
    html = client.get(f"/tasks/{world.fill.id}").get_data(as_text=True)
    assert 'name="targets-0-baseline"' in html and 'type="date"' in html
    assert "目标值" in html and "提交审核" in html


def test_bad_input_is_explained_and_nothing_is_stored(client, app):
    world = _world()
    sign_in(client, world.lead1)
    response = client.post(f"/tasks/{world.fill.id}", data={**GOOD, "summary": "",
                                                              "targets-0-baseline": "八十"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请输入数字" in html and "第1行" in html and "此项为必填项" in html
    assert 'value="八十"' in html, "what the person typed is kept"
    assert versions() == 0 and db.session.get(Task, world.fill.id).status == "open"


def test_good_input_is_submitted_and_shown_on_the_cycle(client, app):
    world = _world()
    sign_in(client, world.lead1)
    response = client.post(f"/tasks/{world.fill.id}", data=GOOD)
    assert response.status_code == 302 and response.location == f"/cycles/{world.cycle.id}"
    assert versions() == 1
    html = client.get(f"/cycles/{world.cycle.id}").get_data(as_text=True)
    assert "专业毕业去向落实率" in html and "审核中" in html


def test_return_then_author_sees_reason_and_previous_values(client, app):
    world = _world()
    sign_in(client, world.lead1)
    client.post(f"/tasks/{world.fill.id}", data=GOOD)
    review = open_task(db.session, world.cycle)
    sign_in(client, world.head1)
    html = client.get(f"/tasks/{review.id}").get_data(as_text=True)
    assert "review-form" in html and "88.5" in html
    response = client.post(f"/review/tasks/{review.id}/return", data={"comment": ""})
    assert response.status_code == 303 and open_task(db.session, world.cycle).id == review.id
    client.post(f"/review/tasks/{review.id}/return", data={"comment": "基线数据来源不明"})
    assert db.session.get(Cycle, world.cycle.id).round == 2
    fill = open_task(db.session, world.cycle)
    sign_in(client, world.lead1)
    html = client.get(f"/tasks/{fill.id}").get_data(as_text=True)
    assert "基线数据来源不明" in html and 'value="88.5"' in html


def test_buttons_follow_the_same_checks_as_the_services(client, app):
    world = _world()
    sign_in(client, world.lead1)
    client.post(f"/tasks/{world.fill.id}", data=GOOD)
    review = open_task(db.session, world.cycle)
    html = client.get(f"/tasks/{review.id}").get_data(as_text=True)
    assert "review-form" not in html and "fill-form" not in html  # the author only reads
    sign_in(client, world.head1)
    assert "review-form" in client.get(f"/tasks/{review.id}").get_data(as_text=True)


def test_quality_office_launches_from_the_dashboard(client, app):
    world = builders.build_college(db.session)
    sign_in(client, world.qo)
    response = client.post("/dashboard/launch", data={"level": "major", "period": world.year.id})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 3
    assert "已启动 3 个" in client.get("/dashboard/").get_data(as_text=True)
    bad = client.post("/dashboard/launch", data={"level": "major", "period": "999"})
    assert bad.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 3


def test_launch_preview_shows_the_plan_and_changes_nothing(client, app):
    world = builders.build_college(db.session)
    builders.unit(db.session, "510299", "无人专业", "major", world.d1)  # nobody owns it
    db.session.commit()
    sign_in(client, world.qo)
    html = client.get(f"/dashboard/launch/preview?level=major&period={world.year.id}") \
        .get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 0
    assert "软件专业负责人" in html and "无人专业" in html and "尚未指定负责人" in html
    assert "启动 3 个诊改周期" in html
    client.post("/dashboard/launch", data={"level": "major", "period": world.year.id})
    html = client.get(f"/dashboard/launch/preview?level=major&period={world.year.id}") \
        .get_data(as_text=True)
    assert "confirm-launch" not in html and "已启动（3）" in html


def test_launch_preview_refuses_a_term_for_a_yearly_level(client, app):
    world = builders.build_college(db.session)
    term = Period(kind="term", name="第一学期", start=world.year.start,
                  end=dt.date(2027, 1, 17), parent_id=world.year.id)
    db.session.add(term)
    db.session.commit()
    sign_in(client, world.qo)
    response = client.get(f"/dashboard/launch/preview?level=major&period={term.id}")
    assert response.status_code == 303
    assert "按学年开展" in client.get("/dashboard/").get_data(as_text=True)


def test_two_versions_compare_side_by_side(client, app):
    world = _world()
    sign_in(client, world.lead1)
    client.post(f"/tasks/{world.fill.id}", data=GOOD)
    review = open_task(db.session, world.cycle)
    sign_in(client, world.head1)
    client.post(f"/review/tasks/{review.id}/return", data={"comment": "目标值偏低"})
    sign_in(client, world.lead1)
    client.post(f"/tasks/{open_task(db.session, world.cycle).id}",
                data={**GOOD, "targets-0-target": "95"})
    page = client.get(f"/cycles/{world.cycle.id}").get_data(as_text=True)
    assert "比较版本" in page
    html = client.get(f"/cycles/{world.cycle.id}/compare?stage=target").get_data(as_text=True)
    changed = html.split('<tr class="changed">')[1:]
    assert len(changed) == 1 and "92" in changed[0] and "95" in changed[0]
    assert client.get(f"/cycles/{world.cycle.id}/compare?stage=target&a=7").status_code == 404
    sign_in(client, world.head2)
    assert client.get(f"/cycles/{world.cycle.id}/compare?stage=target").status_code == 404
