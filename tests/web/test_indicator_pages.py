"""The quality office keeps the indicator library, types a value in by hand and reads trends."""
import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Indicator, Measurement
from app.services import measurements
from tests import builders
from tests.web.conftest import sign_in

DATA = Path(__file__).resolve().parents[2] / "app" / "data"
LINES = {"name": "新生报到率", "unit_label": "%", "data_type": "number", "operator": ">=",
         "target": "90", "warn": "80", "severe": "75", "from_label": "2026", "note": ""}


def setup(client):
    world = builders.build_college(db.session)
    measurements.seed_indicators(db.session, DATA / "indicators.yaml")
    sign_in(client, world.qo)
    return world


def versions(code):
    return db.session.scalar(select(func.count()).select_from(Indicator)
                             .where(Indicator.code == code))


def test_editing_the_lines_adds_a_version_and_bad_lines_change_nothing(client, app):
    setup(client)
    page = client.get("/indicators/M03").get_data(as_text=True)
    assert 'name="warn" required size="10" step="any" type="number" value="85.00"' in page
    bad = client.post("/indicators/M03", data=LINES | {"warn": "95"})
    assert bad.status_code == 200 or bad.status_code == 422
    assert "目标值 ≥ 预警值 ≥ 严重预警值" in client.get("/indicators/M03").get_data(as_text=True) \
        or "目标值 ≥ 预警值 ≥ 严重预警值" in bad.get_data(as_text=True)
    assert versions("M03") == 1
    empty = client.post("/indicators/M03", data=LINES | {"target": ""})
    assert empty.status_code == 422 and versions("M03") == 1
    done = client.post("/indicators/M03", data=LINES)
    assert done.status_code == 303 and versions("M03") == 2
    page = client.get("/indicators/M03").get_data(as_text=True)
    assert "已保存为第 2 版" in page and page.count("<tr><td>") >= 2


def test_the_library_round_trips_through_excel_in_the_browser(client, app):
    setup(client)
    exported = client.get("/indicators/library.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.data)).active
    assert sheet["A1"].value == "指标代码" and sheet.max_row == 21
    bad = client.post("/indicators/library",
                      data={"library-file": (io.BytesIO(b"\xe6\x8c\x87\xe6\xa0\x87\xe4\xbb\xa3\xe7\xa0\x81,\xe5\xb1\x82\xe9\x9d\xa2\nM01,major\n"), "lib.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 303
    assert "缺少" in client.get("/indicators/").get_data(as_text=True)
    again = client.post("/indicators/library",
                        data={"library-file": (io.BytesIO(exported.data), "lib.xlsx")},
                        content_type="multipart/form-data")
    assert again.status_code == 303
    assert "未变 20" in client.get("/indicators/").get_data(as_text=True)


def test_a_value_typed_in_keeps_its_source_and_its_author(client, app):
    world = setup(client)
    refused = client.post("/indicators/measurements/new", data={
        "unit_code": "510203", "indicator_code": "M01", "period": "2026", "value": "很高",
        "source": "就业处台账"})
    assert refused.status_code == 422 and "“很高”不是数字" in refused.get_data(as_text=True)
    no_source = client.post("/indicators/measurements/new", data={
        "unit_code": "510203", "indicator_code": "M01", "period": "2026", "value": "93"})
    assert no_source.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Measurement)) == 0
    done = client.post("/indicators/measurements/new", data={
        "unit_code": "510203", "indicator_code": "M01", "period": "2026", "value": "93.5",
        "source": "就业处台账 2026-11"})
    assert done.status_code == 303 and "/indicators/trend" in done.location
    value = db.session.scalars(select(Measurement)).one()
    assert (value.source, value.supplied_by_id, value.status) == (
        "就业处台账 2026-11", world.qo.id, "met")


def test_the_trend_draws_a_units_values_against_the_lines(client, app):
    world = setup(client)
    text = ("period,unit_code,indicator_code,value,source\n"
            "2025,510203,M03,88,平台\n2026,510203,M03,78.1,平台\n2026,510201,M03,92,平台\n")
    checked = measurements.preview(db.session, measurements.read_table("m.csv", text.encode()))
    measurements.accept(db.session, checked, world.qo, "m.csv")
    page = client.get("/indicators/trend?indicator=M03&unit=510203").get_data(as_text=True)
    assert "<svg" in page and page.count('class="series"') == 2  # the unit's line and the average
    assert 'class="line-warn"' in page and "预警 85" in page
    table = page.split('id="trend-values"')[1]
    assert 'data-status="yellow">黄色预警' in table and "<td>85.05</td>" in table  # avg of 78.1, 92
    assert client.get("/indicators/trend?indicator=M03&unit=000000").status_code == 404
    assert "<svg" not in client.get("/indicators/trend?indicator=M05").get_data(as_text=True)


def test_a_retired_indicator_keeps_its_trend_and_lines_stay_within_bounds(client, app):
    setup(client)
    measurements.accept(db.session, measurements.preview(db.session, measurements.read_table(
        "m.csv", b"period,unit_code,indicator_code,value\n2026,510203,M04,71\n")), None, "m.csv")
    client.post("/indicators/M04/active", data={"active": "0"})
    assert client.get("/indicators/trend?indicator=M04&unit=510203").status_code == 200
    before = db.session.scalar(select(func.count()).select_from(Indicator))
    huge = client.post("/indicators/new", data=LINES | {"code": "Z99", "level": "major",
                                                        "name": "x", "target": "1e400",
                                                        "warn": "1e399", "severe": "1e398"})
    assert huge.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == before
