"""Fixtures: an app on a migrated database (SQLite by default, PostgreSQL where asked), and
a small college built in layers by `tests.builders`."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
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


#: The instant the demo college is loaded at in the tests: its launch, 2026-09-07 09:00 Beijing.
DEMO_LAUNCH = dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(scope="session")
def demo_template(sqlite_template, tmp_path_factory):
    """A SQLite file with the demo college loaded once (it walks last year's cycles, which
    takes seconds); tests get a copy. Returns (path, load_demo's summary)."""
    from app.demo import load_demo
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        summary = load_demo(db.session, TestConfig.DEMO_PASSWORD, now=DEMO_LAUNCH)
        db.session.remove()
        db.engine.dispose()  # checkpoints the WAL into the file
    return path, summary


@pytest.fixture
def demo(request, demo_template):
    """The demo college in the test's database: copied on SQLite, loaded on PostgreSQL.
    Use after `app` or `any_app`; returns load_demo's summary."""
    from app.demo import load_demo
    name = next(n for n in ("any_app", "app", "pg_app") if n in request.fixturenames)
    app = request.getfixturevalue(name)
    path, summary = demo_template
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _reset_sqlite(app, path)
        return summary
    return load_demo(db.session, TestConfig.DEMO_PASSWORD, now=DEMO_LAUNCH)


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


@pytest.fixture(scope="session")
def _sqlite_app(sqlite_template, tmp_path_factory):
    """One app for the session (building one compiles every template); its file is reset per test."""
    path = tmp_path_factory.mktemp("live") / "spiral.db"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    app.spiral_db_path = path
    return app


def _reset_sqlite(app, template) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    for suffix in ("-wal", "-shm"):
        app.spiral_db_path.with_name(app.spiral_db_path.name + suffix).unlink(missing_ok=True)
    shutil.copy(template, app.spiral_db_path)


@pytest.fixture(scope="session")
def _pg_app(postgres_url):
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=postgres_url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app(request, sqlite_template):
    """The app on each supported database in turn."""
    if request.param == "sqlite":
        app = request.getfixturevalue("_sqlite_app")
        _reset_sqlite(app, sqlite_template)
    else:
        app = request.getfixturevalue("_pg_app")
        _truncate_all(app)
    yield from _pushed(app)


@pytest.fixture
def app(_sqlite_app, sqlite_template):
    _reset_sqlite(_sqlite_app, sqlite_template)
    yield from _pushed(_sqlite_app)


@pytest.fixture
def pg_app(_pg_app):
    _truncate_all(_pg_app)
    yield from _pushed(_pg_app)


def _pushed(app):
    shutil.rmtree(app.config["ATTACHMENTS_DIR"], ignore_errors=True)  # files go with the data
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


class RequestScopedClient(FlaskClient):
    """Each request runs in its own app context, as in production, not in the test's.

    Otherwise `g` (and the signed-in user) and the database session would leak from one
    request to the next. The test's own session is expired afterwards to see the changes.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if _cv_app.get(None) is not None:  # the test's own context, if it has one
                db.session.expire_all()


@pytest.fixture
def client(app):
    app.test_client_class = RequestScopedClient
    return app.test_client()


@pytest.fixture
def office():
    """LibreOffice and poppler's tools, to turn a report into a PDF and read it back; skipped
    without them unless REQUIRE_OFFICE=1 (as in CI) makes that a failure."""
    missing = [tool for tool in ("soffice", "pdftotext", "pdffonts", "pdftoppm")
               if shutil.which(tool) is None]
    if missing:
        message = (f"{', '.join(missing)} not found; install Debian's libreoffice-writer-nogui "
                   "and poppler-utils")
        if _required("REQUIRE_OFFICE"):
            pytest.fail(f"{message}; REQUIRE_OFFICE=1 makes this a failure")
        pytest.skip(f"{message} (set REQUIRE_OFFICE=1 to fail instead)")
