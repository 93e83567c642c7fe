"""SQLite plans without statistics (nobody runs ANALYZE on an embedded database), and where
two indexes look alike to it, the order the schema lists them in decides; a migration that
rebuilds a table may change that order. The lists must not hang on it."""
import pytest
from sqlalchemy import event, text
from sqlalchemy.schema import CreateIndex

from app import queries
from app.extensions import db
from app.models import Task
from tests import builders

GROUP = "ix_tasks_group_open"
#: The tasks' indexes in the order a large college's rebuilt table happened to list them
#: (with the group index of three columns, my tasks then read every open unclaimed task),
#: and in the model's order both ways.
ORDERS = {
    "rebuilt": ["ix_tasks_cycle_stage", GROUP, "ix_tasks_assignee_status",
                "ix_tasks_open_remind_at", "ix_tasks_status_due_id_kind"],
    "model": [i.name for i in Task.__table__.indexes],
}
ORDERS["model reversed"] = ORDERS["model"][::-1]


def _plan(session, call) -> list[str]:
    """SQLite's plan of the last statement `call` issues (the list's page, after its count)."""
    issued = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        issued.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = issued[-1]
    return [row[3] for row in session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters)]


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_a_groups_open_tasks_are_looked_up_exactly_whatever_the_index_order(app, order):
    world = builders.launched_college(db.session)
    indexes = {i.name: i for i in Task.__table__.indexes}
    assert sorted(ORDERS[order]) == sorted(indexes)
    for name in ORDERS[order]:  # each recreated in turn: the schema lists them in this order
        db.session.execute(text(f"DROP INDEX {name}"))
        db.session.execute(CreateIndex(indexes[name]))
    plan = _plan(db.session, lambda: queries.my_open_tasks(db.session, world.head1))
    group_lookups = [step for step in plan if "candidate_role=?" in step]
    assert group_lookups, plan
    assert all(GROUP in step and "assignee_id=?" in step for step in group_lookups), plan
    assert not any("ix_tasks_assignee_status (assignee_id=? AND status=?)" in step
                   and "COVERING" not in step for step in plan), plan
