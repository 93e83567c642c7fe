import ast
import sys
from pathlib import Path

import pytest

from workflows import CLOSED, Refused, latest_definition
from workflows.machine import CycleMachine
from workflows.model import Definition, Field, Stage

MAJOR = latest_definition("major")
WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"


def test_workflows_package_imports_no_framework():
    allowed = set(sys.stdlib_module_names) | {"transitions", "workflows"}
    for path in WORKFLOWS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_major_cycle_has_the_nine_stages_in_spiral_order():
    assert MAJOR.stage_names == ["target", "standard", "design", "organize", "implement",
                                 "monitor", "diagnose", "learn", "improve", CLOSED]


@pytest.mark.parametrize("stage", ["target", "standard", "diagnose", "improve"])
def test_key_stages_need_department_then_quality_office(stage):
    assert [(r.role, r.tier) for r in MAJOR.stage(stage).reviews] == [
        ("unit_leader", "department"), ("quality_office", "college")]


@pytest.mark.parametrize("stage", ["design", "organize", "implement", "monitor", "learn"])
def test_other_stages_need_the_department_only(stage):
    assert [(r.role, r.tier) for r in MAJOR.stage(stage).reviews] == [("unit_leader", "department")]


def test_only_implement_and_monitor_are_time_boxed():
    assert {s.name: s.timer.plan_field for s in MAJOR.stages if s.timer} == {
        "implement": "monitor_at", "monitor": "diagnose_at"}


def test_reminder_policy_reminds_then_escalates_to_leader_then_quality_office():
    rules = {(r.offset_days, r.tier) for r in MAJOR.reminders}
    assert rules == {(-3, 0), (-1, 0), (1, 0), (3, 1), (7, 2)}


def test_target_form_has_a_table_of_targets_with_typed_columns():
    targets = next(f for f in MAJOR.stage("target").form if f.name == "targets")
    assert [(c.name, c.type) for c in targets.columns] == [
        ("indicator", "text"), ("baseline", "number"), ("target", "number"), ("deadline", "date")]


def test_machine_walks_the_whole_loop():
    machine = CycleMachine(MAJOR)
    stage = "target"
    for trigger in ["complete"] * 4 + ["timer"] * 2 + ["complete"] * 3:
        stage = machine.fire(stage, trigger)
    assert stage == CLOSED


@pytest.mark.parametrize("stage,trigger", [("implement", "complete"), ("target", "timer"),
                                           (CLOSED, "complete"), ("diagnose", "timer")])
def test_machine_refuses_a_trigger_the_stage_does_not_have(stage, trigger):
    with pytest.raises(Refused) as exc:
        CycleMachine(MAJOR).fire(stage, trigger)
    assert "cannot be left" in str(exc.value)


def test_definition_rejects_duplicate_stages_and_bad_fields():
    form = (Field("a", "A"),)
    with pytest.raises(ValueError, match="duplicate"):
        Definition("x", 1, "major", "X", "major_lead",
                   (Stage("s", "S", form, ()), Stage("s", "S", form, ())), ())
    with pytest.raises(ValueError, match="choices"):
        Field("c", "C", type="choice")
    with pytest.raises(ValueError, match="columns"):
        Field("t", "T", type="table")
    with pytest.raises(ValueError, match="unknown type"):
        Field("t", "T", type="blob")
