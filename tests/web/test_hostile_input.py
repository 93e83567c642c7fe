"""Input meant to break things gets a 4xx and changes nothing (regressions from probing)."""
import concurrent.futures
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, DeliverableVersion, LoginFailure, Notification, Task
from app.services import cycles as service
from tests import builders
from tests.builders import PASSWORD, TARGETS, open_task
from tests.web.conftest import sign_in


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(app):
    return builders.launched_college(db.session)


@pytest.fixture
def token(app, world):
    return app.test_cli_runner().invoke(args=["users", "token", "lead1"]).output.strip()


def post_json(client, url, token, body):
    """JSON as a client sends it: \\u escapes keep even lone surrogates on the wire."""
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})


def submit(client, token, task_id, fields):
    return post_json(client, f"/api/v1/tasks/{task_id}/submit", token, {"fields": fields})


@pytest.mark.parametrize("number", ["1e1000000", "9" * 5000, "1e5000", "1e16"])
def test_huge_numbers_are_refused_quickly(client, world, token, number):
    fields = {**TARGETS, "targets": [{**TARGETS["targets"][0], "baseline": number}]}
    response = submit(client, token, world.fill.id, fields)
    assert response.status_code == 422 and "targets[1].baseline" in response.json["error"]["fields"]
    assert count(DeliverableVersion) == 0


@pytest.mark.parametrize("text", ["bad \ud800 text", "nul \x00 byte", "bell \x07"])
def test_unstorable_characters_are_refused(client, world, token, text):
    response = submit(client, token, world.fill.id, {**TARGETS, "summary": text})
    assert response.status_code == 422 and "summary" in response.json["error"]["fields"]
    assert count(DeliverableVersion) == 0


@pytest.mark.parametrize("comment", ["x\ud800", "x\x00y"])
def test_unstorable_comments_are_refused(client, app, world, comment):
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    review = open_task(db.session, world.cycle)
    head_token = app.test_cli_runner().invoke(args=["users", "token", "head1"]).output.strip()
    response = post_json(client, f"/api/v1/tasks/{review.id}/return", head_token,
                         {"comment": comment})
    assert response.status_code == 422
    assert db.session.get(Task, review.id).status == "open"


@pytest.mark.parametrize("url", ["/cycles/?unit=%00", "/?page=1%00", "/cycles/?stage=%ED%A0%80"])
def test_nul_bytes_in_query_strings_are_refused(client, world, url):
    sign_in(client, world.qo)
    assert client.get(url).status_code in (200, 400)  # never a 500
    assert client.get("/cycles/?unit=%00").status_code == 400


def test_nul_in_login_is_refused_before_the_database(client, world):
    response = client.post("/login", data={"username": "lead\x001", "password": "x"})
    assert response.status_code == 400 and count(LoginFailure) == 0


@pytest.mark.parametrize("url", ["/tasks/9223372036854775808", "/cycles/99999999999999999999",
                                 "/tasks/2147483648", "/api/v1/tasks/99999999999999999999"])
def test_ids_beyond_any_row_are_404(client, world, url):
    sign_in(client, world.qo)
    assert client.get(url).status_code == 404


def test_deeply_nested_json_is_400(client, world, token):
    body = "[" * 100000 + "]" * 100000
    response = client.post(f"/api/v1/tasks/{world.fill.id}/submit", data=body,
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400


def test_oversized_body_is_413(client, world, token):
    response = client.post(f"/api/v1/tasks/{world.fill.id}/submit", data="x" * (3 * 2**20),
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413 and response.json["error"]["message"]


def test_field_names_with_odd_digits_do_not_break_the_form(client, world):
    sign_in(client, world.lead1)
    response = client.post(f"/tasks/{world.fill.id}", data={"targets-²-indicator": "x",
                                                          "summary": "s"})
    assert response.status_code == 422 and count(DeliverableVersion) == 0


@pytest.mark.parametrize("target", ["/tasks/%0D%0AX:%20y", "/cycles/%09"])
def test_next_with_control_characters_is_ignored(client, world, target):
    response = client.post(f"/login?next={target}",
                           data={"username": "lead1", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"


def test_a_long_list_pages_and_keeps_only_its_filters(client, world):
    for i in range(60):
        db.session.add(Notification(user_id=world.lead1.id, kind="reminder", message="reminder",
                                    params={"stage": "Target", "cycle": f"c{i}", "due": "x"}))
    db.session.commit()
    sign_in(client, world.lead1)
    first = client.get("/notifications?_method=DELETE&_external=1")
    assert first.status_code == 200
    pager = first.get_data(as_text=True).split('<nav class="pager">')[1].split("</nav>")[0]
    assert 'href="/notifications?page=2"' in pager and "_external" not in pager
    assert client.get("/notifications?page=2").status_code == 200
    assert client.get("/notifications?page=-5").status_code == 200


def test_signing_out_ends_copies_of_the_session(app, world):
    client = app.test_client()
    client.post("/login", data={"username": "lead1", "password": PASSWORD})
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    other = app.test_client()
    other.set_cookie("session", stolen)
    response = other.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_concurrent_wrong_passwords_check_at_most_the_allowed_number(app, world):
    limit = app.config["LOGIN_MAX_FAILURES"]

    def attempt(_):
        return app.test_client().post("/login", data={"username": "lead2",
                                                      "password": "wrong"}).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(attempt, range(16)))
    assert statuses.count(401) <= limit and set(statuses) <= {401, 429}
    response = app.test_client().post("/login", data={"username": "lead2", "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize("at", ["9999-12-25T00:00+00:00", "0001-01-01T00:00+08:00"])
def test_tick_refuses_instants_out_of_range(app, at):
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", at])
    assert result.exit_code != 0 and "Invalid value" in result.output
    assert count(AuditEvent) == 0


def test_timer_keeps_a_decision_made_before_it(app, world):
    cycle = world.cycle
    db.session.execute(Task.__table__.update().where(Task.id == world.fill.id)
                       .values(stage="implement"))
    db.session.execute(cycle.__table__.update().where(cycle.__table__.c.id == cycle.id)
                       .values(stage="implement"))
    db.session.commit()
    implement = cycle.definition.stage("implement")
    service.submit(db.session, world.fill.id, world.lead1, builders.valid_fields(implement))
    review = open_task(db.session, cycle)
    service.approve(db.session, review.id, world.head1, "同意")
    moved = service.advance_timers(db.session, cycle.monitor_at + dt.timedelta(minutes=1))
    assert moved == [cycle.id]
    decided = db.session.get(Task, review.id)
    assert (decided.outcome, decided.completed_by_id) == ("approved", world.head1.id)


def test_timer_expires_an_undecided_review(app, world):
    cycle = world.cycle
    for table in (Task.__table__, cycle.__table__):
        key = table.c.id == (world.fill.id if table is Task.__table__ else cycle.id)
        db.session.execute(table.update().where(key).values(stage="implement"))
    db.session.commit()
    service.submit(db.session, world.fill.id, world.lead1,
                   builders.valid_fields(cycle.definition.stage("implement")))
    review = open_task(db.session, cycle)
    service.advance_timers(db.session, cycle.monitor_at)
    assert db.session.get(Task, review.id).outcome == "expired"
    from app.models import Deliverable
    assert db.session.scalars(select(Deliverable.status)).one() == "expired"
