"""The JSON API with bearer tokens made by `flask users token`."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Cycle, DeliverableVersion, Task
from tests import builders
from tests.builders import TARGETS


@pytest.fixture
def world(app):
    return builders.launched_college(db.session)


@pytest.fixture
def api(app, client):
    tokens = {}

    def call(method, url, user=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if user is not None:
            if user.username not in tokens:
                result = app.test_cli_runner().invoke(args=["users", "token", user.username])
                assert result.exit_code == 0, result.output
                tokens[user.username] = result.output.strip()
            headers["Authorization"] = f"Bearer {tokens[user.username]}"
        return client.open(f"/api/v1{url}", method=method, headers=headers, **kwargs)
    return call


def test_token_is_required_and_must_be_valid(api, world):
    assert api("GET", "/me/tasks").status_code == 401
    response = api("GET", "/me/tasks", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json["error"]["message"]


def test_token_command_refuses_unknown_user(app):
    result = app.test_cli_runner().invoke(args=["users", "token", "ghost"])
    assert result.exit_code != 0 and "no user" in result.output


def test_my_tasks_lists_open_tasks_with_their_fields(api, world):
    response = api("GET", "/me/tasks", world.lead1)
    assert response.status_code == 200
    [task] = response.json["items"]
    assert {k: task[k] for k in ("id", "cycle_id", "stage", "kind", "status")} == {
        "id": world.fill.id, "cycle_id": world.cycle.id, "stage": "target", "kind": "fill",
        "status": "open"}
    assert task["due_at"].endswith("+00:00")
    assert api("GET", "/me/tasks", world.head1).json["items"] == []


def test_task_shows_its_form_with_table_columns(api, world):
    body = api("GET", f"/tasks/{world.fill.id}", world.lead1).json
    fields = {f["name"]: f for f in body["form"]["fields"]}
    assert fields["summary"]["type"] == "text" and fields["summary"]["required"] is True
    assert [(c["name"], c["type"]) for c in fields["targets"]["columns"]] == [
        ("indicator", "text"), ("baseline", "number"), ("target", "number"), ("deadline", "date")]
    assert body["actions"] == {"submit": True, "review": False}


@pytest.mark.parametrize("who", ["lead2", "head2", "teacher"])
def test_others_cannot_see_the_task(api, world, who):
    assert api("GET", f"/tasks/{world.fill.id}", getattr(world, who)).status_code == 404
    assert api("GET", f"/cycles/{world.cycle.id}", getattr(world, who)).status_code == 404


@pytest.mark.parametrize("body,status", [
    ("not json", 400), ([1, 2], 400), ({}, 400), ({"fields": "x"}, 422),
    ({"fields": {"summary": "", "targets": []}}, 422),
    ({"fields": {**TARGETS, "targets": [{"indicator": "x", "baseline": "abc", "target": 1,
                                         "deadline": "2027-01-01"}]}}, 422),
])
def test_bad_submissions_are_4xx_and_change_nothing(api, world, body, status):
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) \
        else {"json": body}
    response = api("POST", f"/tasks/{world.fill.id}/submit", world.lead1, **kwargs)
    assert response.status_code == status
    assert response.json["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(DeliverableVersion)) == 0
    assert db.session.get(Task, world.fill.id).status == "open"


def test_field_errors_name_the_cell(api, world):
    response = api("POST", f"/tasks/{world.fill.id}/submit", world.lead1, json={"fields": {
        **TARGETS, "targets": [{"indicator": "x", "baseline": "abc", "target": 1,
                                "deadline": "2027-01-01"}]}})
    assert set(response.json["error"]["fields"]) == {"targets[1].baseline"}


def test_submit_approve_return_through_the_api(api, world):
    response = api("POST", f"/tasks/{world.fill.id}/submit", world.lead1, json={"fields": TARGETS})
    assert response.status_code == 201 and response.json["version"] == 1
    [review] = api("GET", "/me/tasks", world.head1).json["items"]
    assert review["kind"] == "review"
    assert api("POST", f"/tasks/{review['id']}/return", world.head1, json={}).status_code == 422
    assert api("POST", f"/tasks/{review['id']}/return", world.head1,
               json={"comment": 5}).status_code == 400
    response = api("POST", f"/tasks/{review['id']}/return", world.head1, json={"comment": "补充基线数据"})
    assert response.status_code == 200 and response.json["cycle"]["round"] == 2
    [fill] = api("GET", "/me/tasks", world.lead1).json["items"]
    api("POST", f"/tasks/{fill['id']}/submit", world.lead1, json={"fields": TARGETS})
    [review] = api("GET", "/me/tasks", world.head1).json["items"]
    assert api("POST", f"/tasks/{review['id']}/approve", world.qo, json={}).status_code == 403
    assert api("POST", f"/tasks/{review['id']}/approve", world.head1,
               json={"comment": "同意"}).status_code == 200
    again = api("POST", f"/tasks/{review['id']}/approve", world.head1, json={})
    assert again.status_code == 409 and again.json["error"]["message"]
    [qo_review] = api("GET", "/me/tasks", world.qo).json["items"]
    api("POST", f"/tasks/{qo_review['id']}/approve", world.qo, json={})
    cycle = api("GET", f"/cycles/{world.cycle.id}", world.lead1).json
    assert cycle["stage"] == "standard"
    assert [e["action"] for e in cycle["history"]] == [
        "launch", "submit", "return", "submit", "approve", "approve", "advance"]


def test_cycles_filter_by_level_unit_stage_and_overdue(api, world):
    def units(**params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return sorted(c["unit"] for c in api("GET", f"/cycles?{query}", world.qo).json["items"])

    assert units() == ["460301", "510201", "510203"]
    assert units(unit="D01") == ["510201", "510203"]
    assert units(level="major", stage="target") == ["460301", "510201", "510203"]
    assert units(stage="standard") == []
    db.session.execute(Task.__table__.update().values(
        due_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)))
    db.session.commit()
    assert units(overdue=1) == []
    db.session.execute(Task.__table__.update().where(Task.cycle_id == world.cycle.id)
                       .values(due_at=builders.LAUNCH_AT))
    db.session.commit()
    assert units(overdue=1) == ["510203"]
    assert api("GET", "/cycles?overdue=maybe", world.qo).status_code == 400
    assert api("GET", "/cycles?page=abc", world.qo).status_code == 200
    assert sorted(c["unit"] for c in api("GET", "/cycles", world.head2).json["items"]) == ["460301"]


def test_dashboard_is_for_supervisors(api, world):
    assert api("GET", "/dashboard", world.lead1).status_code == 403
    body = api("GET", "/dashboard", world.qo).json
    assert {u["unit"]: u["stages"] for u in body["units"]} == {"D01": {"target": 2},
                                                               "D02": {"target": 1}}


def test_openapi_document_describes_every_endpoint(api, app):
    spec = api("GET", "/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(m.upper(), "/api/v1" + p.replace("{id}", "<int>")) for p, ops in spec["paths"].items()
                  for m in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and rule.endpoint != "api.openapi":
            path = rule.rule.replace("<int:task_id>", "<int>").replace("<int:cycle_id>", "<int>")
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


def test_unknown_api_path_and_method_are_json(api, world):
    response = api("GET", "/nothing", world.lead1)
    assert response.status_code == 404 and response.json["error"]["status"] == 404
    response = api("DELETE", f"/tasks/{world.fill.id}", world.lead1)
    assert response.status_code == 405 and "error" in response.json


def test_healthz_reports_database_and_scheduler(app, client):
    body = client.get("/healthz").json
    assert body["database"] == "ok" and body["scheduler"]["last_tick_at"] is None
    app.test_cli_runner().invoke(args=["scheduler", "tick", "--at", "2026-10-15T09:00+08:00"])
    assert client.get("/healthz").json["scheduler"]["as_of"] == "2026-10-15T01:00:00+00:00"


def test_cycle_row_is_untouched_by_a_refused_api_call(api, world):
    api("POST", f"/tasks/{world.fill.id}/submit", world.head1, json={"fields": TARGETS})
    assert db.session.get(Cycle, world.cycle.id).version == 1


def test_the_data_centre_pushes_measurements_all_or_nothing(api, world, app):
    from pathlib import Path

    from app.models import Measurement
    from app.services import measurements
    measurements.seed_indicators(db.session, Path(app.root_path) / "data" / "indicators.yaml")
    good = [{"period": "2026", "unit": "510203", "indicator": "M01", "value": 95.5,
             "source": "数据中心"},
            {"period": "2026", "unit": "510203", "indicator": "M03", "value": "70"}]
    response = api("POST", "/measurements", world.qo, json={"measurements": good})
    assert response.status_code == 200
    assert (response.json["new"], response.json["warnings"]) == (2, 1)
    again = api("POST", "/measurements", world.qo, json={"measurements": good})
    assert again.json["unchanged"] == 2
    bad = api("POST", "/measurements", world.qo, json={"measurements": [
        {"period": "2026", "unit": "510201", "indicator": "M01", "value": 90},
        {"period": "2026", "unit": "nowhere", "indicator": "M01", "value": 90}]})
    assert bad.status_code == 422 and list(bad.json["error"]["rows"]) == ["2"]
    assert db.session.scalar(select(func.count()).select_from(Measurement)) == 2
    assert api("POST", "/measurements", world.qo, json={"measurements": "all"}).status_code == 422
    assert api("POST", "/measurements", world.head1, json={"measurements": good}).status_code == 403
