"""The spiral's next turn: closing a cycle opens (or links) its subject's cycle of the next
period, carrying exactly its improvement plan's measures as open items; the next targets come
from this turn's results; the next diagnosis says how each measure was carried out."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CarriedMeasure, Cycle, Period
from app.services import cycles as service
from app.services import turns
from tests import builders
from tests.builders import LAUNCH_AT, valid_fields

PLAN = [{"problem": "就业率未达标", "measure": "拓展合作企业", "owner": "软件专业负责人",
         "deadline": "2027-12-31"},
        {"problem": "双师比例偏低", "measure": "安排教师企业实践", "owner": "软件专业负责人",
         "deadline": "2027-10-31"}]
DIAGNOSIS = {"strengths": "完成建设任务", "problems": "就业率未达标",
             "achievements": [
                 {"indicator": "M01 专业毕业去向落实率", "target": "90", "actual": "84",
                  "met": "no", "measure": "拓展合作企业"},
                 {"indicator": "M02", "target": "60", "actual": "66.5", "met": "yes"},
                 {"indicator": "K02", "target": "10", "actual": "6", "met": "yes"}]}


def _fields(stage):
    if stage.name == "improve":
        return {"measures": PLAN, "summary": "改进方案"}
    if stage.name == "diagnose":
        return DIAGNOSIS | {"achievements": DIAGNOSIS["achievements"][:2]}
    return valid_fields(stage)


def _next_year(session):
    year = Period(kind="year", name="2027-2028学年", start=dt.date(2027, 9, 1),
                  end=dt.date(2028, 8, 31), data_label="2027")
    session.add(year)
    session.commit()
    return year


@pytest.fixture
def world(app):
    world = builders.launched_college(db.session)
    return world


def _close(world):
    builders.walk_to(db.session, world, world.cycle, "closed", fields=_fields)
    return world.cycle


def test_closing_opens_the_next_periods_cycle_with_the_plan_as_open_items(world):
    following_year = _next_year(db.session)
    cycle = _close(world)
    following = turns.same_subject(db.session, cycle, following_year)
    assert following is not None and following.previous_id == cycle.id
    assert following.stage == "target" and following.owner_id == cycle.owner_id
    items = turns.open_items(db.session, following)
    assert [(i.measure, i.status, i.deadline) for i in items] == [
        ("拓展合作企业", "open", dt.date(2027, 12, 31)), ("安排教师企业实践", "open",
                                                   dt.date(2027, 10, 31))]
    # other majors, still running, opened nothing
    assert db.session.scalar(select(func.count()).select_from(Cycle)
                             .where(Cycle.period_id == following_year.id)) == 1


def test_without_a_next_period_the_later_launch_links_the_turns_once(world):
    cycle = _close(world)
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 3  # nothing opened
    following_year = _next_year(db.session)
    service.launch_cycles(db.session, world.qo, "major", following_year.id, now=LAUNCH_AT)
    following = turns.same_subject(db.session, cycle, following_year)
    assert following.previous_id == cycle.id
    others = db.session.scalars(select(Cycle).where(Cycle.period_id == following_year.id,
                                                    Cycle.id != following.id)).all()
    assert {c.previous_id for c in others} == {world.cycles["510201"].id,
                                               world.cycles["460301"].id}
    assert db.session.scalar(select(func.count()).select_from(CarriedMeasure)) == 2
    assert turns.carry_over(db.session, cycle, following, LAUNCH_AT) == 0  # once only
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CarriedMeasure)) == 2


def test_the_next_targets_raise_what_was_met_and_keep_what_was_missed(world):
    following_year = _next_year(db.session)
    cycle = _close(world)
    following = turns.same_subject(db.session, cycle, following_year)
    assert turns.proposed_targets(db.session, following) == [
        {"indicator": "M01 专业毕业去向落实率", "baseline": "84", "target": "90",
         "deadline": "2028-08-31"},
        {"indicator": "M02", "baseline": "66.5", "target": "66.5", "deadline": "2028-08-31"}]


def test_the_next_diagnosis_records_how_each_measure_was_carried_out(world):
    following_year = _next_year(db.session)
    cycle = _close(world)
    following = turns.same_subject(db.session, cycle, following_year)
    follow_up = [{"measure": "拓展合作企业", "status": "done", "evidence": "新增合作企业 6 家"},
                 {"measure": "安排教师企业实践", "status": "partial", "evidence": "3 人完成"}]

    def fields(stage):
        return (_fields(stage) | {"follow_up": follow_up}) if stage.name == "diagnose" \
            else _fields(stage)

    world.cycle = following
    builders.walk_to(db.session, world, following, "learn", fields=fields)
    items = {i.measure: (i.status, i.follow_up) for i in turns.open_items(db.session, following)}
    assert items == {"拓展合作企业": ("done", "新增合作企业 6 家"),
                     "安排教师企业实践": ("partial", "3 人完成")}
    chain = turns.chain(db.session, following)
    assert [(t.cycle.id, t.met, t.judged) for t in chain] == [(cycle.id, 1, 2),
                                                              (following.id, 1, 2)]
