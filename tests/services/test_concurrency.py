"""Two people acting on the same task at once never both win (on SQLite and PostgreSQL)."""
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Task, User
from app.services import cycles as service
from tests import builders
from tests.builders import LAUNCH_AT, TARGETS, launch, open_task
from workflows import Refused


def _race(app, calls):
    """Run each call in its own thread and app context, released together."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                call(db.session)
                results[i] = "ok"
            except Refused as exc:
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.parametrize("second", ["approve", "return"])
def test_two_heads_deciding_one_review_at_once_one_wins(any_app, second):
    session = db.session
    world = builders.build_college(session)
    deputy = builders.person(session, "head1b", "信息系副主任", world.d1, "unit_leader")
    session.commit()
    launch(session, world)
    cycle = world.cycles["510203"]
    service.submit(session, open_task(session, cycle).id, world.lead1, TARGETS, now=LAUNCH_AT)
    review_id = open_task(session, cycle).id
    ids = (world.head1.id, deputy.id)
    db.session.remove()

    def decide(user_id, action):
        def call(s):
            user = s.get(User, user_id)
            if action == "approve":
                service.approve(s, review_id, user, now=LAUNCH_AT)
            else:
                service.return_for_revision(s, review_id, user, "请补充数据", now=LAUNCH_AT)
        return call

    results = _race(any_app, [decide(ids[0], "approve"), decide(ids[1], second)])
    assert results.count("ok") == 1, results
    loser = next(r for r in results if r != "ok")
    assert "handled" in str(loser)
    decided = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.task_id == review_id, AuditEvent.action.in_(["approve", "return"])))
    assert decided == 1
    assert db.session.get(Task, review_id).status == "done"
