from workflows import get_definition
from workflows.diff import diff
from workflows.loader import DEFINITIONS_DIR, load_text

MAJOR = get_definition("major", 1)


def major_v2() -> str:
    """Version 2 of the major cycle as a college might write it: 学习 becomes 反思, the target
    stage needs the department only, and the design stage asks for a risk list."""
    text = (DEFINITIONS_DIR / "major.toml").read_text(encoding="utf-8")
    text = text.replace("version = 1", "version = 2", 1)
    text = text.replace('name = "learn"\nlabel = "Learn"', 'name = "reflect"\nlabel = "Reflect"')
    text = text.replace('next = "learn"', 'next = "reflect"')
    text = text.replace('fields = ["summary", "targets"]\nreviews = ["department_head", "quality_office"]',
                        'fields = ["summary", "targets"]\nreviews = ["department_head"]')
    text = text.replace('fields = ["plan_title", "plan", "budget"]',
                        'fields = ["plan_title", "plan", "budget", "risks"]')
    return text + '\n[fields.risks]\nlabel = "Risks"\nmultiline = true\n'


def test_the_same_definition_has_no_differences():
    assert diff(MAJOR, MAJOR) == []


def test_diff_names_each_change():
    lines = diff(MAJOR, load_text(major_v2(), "major-v2.toml"))
    assert "+ stage reflect" in lines and "- stage learn" in lines
    assert ("  stage target: review chain unit_leader@department → quality_office@college"
            " ⇒ unit_leader@department") in lines
    assert "  stage design: new field risks (text)" in lines
    assert lines[0].startswith("stages: target → standard")
