"""Stage × action × role → allowed, or refused with the message a person would read."""
import pytest

from workflows import CLOSED, Refused, latest_definition
from workflows.policy import allowed, check_action

MAJOR = latest_definition("major")
FULL = ["target", "standard", "diagnose", "improve"]
DEPT_ONLY = ["design", "organize", "implement", "monitor", "learn"]
STAGES = FULL + DEPT_ONLY


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_owner_submits(stage):
    assert allowed(MAJOR, stage, "submit", is_owner=True)
    with pytest.raises(Refused, match="Only the person responsible"):
        check_action(MAJOR, stage, "submit", is_owner=False, actor_roles=frozenset({"unit_leader"}))


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("roles,ok", [({"unit_leader"}, True), ({"quality_office"}, False),
                                      ({"major_lead", "teacher"}, False), ({"teacher"}, False),
                                      ({"committee"}, False)])
def test_first_review_step_is_the_department_heads(stage, roles, ok):
    assert allowed(MAJOR, stage, "approve", step=0, actor_roles=frozenset(roles)) is ok
    assert allowed(MAJOR, stage, "return", step=0, actor_roles=frozenset(roles),
                   reason="数据不完整") is ok


@pytest.mark.parametrize("stage", FULL)
@pytest.mark.parametrize("roles,ok", [({"quality_office"}, True), ({"unit_leader"}, False),
                                      ({"major_lead"}, False)])
def test_second_review_step_is_the_quality_offices(stage, roles, ok):
    assert allowed(MAJOR, stage, "approve", step=1, actor_roles=frozenset(roles)) is ok


@pytest.mark.parametrize("stage", DEPT_ONLY)
def test_department_only_stages_have_no_second_step(stage):
    with pytest.raises(Refused, match="no such review step"):
        check_action(MAJOR, stage, "approve", step=1, actor_roles=frozenset({"quality_office"}))


def test_refusal_names_the_role_that_may_review():
    with pytest.raises(Refused) as exc:
        check_action(MAJOR, "target", "approve", step=1, actor_roles=frozenset({"unit_leader"}))
    assert exc.value.message == "Only %(role)s may review this step."
    assert exc.value.params == {"role": "the quality office"}


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_return_needs_a_reason(reason):
    with pytest.raises(Refused, match="reason is required"):
        check_action(MAJOR, "target", "return", actor_roles=frozenset({"unit_leader"}), reason=reason)


def test_a_report_not_yet_submitted_cannot_be_reviewed():
    with pytest.raises(Refused, match="has not been submitted"):
        check_action(MAJOR, "design", "approve", actor_roles=frozenset({"unit_leader"}),
                     submitted=False)


def test_the_author_cannot_review_their_own_report():
    with pytest.raises(Refused, match="you submitted yourself"):
        check_action(MAJOR, "design", "approve", actor_roles=frozenset({"unit_leader"}),
                     is_owner=True)


@pytest.mark.parametrize("stage", STAGES)
def test_only_time_boxed_stages_take_the_timer(stage):
    assert allowed(MAJOR, stage, "timer") is (stage in ("implement", "monitor"))


@pytest.mark.parametrize("action", ["submit", "approve", "return", "timer"])
def test_nothing_happens_in_a_closed_cycle(action):
    with pytest.raises(Refused, match="closed"):
        check_action(MAJOR, CLOSED, action, is_owner=True, actor_roles=frozenset({"unit_leader"}),
                     reason="x")
