"""The standard chain in the browser: everyone reads it, the quality office keeps it, and a
cycle's standard stage opens pre-filled from it."""
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Standard
from app.services import cycles as service
from app.services import measurements, standards
from tests import builders
from tests.builders import LAUNCH_AT, TARGETS
from tests.web.conftest import sign_in

DATA = Path(__file__).resolve().parents[2] / "app" / "data"


def setup():
    world = builders.launched_college(db.session)
    measurements.seed_indicators(db.session, DATA / "indicators.yaml")
    standards.seed_standards(db.session, DATA / "standards.yaml")
    return world


def test_every_member_of_staff_reads_the_standards_of_a_level(client, app):
    world = setup()
    sign_in(client, world.teacher)
    page = client.get("/standards/?level=course").get_data(as_text=True)
    assert "课堂教学质量" in page and "K01" in page and "专业人才培养方案" not in page
    assert "新建标准" not in page  # only the quality office keeps the chain


def test_a_standard_without_indicators_is_refused_with_the_reason(client, app):
    world = setup()
    sign_in(client, world.qo)
    form = {"code": "BM-X1", "level": "major", "kind": "result", "name": "技能竞赛获奖",
            "requirement": "", "indicator_codes": ""}
    refused = client.post("/standards/new", data=form)
    assert refused.status_code == 422
    assert "请至少填写一个衡量该标准的指标" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Standard).where(Standard.code == "BM-X1")) is None
    saved = client.post("/standards/new", data=form | {"indicator_codes": "M05"})
    assert saved.status_code == 303
    assert db.session.scalar(select(Standard.indicator_codes)
                             .where(Standard.code == "BM-X1")) == "M05"


def test_the_standard_stage_opens_with_the_levels_standards(client, app):
    world = setup()
    service.submit(db.session, world.fill.id, world.lead1, TARGETS, now=LAUNCH_AT)
    service.approve(db.session, builders.open_task(db.session, world.cycle).id, world.head1)
    service.approve(db.session, builders.open_task(db.session, world.cycle).id, world.qo)
    task = builders.open_task(db.session, world.cycle)
    sign_in(client, world.lead1)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'value="M02 双师素质教师比例（专业课）"' in page
    assert 'value="BK-' not in page and "K01" not in page  # only the major level's
