"""Fixtures: an app on a migrated database (SQLite by default, PostgreSQL where asked), and
a small college built in layers by `tests.builders`."""
from __future__ import annotations

import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from config import TestConfig
from tests import builders

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _required(name: str) -> bool:
    return os.environ.get(name) == "1"


def _upgrade(app) -> None:
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()
        db.engine.dispose()  # closing the last connection checkpoints SQLite's WAL into the file


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once from the Alembic scripts; each test gets a copy."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    _upgrade(create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session, migrated once."""
    name = f"spiral_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({type(exc).__name__})"
        if _required("REQUIRE_POSTGRES"):
            pytest.fail(f"{message}; REQUIRE_POSTGRES=1 makes this a failure")
        pytest.skip(f"{message}; set REQUIRE_POSTGRES=1 to make this fail instead")
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _upgrade(create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url))
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(app) -> None:
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


def _sqlite_app(sqlite_template, tmp_path):
    path = tmp_path / "spiral.db"
    shutil.copy(sqlite_template, path)
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app(request, sqlite_template, tmp_path):
    """The app on each supported database in turn."""
    if request.param == "sqlite":
        app = _sqlite_app(sqlite_template, tmp_path)
    else:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=request.getfixturevalue("postgres_url"))
        _truncate_all(app)
    yield from _pushed(app)


@pytest.fixture
def app(sqlite_template, tmp_path):
    yield from _pushed(_sqlite_app(sqlite_template, tmp_path))


@pytest.fixture
def pg_app(postgres_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=postgres_url)
    _truncate_all(app)
    yield from _pushed(app)


def _pushed(app):
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def college(app):
    """A small college: two departments, three majors, one cycle per major not yet launched."""
    return builders.build_college(db.session)


@pytest.fixture
def client(app):
    return app.test_client()
