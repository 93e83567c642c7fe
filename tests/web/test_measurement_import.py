"""The quality office imports the data platform's export through the web: check, then accept."""
import io
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import Measurement
from app.services import measurements
from tests import builders
from tests.web.conftest import sign_in

DATA = Path(__file__).resolve().parents[2] / "app" / "data"
HEADER = "period,unit_code,unit_name,indicator_code,indicator_name,value,source\n"
GOOD = HEADER + "2026,510203,软件技术,M01,去向落实率,95.5,平台\n2026,510201,计应,M03,报到率,78.1,平台\n"


def stored():
    return db.session.scalar(select(func.count()).select_from(Measurement))


def upload(client, text, name="export.csv"):
    return client.post("/indicators/import", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_check_then_accept_then_nothing_changes_the_second_time(client, app):
    world = builders.build_college(db.session)
    measurements.seed_indicators(db.session, DATA / "indicators.yaml")
    sign_in(client, world.qo)
    html = upload(client, GOOD).get_data(as_text=True)
    assert "accept-form" in html and "黄色预警" in html and stored() == 0
    token = html.split('name="token" value="')[1].split('"')[0]
    response = client.post("/indicators/import/accept", data={"token": token, "name": "export.csv"})
    assert response.status_code == 303 and stored() == 2
    assert "新增 2" in client.get("/indicators/").get_data(as_text=True)
    html = upload(client, GOOD).get_data(as_text=True)
    token = html.split('name="token" value="')[1].split('"')[0]
    client.post("/indicators/import/accept", data={"token": token, "name": "export.csv"})
    assert "未变 2" in client.get("/indicators/").get_data(as_text=True)
    replay = client.post("/indicators/import/accept", data={"token": token})
    assert replay.status_code == 303 and stored() == 2  # a used check cannot be replayed


def test_bad_rows_are_listed_and_cannot_be_accepted(client, app):
    world = builders.build_college(db.session)
    measurements.seed_indicators(db.session, DATA / "indicators.yaml")
    sign_in(client, world.qo)
    html = upload(client, HEADER + "2026,510203,软件技术,M01,x,很高,平台\n").get_data(as_text=True)
    assert "accept-form" not in html and "“很高”不是数字" in html
    assert client.post("/indicators/import/accept",
                       data={"token": "../../etc/passwd"}).status_code == 303
    assert stored() == 0


def test_the_traffic_lights_show_each_units_status(client, app):
    world = builders.build_college(db.session)
    measurements.seed_indicators(db.session, DATA / "indicators.yaml")
    checked = measurements.preview(db.session, measurements.read_table("m.csv", GOOD.encode()))
    measurements.accept(db.session, checked, world.qo, "m.csv")
    sign_in(client, world.qo)
    html = client.get("/indicators/lights?level=major&period=2026").get_data(as_text=True)
    matrix = html.split('id="lights"')[1]
    assert 'class="light-met" data-status="met"><a href="/indicators/trend?indicator=M01&amp;unit=510203"' in matrix
    assert '>95.5</a>' in matrix
    assert 'class="light-yellow" data-status="yellow"><a ' in matrix and ">78.1</a>" in matrix
    assert "软件技术" in matrix and "计算机应用技术" in matrix
    assert "暂无该周期的监测数据" in client.get("/indicators/lights?period=1999").get_data(as_text=True)
