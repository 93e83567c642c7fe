"""A unit code may hold LIKE's wildcards (`_`, `%`): "this unit and everything below" must
still mean exactly that subtree, never a sibling whose code the pattern happens to match."""
from app import access, queries
from app.extensions import db
from app.models import Task
from app.services import cycles as service
from tests import builders
from tests.web.conftest import sign_in


def _fresh(user):
    user._grants_cache = user._delegated_cache = user._sees_all_cache = None
    return user


def test_an_underscore_in_a_code_matches_no_sibling(app, client):
    world = builders.build_college(db.session)
    d_1 = builders.unit(db.session, "D_1", "财经学院", "department", world.college)
    dx1 = builders.unit(db.session, "DX1", "旅游学院", "department", world.college)
    ours = builders.unit(db.session, "530302", "大数据与会计", "major", d_1)
    theirs = builders.unit(db.session, "540101", "旅游管理", "major", dx1)
    head = builders.person(db.session, "head_d1", "财经学院院长", d_1, "unit_leader")
    builders.person(db.session, "head_dx1", "旅游学院院长", dx1, "unit_leader")
    builders.person(db.session, "lead_d1", "会计专业负责人", ours, "major_lead", "teacher")
    lead = builders.person(db.session, "lead_dx1", "旅游专业负责人", theirs, "major_lead", "teacher")
    db.session.commit()
    builders.launch(db.session, world)
    cycle = world.cycles["540101"]
    fill = builders.open_task(db.session, cycle, "fill")
    service.submit(db.session, fill.id, lead, builders.valid_fields(cycle.definition.stage(cycle.stage)),
                   now=builders.LAUNCH_AT)
    review = builders.open_task(db.session, cycle, "review")
    assert review.candidate_unit_id == dx1.id

    head = _fresh(head)
    assert not access.can_act_on(head, db.session.get(Task, review.id))
    mine = queries.my_open_tasks(db.session, head)
    assert review.id not in {t.id for t in mine.items}
    seen = queries.visible_cycles(db.session, head)
    assert {c.unit.code for c in seen.items} == {"530302"}
    assert queries.visible_cycles(db.session, _fresh(world.qo), unit_code="D_1").total == 1

    sign_in(client, head)
    page = client.get("/").get_data(as_text=True)
    assert "旅游管理" not in page
    assert client.get(f"/tasks/{review.id}").status_code in (403, 404)
