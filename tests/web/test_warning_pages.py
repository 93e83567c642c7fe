"""Warnings in the browser's forms: the owner finds one in 我的待办, acknowledges it, records a
measure; the data verifies it and evidence closes it. Lists filter, and export what they show."""
import io

from openpyxl import load_workbook

from app.extensions import db
from app.models import Warning
from app.services import measurements
from tests.web.conftest import sign_in


def state(world):
    return db.session.get(Warning, world.warning.id).state


def put(world, rows: bytes):
    table = measurements.read_table("m.csv", b"period,unit_code,indicator_code,value\n" + rows)
    measurements.accept(db.session, measurements.preview(db.session, table), world.qo, "m.csv")


def test_the_owner_works_a_warning_off_from_my_tasks(client, world):
    sign_in(client, world.lead1)
    mine = client.get("/").get_data(as_text=True)
    assert 'id="my-warnings"' in mine and f"/warnings/{world.warning.id}" in mine
    page = client.get(f"/warnings/{world.warning.id}").get_data(as_text=True)
    assert "确认预警" in page and "新生报到率" in page
    client.post(f"/warnings/{world.warning.id}/acknowledge")
    assert state(world) == "acknowledged"
    empty = client.post(f"/warnings/{world.warning.id}/rectify",
                        data={"measure": " ", "deadline": "2027-01-15"})
    assert "请填写整改措施" in client.get(empty.location).get_data(as_text=True)
    bad_day = client.post(f"/warnings/{world.warning.id}/rectify",
                          data={"measure": "走访未报到学生", "deadline": "15/01/2027"})
    assert "YYYY-MM-DD" in client.get(bad_day.location).get_data(as_text=True)
    assert state(world) == "acknowledged"
    client.post(f"/warnings/{world.warning.id}/rectify",
                data={"measure": "走访未报到学生，落实补报到", "deadline": "2027-01-15"})
    assert state(world) == "rectifying"
    early = client.post(f"/warnings/{world.warning.id}/close", data={"evidence": "已完成"})
    assert "回到预警线内" in client.get(early.location).get_data(as_text=True)
    put(world, b"2026,510203,M03,90.5\n")
    assert state(world) == "verified"
    assert "已回到预警线内" in client.get("/notifications").get_data(as_text=True)
    client.post(f"/warnings/{world.warning.id}/close", data={"evidence": "补报到 9 人"})
    assert state(world) == "closed"
    history = client.get(f"/warnings/{world.warning.id}").get_data(as_text=True)
    for step in ("触发预警", "已确认", "登记整改措施", "数据验证通过", "已关闭"):
        assert step in history, step


def test_the_list_filters_and_exports_what_it_shows(client, world):
    put(world, b"2026,510201,M03,82\n")  # a yellow one at 计算机应用技术
    sign_in(client, world.head1)
    both = client.get("/warnings/").get_data(as_text=True)
    assert both.count('data-indicator="M03"') == 2
    red = client.get("/warnings/?severity=red").get_data(as_text=True)
    assert red.count('data-indicator="M03"') == 1 and 'data-unit="510203"' in red
    sheet = load_workbook(io.BytesIO(client.get("/warnings/export.xlsx?severity=yellow").data)).active
    assert sheet.max_row == 2 and sheet["A2"].value == "计算机应用技术"
    sign_in(client, world.head2)
    assert 'data-indicator="M03"' not in client.get("/warnings/").get_data(as_text=True)


def test_the_dashboard_counts_warnings_and_lights_for_the_leaders_units(client, world):
    put(world, b"2026,460301,M03,70\n2026,510203,M01,95\n")
    sign_in(client, world.head1)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'id="monitoring"' in page
    figures = page.split('id="monitoring"')[1].split("</div>\n</div>")[0]
    assert "<strong>1</strong></a><span>红色预警（未关闭）" in figures  # not 机械's
    assert "达成 1" in page and "红色预警 1" in page
    lights = client.get("/indicators/lights?level=major&period=2026").get_data(as_text=True)
    assert "软件技术" in lights and "机械制造及自动化" not in lights
