"""The Alembic scripts build exactly the schema the models describe, on both databases."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db


def test_models_and_migrations_agree(any_app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET comment = 'edited'",
                                       "DELETE FROM audit_events"])
def test_the_database_refuses_to_change_audit_events(any_app, statement):
    from tests import builders
    world = builders.build_college(db.session)
    builders.launch(db.session, world)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM audit_events WHERE comment IS NULL")) == 3
