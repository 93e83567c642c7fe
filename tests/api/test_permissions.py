"""Every API endpoint × every kind of person: no token → 401, wrong role or unit → 403/404."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent
from app.services import cycles as service
from tests import builders
from tests.builders import TARGETS, open_task

ANON, TEACHER, OTHER_MAJOR, OTHER_DEPT, OWNER, HEAD, QO = (
    "anonymous", "teacher", "lead2", "head2", "lead1", "head1", "qo")
PEOPLE = [ANON, TEACHER, OTHER_MAJOR, OTHER_DEPT, OWNER, HEAD, QO]
HIDDEN = {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404}
EVERYONE = dict.fromkeys(PEOPLE[1:], 200)

ROUTES = [
    ("GET", "/me/tasks", None, EVERYONE),
    ("GET", "/cycles", None, EVERYONE),
    ("GET", "/cycles/{cycle}", None, {**HIDDEN, OWNER: 200, HEAD: 200, QO: 200}),
    ("GET", "/tasks/{review}", None, {**HIDDEN, OWNER: 200, HEAD: 200, QO: 200}),
    ("POST", "/tasks/{review}/submit", {"fields": TARGETS},
     {**HIDDEN, OWNER: 409, HEAD: 409, QO: 409}),
    ("POST", "/tasks/{review}/approve", {"comment": "同意"},
     {**HIDDEN, OWNER: 403, HEAD: 200, QO: 403}),
    ("POST", "/tasks/{review}/return", {"comment": "请修改"},
     {**HIDDEN, OWNER: 403, HEAD: 200, QO: 403}),
    ("POST", "/tasks/{review}/claim", {}, {**HIDDEN, OWNER: 403, HEAD: 200, QO: 403}),
    ("POST", "/tasks/{review}/release", {}, {**HIDDEN, OWNER: 403, HEAD: 403, QO: 403}),
    ("POST", "/tasks/approve-many", {"task_ids": "REVIEW"}, EVERYONE),
    ("POST", "/tasks/urge", {"task_ids": "REVIEW", "message": "请尽快"}, EVERYONE),
    ("GET", "/tasks/{review}/comments", None, {**HIDDEN, OWNER: 200, HEAD: 200, QO: 200}),
    ("POST", "/tasks/{review}/comments", {"body": "请补充说明"},
     {**HIDDEN, OWNER: 201, HEAD: 201, QO: 201}),
    ("POST", "/tasks/reassign", {"task_ids": "REVIEW", "to": "head1b"}, EVERYONE),
    ("POST", "/measurements", {"measurements": [{"period": "2026", "unit": "510203",
                                                 "indicator": "M09", "value": 1}]},
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 422}),
    ("GET", "/dashboard", None, {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200, OWNER: 403,
                                 HEAD: 200, QO: 200}),
]


# Endpoints that answer 200 with a result per item: who actually changes something.
CHANGERS = {"/tasks/approve-many": {HEAD}, "/tasks/urge": {HEAD, QO},
            "/tasks/reassign": {HEAD, QO}}


@pytest.fixture
def world(app):
    world = builders.launched_college(db.session)
    builders.person(db.session, "head1b", "信息系副主任", world.d1, "unit_leader")
    db.session.commit()
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)
    world.review = open_task(db.session, world.cycle)
    return world


@pytest.mark.parametrize("method,template,body,expected", ROUTES,
                         ids=[f"{m} {t}" for m, t, _, _ in ROUTES])
@pytest.mark.parametrize("who", PEOPLE)
def test_api_permissions(app, client, world, method, template, body, expected, who):
    headers = {}
    if who != ANON:
        token = app.test_cli_runner().invoke(args=["users", "token", getattr(world, {
            "teacher": "teacher"}.get(who, who)).username]).output.strip()
        headers["Authorization"] = f"Bearer {token}"
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    url = "/api/v1" + template.format(cycle=world.cycle.id, review=world.review.id)
    if body and body.get("task_ids") == "REVIEW":
        body = {**body, "task_ids": [world.review.id]}
    response = client.open(url, method=method, json=body, headers=headers)
    status = 401 if who == ANON else expected[who]
    assert response.status_code == status, response.json
    if status >= 400:
        assert response.json["error"]["message"]
    changed = db.session.scalar(select(func.count()).select_from(AuditEvent)) != before
    should_change = (who in CHANGERS[template] if template in CHANGERS
                     else method == "POST" and status in (200, 201))
    assert changed == should_change


def test_every_api_endpoint_is_in_the_matrix(app):
    covered = {(m, "/api/v1" + t.replace("{cycle}", "<int:cycle_id>").replace("{review}", "<int:task_id>"))
               for m, t, _, _ in ROUTES}
    served = {(m, rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1") and rule.endpoint != "api.openapi"
              for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == covered
