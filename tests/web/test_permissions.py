"""Every route × every kind of person: anonymous, wrong role, wrong department → refused."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Cycle
from tests import builders
from tests.web.conftest import sign_in

ANON, TEACHER, OTHER_MAJOR, OTHER_DEPT, OWNER, HEAD, QO = (
    "anonymous", "teacher", "lead2", "head2", "lead1", "head1", "qo")
PEOPLE = [ANON, TEACHER, OTHER_MAJOR, OTHER_DEPT, OWNER, HEAD, QO]

# (method, url template, {person: expected status}); "login" means redirected to sign in.
ROUTES = [
    ("GET", "/", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/review/", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/cycles/", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/notifications", dict.fromkeys(PEOPLE[1:], 200)),
    ("POST", "/notifications/read", dict.fromkeys(PEOPLE[1:], 302)),
    ("GET", "/cycles/{cycle}", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404, OWNER: 200,
                                HEAD: 200, QO: 200}),
    ("GET", "/tasks/{review}", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404, OWNER: 200,
                                HEAD: 200, QO: 200}),
    ("POST", "/tasks/{review}", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404, OWNER: 403,
                                 HEAD: 403, QO: 403}),
    ("POST", "/tasks/{fill}", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404, OWNER: 303,
                               HEAD: 403, QO: 403}),  # submitted already: the owner is told so
    ("POST", "/review/tasks/{review}/approve", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                                OWNER: 403, HEAD: 303, QO: 403}),
    ("POST", "/review/tasks/{review}/return", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                               OWNER: 403, HEAD: 303, QO: 403}),
    ("POST", "/tasks/{review}/claim", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                       OWNER: 403, HEAD: 303, QO: 403}),
    ("POST", "/tasks/{review}/release", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                         OWNER: 403, HEAD: 403, QO: 403}),
    ("POST", "/review/approve-many", dict.fromkeys(PEOPLE[1:], 200)),  # results per item
    ("POST", "/dashboard/urge", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200, OWNER: 403,
                                 HEAD: 200, QO: 200}),
    ("GET", "/cycles/export.xlsx", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/dashboard/overdue.xlsx", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200,
                                        OWNER: 403, HEAD: 200, QO: 200}),
    ("GET", "/dashboard/launch/preview?level=major&period={year}",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 200}),
    ("POST", "/tasks/{review}/comments", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                          OWNER: 303, HEAD: 303, QO: 303}),
    ("GET", "/cycles/{cycle}/compare?stage=target", {TEACHER: 404, OTHER_MAJOR: 404,
                                                     OTHER_DEPT: 404, OWNER: 404, HEAD: 404,
                                                     QO: 404}),  # one version only: nothing to compare
    ("POST", "/tasks/{review}/reassign", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                          OWNER: 403, HEAD: 303, QO: 303}),
    ("POST", "/dashboard/reassign", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200,
                                     OWNER: 403, HEAD: 200, QO: 200}),
    ("GET", "/stand-ins", dict.fromkeys(PEOPLE[1:], 200)),
    ("POST", "/stand-ins", dict.fromkeys(PEOPLE[1:], 422)),  # no deputy given: refused
    ("POST", "/stand-ins/999/cancel", dict.fromkeys(PEOPLE[1:], 404)),
    ("POST", "/tasks/{review}/attachments", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                             OWNER: 403, HEAD: 303, QO: 403}),  # no file: refused
    ("GET", "/attachments/999", dict.fromkeys(PEOPLE[1:], 404)),
    ("POST", "/tasks/{review}/delegate", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                          OWNER: 403, HEAD: 403, QO: 403}),  # reviews: never
    ("POST", "/dashboard/launch/plan", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403,
                                        OWNER: 403, HEAD: 403, QO: 303}),
    ("GET", "/export.xlsx", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/dashboard/overdue?sort=-due", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200,
                                             OWNER: 403, HEAD: 200, QO: 200}),
    ("GET", "/indicators/lights", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200,
                                   OWNER: 403, HEAD: 200, QO: 200}),
    ("GET", "/indicators/", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403,
                             HEAD: 403, QO: 200}),
    ("POST", "/indicators/import", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403,
                                    OWNER: 403, HEAD: 403, QO: 303}),  # no file: refused
    ("POST", "/indicators/import/accept", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403,
                                           OWNER: 403, HEAD: 403, QO: 303}),  # no token
    ("GET", "/indicators/library.xlsx",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 200}),
    ("POST", "/indicators/library",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 303}),
    ("GET", "/indicators/new",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 200}),
    ("POST", "/indicators/new",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 422}),
    ("GET", "/indicators/Z99",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 404}),
    ("POST", "/indicators/Z99",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 404}),
    ("POST", "/indicators/Z99/active",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 400}),
    ("GET", "/indicators/measurements/new",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 200}),
    ("POST", "/indicators/measurements/new",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 422}),
    ("GET", "/indicators/trend?indicator=Z99",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 404, OWNER: 403, HEAD: 404, QO: 404}),
    ("GET", "/indicators/trend?indicator=M03&unit=510203",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 404, OWNER: 403, HEAD: 200, QO: 200}),
    ("GET", "/cycles/{cycle}/report.docx", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                            OWNER: 200, HEAD: 200, QO: 200}),
    ("GET", "/cycles/{cycle}/report.pdf?version=9", {TEACHER: 404, OTHER_MAJOR: 404,
                                                     OTHER_DEPT: 404, OWNER: 404, HEAD: 404,
                                                     QO: 404}),  # no such version
    ("GET", "/reports/", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200, OWNER: 403,
                          HEAD: 200, QO: 200}),
    ("POST", "/reports/launch", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403,
                                 HEAD: 403, QO: 303}),
    ("GET", "/reports/annual", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200, OWNER: 403,
                                HEAD: 200, QO: 200}),
    ("POST", "/reports/annual", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403,
                                 HEAD: 403, QO: 303}),  # no file sent
    ("POST", "/reports/annual/launch", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403,
                                        OWNER: 403, HEAD: 403, QO: 303}),  # its offices: none
    ("GET", "/reports/annual/config.xlsx", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200,
                                            OWNER: 403, HEAD: 200, QO: 200}),
    ("GET", "/reports/annual/tables.xlsx", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 404,
                                            OWNER: 403, HEAD: 404, QO: 404}),  # not opened
    ("GET", "/targets/", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/targets/new", {TEACHER: 403, OTHER_MAJOR: 200, OTHER_DEPT: 200, OWNER: 200,
                             HEAD: 200, QO: 200}),
    ("POST", "/targets/new", {TEACHER: 403, OTHER_MAJOR: 422, OTHER_DEPT: 422, OWNER: 422,
                              HEAD: 422, QO: 422}),  # nothing filled in: refused
    ("GET", "/targets/{target}", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404, OWNER: 404,
                                  HEAD: 200, QO: 200}),
    ("POST", "/targets/{target}/confirm", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                           OWNER: 404, HEAD: 303, QO: 403}),
    ("POST", "/targets/{target}/return", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                          OWNER: 404, HEAD: 303, QO: 403}),  # no reason
    ("POST", "/targets/{target}/cascade", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                           OWNER: 404, HEAD: 303, QO: 303}),  # nothing chosen
    ("GET", "/warnings/", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/warnings/?mine=1&state=all&sort=age", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/warnings/export.xlsx", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/warnings/{warning}", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404, OWNER: 200,
                                    HEAD: 200, QO: 200}),
    ("POST", "/warnings/{warning}/acknowledge", {TEACHER: 404, OTHER_MAJOR: 404,
                                                 OTHER_DEPT: 404, OWNER: 303, HEAD: 403,
                                                 QO: 303}),
    ("POST", "/warnings/{warning}/rectify", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                             OWNER: 303, HEAD: 403, QO: 303}),  # no measure
    ("POST", "/warnings/{warning}/close", {TEACHER: 404, OTHER_MAJOR: 404, OTHER_DEPT: 404,
                                           OWNER: 303, HEAD: 403, QO: 303}),  # not verified
    ("GET", "/standards/", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/standards/?level=course", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/standards/catalogue", dict.fromkeys(PEOPLE[1:], 200)),
    ("GET", "/standards/catalogue.xlsx", dict.fromkeys(PEOPLE[1:], 200)),
    ("POST", "/standards/catalogue",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 303}),
    ("GET", "/standards/new",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 200}),
    ("POST", "/standards/new",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 422}),
    ("GET", "/standards/Z99",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 404}),
    ("POST", "/standards/Z99",
     {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403, HEAD: 403, QO: 404}),
    ("GET", "/dashboard/", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 200, OWNER: 403,
                            HEAD: 200, QO: 200}),
    ("POST", "/dashboard/launch", {TEACHER: 403, OTHER_MAJOR: 403, OTHER_DEPT: 403, OWNER: 403,
                                   HEAD: 403, QO: 303}),
    ("POST", "/logout", dict.fromkeys(PEOPLE[1:], 302)),
]
# Routes that answer 200 with a result per item: who actually changes something.
CHANGERS = {"/review/approve-many": {HEAD}, "/tasks/{fill}": set(), "/dashboard/urge": {HEAD, QO},
            "/dashboard/reassign": {HEAD, QO},
            "/tasks/{review}/attachments": set(),
            "/dashboard/launch/plan": set(),  # no day given: refused
            "/indicators/import": set(), "/indicators/import/accept": set(),
            "/indicators/library": set(),  # no file sent: refused before any change
            "/targets/{target}/return": set(), "/targets/{target}/cascade": set(),
            "/warnings/{warning}/rectify": set(), "/warnings/{warning}/close": set(),
            "/standards/catalogue": set(),  # no file sent
            "/reports/annual": set(), "/reports/annual/launch": set()}
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/language/<code>"),
          ("GET", "/healthz"), ("GET", "/static/<path:filename>"), ("GET", "/api/v1/openapi.json")}


def _url(template, world):
    return template.format(cycle=world.cycle.id, review=world.review.id, fill=world.fill.id,
                           year=world.year.id, target=world.target.id, warning=world.warning.id)


@pytest.mark.parametrize("method,template,expected", ROUTES, ids=[f"{m} {t}" for m, t, _ in ROUTES])
@pytest.mark.parametrize("who", PEOPLE)
def test_route_permissions(client, world, method, template, expected, who):
    if who != ANON:
        sign_in(client, getattr(world, {"teacher": "teacher"}.get(who, who)))
    if template == "/dashboard/launch":  # a new major, so an allowed launch has work to do
        builders.person(db.session, "lead4", "新专业负责人",
                        builders.unit(db.session, "510205", "大数据技术", "major", world.d1),
                        "major_lead")
        db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    data = {"comment": "请补充", "level": "major", "period": str(world.year.id),
            "task_ids": str(world.review.id), "message": "请尽快提交", "body": "请补充说明",
            "to": str(world.deputy.id) if method == "POST" and template.endswith("/reassign")
            and template.startswith("/tasks") else "head1b"}
    response = client.open(_url(template, world), method=method, data=data)
    if who == ANON:
        assert response.status_code == 302 and "/login" in response.location
    else:
        assert response.status_code == expected[who], response.get_data(as_text=True)[:300]
    changed = db.session.scalar(select(func.count()).select_from(AuditEvent)) != before
    should_change = (who in CHANGERS[template] if template in CHANGERS
                     else who != ANON and expected.get(who) == 303)
    assert changed == should_change, "refused requests change nothing"


def test_every_route_is_in_the_matrix(app):
    covered = set()
    for method, template, _ in ROUTES:
        covered.add((method, template.split("?")[0].replace("/999/", "/<int:stand_in_id>/")
                     .replace("/attachments/999", "/attachments/<int:attachment_id>")
                     .replace("/indicators/Z99", "/indicators/<code>")
                     .replace("/standards/Z99", "/standards/<code>")
                     .replace("{cycle}", "<int:cycle_id>")
                     .replace("{review}", "<int:task_id>").replace("{fill}", "<int:task_id>")
                     .replace("{target}", "<int:target_id>")
                     .replace("{warning}", "<int:warning_id>")))
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue  # the API has its own matrix in tests/api
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            key = (method, rule.rule)
            if key in PUBLIC:
                continue
            alternatives = {"<any(approve, return):decision>": ("approve", "return"),
                            "<any(claim, release):action>": ("claim", "release"),
                            "<any(confirm, return):decision>": ("confirm", "return"),
                            "<any(acknowledge, rectify, close):step>": (
                                "acknowledge", "rectify", "close")}
            for placeholder, words in alternatives.items():
                if placeholder in rule.rule and all(
                        (method, rule.rule.replace(placeholder, w)) in covered for w in words):
                    break
            else:
                if key not in covered:
                    missing.append(key)
    assert missing == []


def test_cycle_list_shows_only_what_each_person_may_see(client, world):
    def codes(user):
        sign_in(client, user)
        html = client.get("/cycles/").get_data(as_text=True)
        return {code for code in ("510203", "510201", "460301") if code in html}

    assert codes(world.teacher) == set()
    assert codes(world.lead1) == {"510203"}
    assert codes(world.head1) == {"510203", "510201"}
    assert codes(world.head2) == {"460301"}
    assert codes(world.qo) == {"510203", "510201", "460301"}


def test_dashboard_of_a_department_head_counts_only_their_department(client, world):
    sign_in(client, world.head2)
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "智能制造学院" in html and "信息工程学院" not in html


def test_cycle_stage_unchanged_by_refused_actions(client, world):
    sign_in(client, world.qo)
    client.post(f"/review/tasks/{world.review.id}/approve", data={})
    assert db.session.get(Cycle, world.cycle.id).stage == "target"
