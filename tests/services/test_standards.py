"""The standard chain: every standard names the indicators that measure it, a cycle's standard
stage starts from the level's standards, and a row no indicator measures cannot be submitted."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Standard, Target
from app.services import cycles as service
from app.services import measurements, standards
from app.services.errors import Invalid
from tests import builders
from tests.builders import LAUNCH_AT, TARGETS

DATA = Path(__file__).resolve().parents[2] / "app" / "data"


@pytest.fixture
def world(app):
    world = builders.launched_college(db.session)
    measurements.seed_indicators(db.session, DATA / "indicators.yaml")
    standards.seed_standards(db.session, DATA / "standards.yaml")
    return world


def _standard_task(world):
    """Walk 软件技术's cycle through its target stage; return the standard stage's fill-in."""
    service.submit(db.session, world.fill.id, world.lead1, TARGETS, now=LAUNCH_AT)
    service.approve(db.session, builders.open_task(db.session, world.cycle).id, world.head1)
    service.approve(db.session, builders.open_task(db.session, world.cycle).id, world.qo)
    task = builders.open_task(db.session, world.cycle)
    assert task.stage == "standard" and task.kind == "fill"
    return task


def test_seeding_twice_adds_nothing(world):
    assert standards.seed_standards(db.session, DATA / "standards.yaml") == 0
    assert db.session.scalar(select(func.count()).select_from(Standard)) == 16


def test_a_standard_without_an_indicator_cannot_be_saved(world):
    with pytest.raises(Invalid, match="at least one indicator"):
        standards.save(db.session, world.qo, "BM-X1", "major", "action", "课堂革命", "", " , ")
    assert db.session.scalar(select(Standard).where(Standard.code == "BM-X1")) is None


def test_a_standard_measured_by_another_levels_indicator_is_refused(world):
    with pytest.raises(Invalid, match="K01"):
        standards.save(db.session, world.qo, "BM-X1", "major", "action", "课堂革命", "", "M01, K01")


def test_saving_a_standard_keeps_its_indicators_and_audits(world):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    saved = standards.save(db.session, world.qo, "bm-x1", "major", "result", "技能竞赛获奖",
                           "省级以上获奖", "m05，m01")
    assert (saved.code, saved.indicator_codes) == ("BM-X1", "M05,M01")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1


def test_a_taken_code_is_refused(world):
    with pytest.raises(Invalid, match="taken"):
        standards.save(db.session, world.qo, "BM-P1", "major", "plan", "重复", "", "M01")


def test_the_standard_stage_is_proposed_from_the_levels_standards(world):
    proposal = standards.proposal(db.session, world.cycle)
    rows = proposal["standards"]
    assert {r["kind"] for r in rows} == {"plan", "resource", "action", "result"}
    m01 = next(r for r in rows if r["indicator"].startswith("M01"))
    assert (m01["target"], m01["standard"], m01["warning"]) == ("90", "90", "80")


def test_the_units_own_target_replaces_the_librarys_in_the_proposal(world):
    db.session.add(Target(unit_id=world.m1.id, period_id=world.year.id, indicator_code="M01",
                          value=95, deadline=world.year.end, created_by_id=world.qo.id))
    db.session.commit()
    rows = standards.proposal(db.session, world.cycle)["standards"]
    m01 = next(r for r in rows if r["indicator"].startswith("M01"))
    assert (m01["target"], m01["standard"]) == ("95", "90")


def test_a_standard_row_no_indicator_measures_is_refused_at_submission(world):
    task = _standard_task(world)
    fields = {"summary": "标准", "standards": [
        {"kind": "result", "indicator": "M01 专业毕业去向落实率", "target": "90", "standard": "90",
         "warning": "80"},
        {"kind": "action", "indicator": "学生满意度很高", "target": "90", "standard": "85",
         "warning": "80"}]}
    with pytest.raises(Invalid) as caught:
        service.submit(db.session, task.id, world.lead1, fields)
    assert list(caught.value.errors) == ["standards[2].indicator"]
    assert builders.open_task(db.session, world.cycle).id == task.id  # nothing submitted


def test_a_measurable_standard_stage_is_submitted(world):
    task = _standard_task(world)
    fields = {"summary": "标准", **standards.proposal(db.session, world.cycle)}
    version = service.submit(db.session, task.id, world.lead1, fields)
    assert len(version.data["standards"]) == len(fields["standards"])


def test_a_new_installation_seeds_the_library_from_the_command_line(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["library", "seed"])
    assert first.exit_code == 0
    assert first.output.strip() == ("added 20 indicator(s) and 16 standard(s); the diagnosis "
                                    "catalogue")
    again = runner.invoke(args=["library", "seed"])
    assert again.output.strip() == "added 0 indicator(s) and 0 standard(s)"
