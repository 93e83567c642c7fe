"""The small loop (监测 → 预警 → 改进): a value beyond its line opens one warning for the
unit's owner, who acknowledges it and gives a measure; a later value inside verifies it, and
evidence closes it. Steps not taken in time go one tier up, once each."""
import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Notification, Warning
from app.services import measurements
from app.services import warnings as service
from app.services.errors import Forbidden, Invalid, NotFound
from tests import builders
from workflows import Refused

TZ = dt.timezone(dt.timedelta(hours=8))
HEADER = "period,unit_code,indicator_code,value,source\n"
#: Monday 2026-10-12, 10:00 in Beijing: the warnings below open then.
OPENED = dt.datetime(2026, 10, 12, 10, 0, tzinfo=TZ)


@pytest.fixture
def world(app):
    return builders.build_college(db.session)


def put(world, rows: str, now=OPENED, who=None):
    checked = measurements.preview(db.session, measurements.read_table(
        "m.csv", (HEADER + rows).encode()))
    assert not checked.bad, [(r.number, r.error) for r in checked.bad]
    return measurements.accept(db.session, checked, who or world.qo, "m.csv", now=now)


def the_warning(code="M03", unit=None, period="2026") -> Warning | None:
    query = select(Warning).where(Warning.indicator_code == code, Warning.period_label == period)
    if unit is not None:
        query = query.where(Warning.unit_id == unit.id)
    return db.session.scalars(query).first()


def notes(user, kind):
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind))


def tick(app, at: str) -> str:
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", at])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_value_beyond_the_warning_line_opens_one_warning_for_the_owner(world):
    counts = put(world, "2026,510203,M03,70,教务处\n2026,510203,M01,95,教务处\n")
    assert counts["opened"] == 1
    warning = the_warning()
    assert (warning.state, warning.severity, warning.owner_id, warning.tier) == (
        "open", "red", world.lead1.id, 0)
    # two working days to acknowledge: Wednesday 18:00
    assert warning.due_at == dt.datetime(2026, 10, 14, 18, 0, tzinfo=TZ)
    assert notes(world.lead1, "warning_opened") == 1 and notes(world.head1, "warning_opened") == 0


def test_the_same_value_twice_or_a_worse_one_keeps_one_warning(world):
    put(world, "2026,510203,M03,82,教务处\n")  # yellow: below 85, above 75
    put(world, "2026,510203,M03,82,教务处\n")
    assert the_warning().severity == "yellow"
    put(world, "2026,510203,M03,70,教务处\n")  # now red
    assert db.session.scalar(select(func.count()).select_from(Warning)) == 1
    assert (the_warning().severity, the_warning().latest_value) == ("red", 70)
    assert notes(world.lead1, "warning_opened") == 1


def test_a_value_short_of_target_but_inside_the_lines_opens_nothing(world):
    assert put(world, "2026,510203,M03,87,教务处\n")["opened"] == 0  # target 90, warning 85
    assert the_warning() is None


def test_last_years_value_beside_this_years_is_history_and_opens_nothing(world):
    put(world, "2025,510203,M03,70,教务处\n2026,510203,M03,92,教务处\n")
    assert the_warning(period="2025") is None and the_warning(period="2026") is None


def test_the_loop_from_warning_to_closed(world):
    put(world, "2026,510203,M03,70,教务处\n")
    warning = the_warning()
    with pytest.raises(Refused, match="later value is back inside"):
        service.close(db.session, warning.id, world.lead1, "已整改", now=OPENED)
    db.session.rollback()
    service.acknowledge(db.session, warning.id, world.lead1, now=OPENED)
    with pytest.raises(Invalid, match="rectification measure"):
        service.rectify(db.session, warning.id, world.lead1, "  ", None, now=OPENED)
    service.rectify(db.session, warning.id, world.lead1, "加强招生宣传，核查未报到原因",
                    dt.date(2026, 11, 30), now=OPENED)
    assert the_warning().state == "rectifying"
    assert the_warning().due_at == dt.datetime(2026, 11, 30, 18, 0, tzinfo=TZ)
    assert put(world, "2026,510203,M03,91,补录数据\n")["verified"] == 1
    assert the_warning().state == "verified"
    assert notes(world.lead1, "warning_verified") == 1
    service.close(db.session, warning.id, world.lead1, "补报到 12 人，报到率 91%", now=OPENED)
    closed = the_warning()
    assert (closed.state, closed.closed_by_id) == ("closed", world.lead1.id)
    trail = db.session.scalars(select(AuditEvent.action).where(AuditEvent.warning_id == warning.id)
                               .order_by(AuditEvent.id)).all()
    assert trail == ["warning_open", "warning_acknowledge", "warning_rectify", "warning_verify",
                     "warning_close"]


def test_a_measure_given_after_the_value_recovered_verifies_at_once(world):
    put(world, "2026,510203,M03,70,教务处\n")
    put(world, "2026,510203,M03,90,教务处\n")  # back inside before anyone acted
    warning = service.rectify(db.session, the_warning().id, world.lead1, "核查数据", None,
                              now=OPENED)
    assert warning.state == "verified"


def test_crossing_again_after_verification_or_closing_brings_the_warning_back(world):
    put(world, "2026,510203,M03,70,教务处\n")
    warning_id = the_warning().id
    service.rectify(db.session, warning_id, world.lead1, "核查", None, now=OPENED)
    put(world, "2026,510203,M03,90,教务处\n")
    assert put(world, "2026,510203,M03,80,教务处\n")["reopened"] == 1
    assert the_warning().state == "rectifying"
    put(world, "2026,510203,M03,90,教务处\n")
    service.close(db.session, warning_id, world.lead1, "已恢复", now=OPENED)
    put(world, "2026,510203,M03,72,教务处\n")
    reopened = the_warning()
    assert (reopened.state, reopened.tier, reopened.closed_at) == ("open", 0, None)
    assert db.session.scalar(select(func.count()).select_from(Warning)) == 1


def test_only_the_owner_acts_until_the_warning_is_escalated(world):
    put(world, "2026,510203,M03,70,教务处\n")
    warning_id = the_warning().id
    with pytest.raises(Forbidden):
        service.acknowledge(db.session, warning_id, world.head1, now=OPENED)
    db.session.rollback()
    with pytest.raises(NotFound):  # another major's lead does not even see it
        service.acknowledge(db.session, warning_id, world.lead2, now=OPENED)
    db.session.rollback()
    service.acknowledge(db.session, warning_id, world.qo, now=OPENED)  # the office always may
    assert the_warning().state == "acknowledged"


def test_unhandled_steps_escalate_one_tier_at_a_time_once(app, world):
    put(world, "2026,510203,M03,70,教务处\n")
    assert "escalated 0 warning" in tick(app, "2026-10-14T17:59+08:00")
    assert "escalated 1 warning" in tick(app, "2026-10-14T18:00+08:00")
    assert "escalated 0 warning" in tick(app, "2026-10-14T18:00+08:00")  # the same tick twice
    warning = the_warning()
    assert warning.tier == 1 and notes(world.head1, "warning_escalated") == 1
    assert notes(world.head2, "warning_escalated") == 0 and notes(world.qo, "warning_escalated") == 0
    # now the department head may act; the measure is due in five working days
    service.acknowledge(db.session, warning.id, world.head1,
                        now=dt.datetime(2026, 10, 15, 10, 0, tzinfo=TZ))
    assert "escalated 0 warning" in tick(app, "2026-10-22T17:59+08:00")
    assert "escalated 1 warning" in tick(app, "2026-10-22T18:00+08:00")
    assert the_warning().tier == 2 and notes(world.qo, "warning_escalated") == 1
    assert "escalated 0 warning" in tick(app, "2026-12-31T09:00+08:00")  # the top tier


@pytest.mark.postgres
def test_two_imports_at_once_open_one_warning(pg_app):
    world = builders.build_college(db.session)
    table = measurements.read_table("m.csv", (HEADER + "2026,510203,M03,70,教务处\n").encode())
    barrier = threading.Barrier(2)
    errors = []

    def run():
        with pg_app.app_context():
            try:
                checked = measurements.preview(db.session, table)
                db.session.rollback()
                barrier.wait(timeout=10)
                measurements.accept(db.session, checked, None, "m.csv", now=OPENED)
            except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(Warning)) == 1
    assert notes(world.lead1, "warning_opened") == 1


def test_a_later_periods_value_inside_the_line_verifies_an_earlier_rectification(world):
    put(world, "2026,510203,M03,70,教务处\n")
    warning_id = the_warning().id
    service.rectify(db.session, warning_id, world.lead1, "走访未报到学生", None, now=OPENED)
    assert put(world, "2027,510203,M03,93,教务处\n")["verified"] == 1
    assert db.session.get(Warning, warning_id).state == "verified"


def test_a_tier_with_no_one_in_it_is_passed_over(app, world):
    department_warning = "2026,D02,M03,60,教务处\n"  # 智能制造学院's own; its leader owns it
    put(world, department_warning)
    warning = the_warning(unit=world.d2)
    assert warning.owner_id == world.head2.id
    assert "escalated 1 warning" in tick(app, "2026-10-14T18:00+08:00")
    # nobody leads the college as a unit: the quality office has it at once
    assert the_warning(unit=world.d2).tier == 2 and notes(world.qo, "warning_escalated") == 1


def test_periods_are_years_and_unstorable_text_is_refused(world):
    checked = measurements.preview(db.session, measurements.read_table("m.csv", (
        HEADER + "abc,510203,M03,88,x\n2026-01-01 00:00:00,510203,M03,88,x\n"
        "2026,510203,M03,88,x\x01\n2026,,M03,88,x\n2026,510203,,88,x\n2027,510203,M03,88,x\n"
    ).encode()))
    assert [(r.number, r.error) for r in checked.bad] == [
        (2, "The period %(period)s is not a year such as 2026."),
        (3, "The period %(period)s is not a year such as 2026."),
        (4, "The text contains characters that cannot be stored."),
        (5, "The unit is missing."), (6, "The indicator is missing.")]
    assert [r.number for r in checked.good] == [7]
