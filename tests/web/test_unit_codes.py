"""A unit code may hold LIKE's wildcards (`_`, `%`) or differ from a sibling's only in case:
"this unit and everything below" must still mean exactly that subtree, never a sibling whose
code a pattern happens to match."""
import pytest

from app import access, queries
from app.extensions import db
from app.models import Task
from app.services import cycles as service
from tests import builders
from tests.web.conftest import sign_in

PAIRS = [("D_1", "DX1"), ("D%", "DX"), ("d1", "D1")]


def _fresh(user):
    user._grants_cache = user._delegated_cache = user._sees_all_cache = None
    return user


def _two_departments(code, sibling):
    """Two departments, one major each; the sibling's major has submitted, so its review waits
    for the sibling's leaders. Returns the world, our department's head and that review."""
    world = builders.build_college(db.session)
    ours = builders.unit(db.session, code, "财经学院", "department", world.college)
    theirs = builders.unit(db.session, sibling, "旅游学院", "department", world.college)
    our_major = builders.unit(db.session, "530302", "大数据与会计", "major", ours)
    their_major = builders.unit(db.session, "540101", "旅游管理", "major", theirs)
    head = builders.person(db.session, "head_ours", "财经学院院长", ours, "unit_leader")
    builders.person(db.session, "head_theirs", "旅游学院院长", theirs, "unit_leader")
    builders.person(db.session, "lead_ours", "会计专业负责人", our_major, "major_lead", "teacher")
    lead = builders.person(db.session, "lead_theirs", "旅游专业负责人", their_major,
                           "major_lead", "teacher")
    db.session.commit()
    builders.launch(db.session, world)
    cycle = world.cycles["540101"]
    fill = builders.open_task(db.session, cycle, "fill")
    service.submit(db.session, fill.id, lead,
                   builders.valid_fields(cycle.definition.stage(cycle.stage)),
                   now=builders.LAUNCH_AT)
    review = builders.open_task(db.session, cycle, "review")
    assert review.candidate_unit_id == theirs.id
    return world, _fresh(head), review


@pytest.mark.parametrize("code, sibling", PAIRS)
def test_a_subtree_holds_no_sibling(any_app, code, sibling):
    world, head, review = _two_departments(code, sibling)
    assert not access.can_act_on(head, db.session.get(Task, review.id))
    mine = queries.my_open_tasks(db.session, head)
    assert review.id not in {t.id for t in mine.items}
    seen = queries.visible_cycles(db.session, head)
    assert {c.unit.code for c in seen.items} == {"530302"}
    assert queries.visible_cycles(db.session, _fresh(world.qo), unit_code=code).total == 1


def test_a_siblings_review_stays_off_the_page(app, client):
    _world, head, review = _two_departments("D_1", "DX1")
    sign_in(client, head)
    assert "旅游管理" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/tasks/{review.id}").status_code in (403, 404)
