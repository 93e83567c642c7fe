"""The target chain (目标链): SMART or not saved, cascaded one tier down, confirmed or returned by
the receiver, added up at the parent; at diagnosis a missed target needs an improvement measure."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Notification, Target
from app.services import cycles as cycle_service
from app.services import measurements
from app.services import targets as service
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from tests import builders

DEADLINE = dt.date(2027, 8, 31)


@pytest.fixture
def world(app):
    world = builders.build_college(db.session)
    world.goal = service.create(db.session, world.qo, world.college.id, world.year.id, "S03", "92",
                                DEADLINE, baseline="89.5", title="毕业去向落实率")
    return world


def notes(user, kind):
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind))


def test_a_target_without_indicator_number_or_deadline_is_not_saved(world):
    with pytest.raises(Invalid) as caught:
        service.create(db.session, world.qo, world.d1.id, world.year.id, "", "很高", None)
    assert set(caught.value.errors) == {"indicator", "value", "deadline"}
    with pytest.raises(Invalid) as caught:
        service.create(db.session, world.qo, world.d1.id, world.year.id, "Z99", "90", DEADLINE)
    assert set(caught.value.errors) == {"indicator"}
    assert db.session.scalar(select(func.count()).select_from(Target)) == 1  # the college's


def test_only_leaders_above_or_the_office_set_a_units_targets(world):
    with pytest.raises(Forbidden):
        service.create(db.session, world.head2, world.d1.id, world.year.id, "S03", "90", DEADLINE)
    made = service.create(db.session, world.head1, world.m1.id, world.year.id, "M01", "93",
                          DEADLINE)
    assert made.status == "confirmed"


def test_a_cascade_waits_for_each_receiver_to_confirm_or_return(world):
    result = service.cascade(db.session, world.qo, world.goal.id,
                             {world.d1.id: "92", world.d2.id: "90"})
    d1, d2 = sorted(result.created, key=lambda t: t.unit.code)
    assert (d1.status, d1.value, d1.deadline, d1.parent_id) == ("pending", 92, DEADLINE,
                                                                 world.goal.id)
    assert notes(world.head1, "target_cascaded") == 1 and notes(world.head2, "target_cascaded") == 1
    with pytest.raises(Forbidden):  # only the receiving unit decides, not who sent it
        service.confirm(db.session, d1.id, world.qo)
    db.session.rollback()
    with pytest.raises(NotFound):  # and another department does not even see it
        service.confirm(db.session, d1.id, world.head2)
    db.session.rollback()
    service.confirm(db.session, d1.id, world.head1)
    with pytest.raises(Invalid, match="reason"):
        service.return_target(db.session, d2.id, world.head2, " ")
    service.return_target(db.session, d2.id, world.head2, "本院去年仅 86%，建议 89%")
    assert notes(world.qo, "target_confirmed") == 1 and notes(world.qo, "target_returned") == 1
    rollup = service.rollups(db.session, [world.goal])[world.goal.id]
    assert (rollup.count("confirmed"), rollup.count("returned"), rollup.count("pending")) == (1, 1, 0)
    assert (rollup.combined, rollup.how, rollup.meets_parent) == (92, "mean", True)


def test_a_returned_target_is_revised_and_sent_again_a_confirmed_one_is_left(world):
    result = service.cascade(db.session, world.qo, world.goal.id,
                             {world.d1.id: "92", world.d2.id: "92"})
    d1, d2 = sorted(result.created, key=lambda t: t.unit.code)
    service.confirm(db.session, d1.id, world.head1)
    service.return_target(db.session, d2.id, world.head2, "偏高")
    again = service.cascade(db.session, world.qo, world.goal.id,
                            {world.d1.id: "95", world.d2.id: "89"})
    assert [t.id for t in again.resent] == [d2.id] and [u.code for u, _ in again.skipped] == ["D01"]
    revised = db.session.get(Target, d2.id)
    assert (revised.status, revised.value, revised.return_reason) == ("pending", 89, None)
    assert db.session.get(Target, d1.id).value == 92
    rollup = service.rollups(db.session, [world.goal])[world.goal.id]
    assert (rollup.combined, rollup.meets_parent) == (90.5, False)


def test_a_target_goes_down_one_tier_at_a_time(world):
    with pytest.raises(Invalid, match="directly below"):
        service.cascade(db.session, world.qo, world.goal.id, {world.m1.id: "92"})


def test_a_department_hands_its_confirmed_target_to_its_majors(world):
    d1 = service.cascade(db.session, world.qo, world.goal.id, {world.d1.id: "92"}).created[0]
    with pytest.raises(Invalid, match="Confirm this target"):
        service.cascade(db.session, world.head1, d1.id, {world.m1.id: "93"}, "M01")
    service.confirm(db.session, d1.id, world.head1)
    majors = service.cascade(db.session, world.head1, d1.id,
                             {world.m1.id: "93", world.m2.id: "91"}, "M01").created
    assert {t.indicator_code for t in majors} == {"M01"}
    with pytest.raises(NotFound):  # another major's lead does not see it
        service.confirm(db.session, majors[0].id, world.lead2 if majors[0].unit_id == world.m1.id
                        else world.lead1)
    db.session.rollback()
    mine = next(t for t in majors if t.unit_id == world.m1.id)
    service.confirm(db.session, mine.id, world.lead1)
    with pytest.raises(Conflict, match="already been confirmed"):
        service.confirm(db.session, mine.id, world.lead1)


def test_the_baseline_of_a_cascaded_target_is_the_units_last_value(world):
    checked = measurements.preview(db.session, measurements.read_table("m.csv", (
        "period,unit_code,indicator_code,value\n2025,D01,S03,88.4\n").encode()))
    measurements.accept(db.session, checked, world.qo, "m.csv")
    d1 = service.cascade(db.session, world.qo, world.goal.id, {world.d1.id: "92"}).created[0]
    assert d1.baseline == Decimal("88.4")


def test_the_approved_target_stage_becomes_the_units_targets(world):
    builders.launch(db.session, world)
    cycle = world.cycles["510203"]
    builders.walk_to(db.session, world, cycle, "standard", fields=lambda stage: {
        "summary": "目标", "targets": [
            {"indicator": "M01", "baseline": "88", "target": "93", "deadline": "2027-08-31"},
            {"indicator": "专业相关度", "baseline": "70", "target": "75",
             "deadline": "2027-08-31"}]})
    mine = {t.indicator_code: t for t in service.of_cycle(db.session, cycle)}
    assert set(mine) == {"M01", "M04"} and mine["M04"].value == 75
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "target_from_cycle")) == 2


def _at_diagnosis(world, m01_actual: str):
    builders.launch(db.session, world)
    cycle = world.cycles["510203"]
    service.create(db.session, world.head1, world.m1.id, world.year.id, "M01", "90", DEADLINE)
    checked = measurements.preview(db.session, measurements.read_table("m.csv", (
        f"period,unit_code,indicator_code,value\n2026,510203,M01,{m01_actual}\n").encode()))
    measurements.accept(db.session, checked, world.qo, "m.csv")
    return cycle, builders.walk_to(db.session, world, cycle, "diagnose")


def _diagnosis(met: str, measure: str = "") -> dict:
    return {"strengths": "就业质量提升", "problems": "部分专业对口率低",
            "achievements": [{"indicator": "M01 专业毕业去向落实率", "target": "90",
                              "actual": "84", "met": met, "cause": "", "measure": measure}]}


def test_a_missed_target_cannot_be_reported_met_or_left_without_a_measure(world):
    cycle, task = _at_diagnosis(world, "84")
    with pytest.raises(Invalid) as caught:
        cycle_service.submit(db.session, task.id, world.lead1, _diagnosis("yes"))
    assert list(caught.value.errors) == ["achievements[1].met"]
    with pytest.raises(Invalid) as caught:
        cycle_service.submit(db.session, task.id, world.lead1, _diagnosis("no"))
    assert list(caught.value.errors) == ["achievements[1].measure"]
    other = _diagnosis("no", "x") | {"achievements": [
        {"indicator": "M04", "target": "70", "actual": "72", "met": "yes"}]}
    with pytest.raises(Invalid) as caught:
        cycle_service.submit(db.session, task.id, world.lead1, other)
    assert "M01" in caught.value.errors["achievements"][1]["target"]
    cycle_service.submit(db.session, task.id, world.lead1, _diagnosis("no", "开拓合作企业"))
    review = builders.open_task(db.session, cycle, "review")
    cycle_service.approve(db.session, review.id, world.head1)
    assert builders.open_task(db.session, cycle, "review").step == 1


def test_data_that_arrives_after_submission_stops_an_approval(world):
    cycle, task = _at_diagnosis(world, "93")
    service.create(db.session, world.head1, world.m1.id, world.year.id, "M04", "70", DEADLINE)
    fields = _diagnosis("yes") | {"achievements": [
        {"indicator": "M01", "target": "90", "actual": "93", "met": "yes"}]}
    cycle_service.submit(db.session, task.id, world.lead1, fields)
    checked = measurements.preview(db.session, measurements.read_table("m.csv", (
        "period,unit_code,indicator_code,value\n2026,510203,M04,61\n").encode()))
    measurements.accept(db.session, checked, world.qo, "m.csv")
    review = builders.open_task(db.session, cycle, "review")
    with pytest.raises(Conflict, match="M04"):
        cycle_service.approve(db.session, review.id, world.head1)
    db.session.rollback()
    assert builders.open_task(db.session, cycle, "review").id == review.id  # still open
    cycle_service.return_for_revision(db.session, review.id, world.head1, "M04 未达标，请补充措施")


def test_the_diagnosis_form_starts_from_the_targets_and_the_data(world):
    cycle, _task = _at_diagnosis(world, "84")
    from app.services import deliverables
    proposal = deliverables.proposal(db.session, cycle, cycle.definition.stage("diagnose"))
    assert proposal["achievements"] == [{"indicator": "M01 专业毕业去向落实率", "target": "90",
                                         "actual": "84", "met": "no"}]


def test_a_majors_target_takes_a_major_level_indicator(world):
    with pytest.raises(Invalid) as caught:
        service.create(db.session, world.head1, world.m1.id, world.year.id, "S01", "16", DEADLINE)
    assert "S01" in str(caught.value.errors["indicator"][1])
    # a department may aim at the school's indicators and the majors' alike
    service.create(db.session, world.qo, world.d1.id, world.year.id, "S01", "16", DEADLINE)
    service.create(db.session, world.qo, world.d1.id, world.year.id, "M02", "60", DEADLINE)


def test_values_no_indicator_can_take_and_far_deadlines_are_refused(world):
    for code, value, deadline, field in (("M04", "-5", DEADLINE, "value"),
                                         ("M01", "99999", DEADLINE, "value"),
                                         ("M01", "95", dt.date(9999, 12, 31), "deadline")):
        with pytest.raises(Invalid) as caught:
            service.create(db.session, world.head1, world.m1.id, world.year.id, code, value,
                           deadline)
        assert list(caught.value.errors) == [field], (code, value)
        db.session.rollback()


def test_a_department_is_told_which_indicators_its_targets_take(world):
    with pytest.raises(Invalid) as caught:
        service.create(db.session, world.qo, world.d1.id, world.year.id, "K01", "90", DEADLINE)
    assert "school- or major-level" in caught.value.errors["indicator"][0]


def test_no_target_goes_to_a_post_and_a_repeated_cascade_sends_nothing_twice(world):
    post = builders.unit(db.session, "P01", "教学运行科", "post", world.d1)
    db.session.commit()
    with pytest.raises(Invalid):
        service.create(db.session, world.qo, post.id, world.year.id, "S03", "90", DEADLINE)
    db.session.rollback()
    d1 = service.cascade(db.session, world.qo, world.goal.id, {world.d1.id: "92"}).created[0]
    service.confirm(db.session, d1.id, world.head1)
    with pytest.raises(Invalid, match="directly below"):
        service.cascade(db.session, world.head1, d1.id, {post.id: "92"})
    db.session.rollback()
    service.cascade(db.session, world.head1, d1.id, {world.m1.id: "92"}, "M01")
    again = service.cascade(db.session, world.head1, d1.id, {world.m1.id: "92"}, "M01")
    assert (again.created, again.resent, len(again.skipped)) == ([], [], 1)
    assert notes(world.lead1, "target_cascaded") == 1


def test_a_diagnosis_names_each_target_once(world):
    cycle, task = _at_diagnosis(world, "84")
    twice = _diagnosis("no", "加强就业指导") | {"achievements": [
        {"indicator": "M01", "target": "90", "actual": "84", "met": "no", "measure": "加强指导"},
        {"indicator": "M01 专业毕业去向落实率", "target": "90", "actual": "84", "met": "yes"}]}
    with pytest.raises(Invalid) as caught:
        cycle_service.submit(db.session, task.id, world.lead1, twice)
    assert "achievements[2].indicator" in caught.value.errors


def test_the_colleges_targets_on_major_indicators_pass_its_school_cycle(world):
    from app.services import deliverables
    service.create(db.session, world.qo, world.college.id, world.year.id, "M02", "60", DEADLINE)
    cycle = cycle_service.launch_cycles(db.session, world.qo, "school", world.year.id).created[0]
    proposal = deliverables.proposal(db.session, cycle, cycle.definition.stage("target"))
    assert [r["indicator"] for r in proposal["targets"]] == ["M02 双师素质教师比例（专业课）",
                                                             "S03 毕业去向落实率"]
    task = builders.open_task(db.session, cycle, "fill")
    rows = [dict(r, baseline=r["baseline"] or "55") for r in proposal["targets"]]
    cycle_service.submit(db.session, task.id, world.qo, {"summary": "学校目标", "targets": rows})
    assert builders.open_task(db.session, cycle).kind == "review"
