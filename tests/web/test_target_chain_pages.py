"""The target chain in the browser's forms: a SMART target or a clear refusal, handing it down,
confirming or returning it, and the cycle page showing each target against the data."""
import re

from markupsafe import escape
from sqlalchemy import func, select

from app.extensions import db
from app.models import Target
from app.services import indicators, measurements
from tests.web.conftest import sign_in


def count_targets():
    return db.session.scalar(select(func.count()).select_from(Target))


def test_a_target_missing_its_parts_is_refused_in_chinese_and_nothing_is_saved(client, world):
    sign_in(client, world.qo)
    before = count_targets()
    page = client.post("/targets/new", data={"unit": str(world.d2.id),
                                             "period": str(world.year.id), "indicator": "",
                                             "value": "很高", "deadline": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    for message in ("请选择衡量该目标的指标", "请输入数字", "请填写目标的完成时限"):
        assert message in html, message
    assert count_targets() == before
    saved = client.post("/targets/new", data={"unit": str(world.d2.id),
                                              "period": str(world.year.id), "indicator": "S03",
                                              "value": "90", "deadline": "2027-08-31"})
    assert saved.status_code == 303 and count_targets() == before + 1


def test_a_department_head_confirms_what_was_handed_down_and_hands_it_on(client, world):
    sign_in(client, world.head1)
    mine = client.get("/").get_data(as_text=True)
    assert 'id="my-targets"' in mine and f"/targets/{world.target.id}" in mine
    named = {i.code: i for i in indicators.current(db.session, active_only=False)}[
        world.target.indicator_code]  # the indicator by its name and rule, not its code alone
    assert f"{named.code} {named.name}" in mine and f"{escape(named.operator)} " in mine
    refused = client.post(f"/targets/{world.target.id}/return", data={"reason": ""})
    assert refused.status_code == 303
    assert db.session.get(Target, world.target.id).status == "pending"
    client.post(f"/targets/{world.target.id}/confirm")
    assert db.session.get(Target, world.target.id).status == "confirmed"
    page = client.get(f"/targets/{world.target.id}").get_data(as_text=True)
    assert 'id="cascade"' in page and "软件技术" in page and "计算机应用技术" in page
    handed = client.post(f"/targets/{world.target.id}/cascade", data={
        "indicator": "M01", "deadline": "2027-08-31", "units": [str(world.m1.id), str(world.m2.id)],
        f"value-{world.m1.id}": "93", f"value-{world.m2.id}": "abc"})
    assert handed.status_code == 303
    assert "请输入数字" in client.get(handed.location).get_data(as_text=True)
    assert count_targets() == 2  # all or nothing: the bad value stopped both
    client.post(f"/targets/{world.target.id}/cascade", data={
        "indicator": "M01", "deadline": "2027-08-31", "units": [str(world.m1.id), str(world.m2.id)],
        f"value-{world.m1.id}": "93", f"value-{world.m2.id}": "91"})
    page = client.get(f"/targets/{world.target.id}").get_data(as_text=True)
    assert "2 个中已确认 0 个" in page and "平均 92.00" in page


def test_a_major_returns_its_target_with_a_reason_the_sender_reads(client, world):
    sign_in(client, world.head1)
    client.post(f"/targets/{world.target.id}/confirm")
    client.post(f"/targets/{world.target.id}/cascade", data={
        "indicator": "M01", "deadline": "2027-08-31", "units": [str(world.m1.id)],
        f"value-{world.m1.id}": "95"})
    child = db.session.scalars(select(Target).where(Target.unit_id == world.m1.id)).one()
    sign_in(client, world.lead1)
    client.post(f"/targets/{child.id}/return", data={"reason": "去年仅 82.5%，95% 难以达成"})
    assert db.session.get(Target, child.id).status == "returned"
    sign_in(client, world.head1)
    notes = client.get("/notifications").get_data(as_text=True)
    assert "退回了目标" in notes and "95% 难以达成" in notes
    page = client.get(f"/targets/{world.target.id}").get_data(as_text=True)
    assert "退回 1 个" in page


def test_the_cycle_page_shows_its_targets_against_the_data(client, world):
    sign_in(client, world.head1)
    client.post("/targets/new", data={"unit": str(world.m1.id), "period": str(world.year.id),
                                      "indicator": "M01", "value": "90",
                                      "deadline": "2027-08-31"})
    table = measurements.read_table("m.csv", b"period,unit_code,indicator_code,value\n"
                                             b"2026,510203,M01,84\n")
    measurements.accept(db.session, measurements.preview(db.session, table), world.qo, "m.csv")
    sign_in(client, world.lead1)
    page = client.get(f"/cycles/{world.cycle.id}").get_data(as_text=True)
    row = re.search(r'<tr data-indicator="M01" data-achievement="(\w+)">', page)
    assert row and row.group(1) == "notmet"
    assert "84.0 · 未达成" in page
    assert 'id="cycle-warnings"' in page and "M03" in page  # the red enrolment warning
