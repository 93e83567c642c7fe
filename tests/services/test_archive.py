"""The archive policy: routine audit rows of a closed year move to the archive (append-only),
read notifications and the reminder log of closed tasks go; every decision stays; the audit
table still refuses any other delete; a dry run changes nothing."""
import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import ArchivedAuditEvent, AuditEvent, Notification, ReminderLog, utcnow
from app.scheduler import run_due_jobs
from app.services import archive
from app.services import cycles as service
from app.services.errors import Invalid
from tests import builders
from tests.builders import TARGETS

TZ = dt.timezone(dt.timedelta(hours=8))
LATER = dt.datetime(2028, 9, 1, tzinfo=TZ)  # two years on: 2026-2027 is a closed year


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def actions(model):
    return dict(db.session.execute(select(model.action, func.count()).group_by(model.action)).all())


@pytest.fixture
def world(any_app):
    world = builders.launched_college(db.session)
    run_due_jobs(dt.datetime(2026, 9, 22, 9, tzinfo=TZ))  # three days before the fill-ins' due
    submitted = dt.datetime(2026, 9, 23, 10, tzinfo=TZ)
    service.save_draft(db.session, world.fill.id, world.lead1, TARGETS, now=submitted)
    service.submit(db.session, world.fill.id, world.lead1, TARGETS, now=submitted)
    review = builders.open_task(db.session, world.cycle, "review")
    service.claim(db.session, review.id, world.head1, now=submitted)
    service.approve(db.session, review.id, world.head1, now=submitted)
    run_due_jobs(dt.datetime(2026, 11, 1, 9, tzinfo=TZ))  # the other majors' reminders
    db.session.execute(Notification.__table__.update().where(Notification.user_id == world.lead2.id)
                       .values(read_at=dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)))
    db.session.commit()
    return world


def test_routine_rows_move_to_the_archive_and_decisions_stay(world):
    before = actions(AuditEvent)
    assert before["remind"] and before["draft"] and before["claim"]
    read, unread = (count(Notification, Notification.read_at.is_not(None)),
                    count(Notification, Notification.read_at.is_(None)))
    result = archive.run(db.session, dt.datetime(2027, 9, 1, tzinfo=TZ), now=LATER)
    assert result.audit == before["remind"] + before["draft"] + before["claim"]
    after = actions(AuditEvent)
    assert not {"remind", "draft", "claim"} & set(after)
    for action in ("launch", "submit", "approve"):
        assert after[action] == before[action]  # what a review needs stays where it was
    moved = actions(ArchivedAuditEvent)
    assert moved == {a: before[a] for a in ("remind", "draft", "claim")}
    assert after["archive"] == 1
    assert count(Notification) == unread and result.notifications == read > 0
    # the submitted fill-in's reminder log goes; the open tasks' keeps them from a second one
    assert result.reminder_log > 0
    assert count(ReminderLog, ReminderLog.task_id == world.fill.id) == 0
    assert count(ReminderLog) > 0


def test_a_dry_run_or_a_recent_cut_off_changes_nothing(world):
    before = (count(AuditEvent), count(Notification))
    counted = archive.run(db.session, dt.datetime(2027, 9, 1, tzinfo=TZ), dry_run=True,
                          now=LATER)
    assert counted.audit > 0 and (count(AuditEvent), count(Notification)) == before
    with pytest.raises(Invalid, match="keeps the last year"):
        archive.run(db.session, utcnow() - dt.timedelta(days=30))
    assert (count(AuditEvent), count(Notification)) == before


def test_outside_the_archive_the_trail_still_refuses_deletes(world):
    archive.run(db.session, dt.datetime(2027, 9, 1, tzinfo=TZ), now=LATER)
    for table in ("audit_events", "audit_events_archive"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.rollback()
    assert count(ArchivedAuditEvent) > 0
