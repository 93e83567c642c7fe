"""Definitions are data; a broken one is a clear error at start-up, naming file and line."""
import pytest

from workflows.loader import DEFINITIONS_DIR, DefinitionError, load_all, load_text

GOOD = '''
name = "tiny"
version = 1
level = "major"
label = "Tiny"
owner_role = "major_lead"

[reviewers.head]
role = "unit_leader"
tier = "department"
label = "the department head"

[fields.summary]
label = "Summary"

[[stages]]
name = "target"
label = "Target"
fields = ["summary"]
reviews = ["head"]
next = "improve"

[[stages]]
name = "improve"
label = "Improve"
fields = ["summary"]
reviews = ["head"]
next = "closed"
'''


def broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def line_of(text: str, fragment: str, nth: int = 0) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return hits[nth]


def test_a_good_definition_loads_in_transition_order():
    definition = load_text(GOOD, "tiny.toml")
    assert definition.stage_names == ["target", "improve", "closed"]
    assert definition.stage("target").reviews[0].role == "unit_leader"


def test_every_shipped_definition_loads():
    names = {d.name for d in load_all()}
    assert {"major"} <= names
    assert len(list(DEFINITIONS_DIR.glob("*.toml"))) == len(load_all())


@pytest.mark.parametrize("old,new,message,anchor,nth", [
    ('next = "improve"', 'next = "improv"', "goes next to unknown stage 'improv'", 'next = "improv"', 0),
    ('next = "closed"', 'next = "target"', "goes back to 'target'", 'next = "target"', 0),
    ('next = "improve"', 'next = "closed"', "stage 'improve' is unreachable from 'target'",
     "[[stages]]", 1),
    ('role = "unit_leader"', 'role = "dean"', "names role 'dean', which does not exist",
     'role = "dean"', 0),
    ('owner_role = "major_lead"', 'owner_role = "boss"', "owner_role 'boss' is not a known role",
     "owner_role", 0),
    ('reviews = ["head"]', 'reviews = ["chief"]', "names unknown reviewer 'chief'",
     'reviews = ["chief"]', 0),
    ('fields = ["summary"]', 'fields = ["sumary"]', "uses undeclared field 'sumary'",
     'fields = ["sumary"]', 0),
    ('tier = "department"', 'tier = "galaxy"', "unknown tier 'galaxy'", 'tier = "galaxy"', 0),
    ('tier = "department"', 'tier = "department"\nmode = "most"', "mode 'most'", 'mode = "most"', 0),
    ('label = "Summary"', 'label = "Summary"\ntype = "blob"', "field 'summary'",
     "[fields.summary]", 0),
])
def test_each_kind_of_broken_definition_names_its_line(old, new, message, anchor, nth):
    text = broken(old, new)
    with pytest.raises(DefinitionError) as exc:
        load_text(text, "tiny.toml")
    assert message in str(exc.value)
    assert str(exc.value).startswith(f"tiny.toml:{line_of(text, anchor, nth)}: definition tiny v1:")


def test_invalid_toml_is_reported_with_its_line():
    with pytest.raises(DefinitionError, match=r"tiny.toml:3: .*not valid TOML"):
        load_text('name = "x"\nversion = 1\nlevel = = 2\n', "tiny.toml")


def test_a_missing_key_is_named():
    with pytest.raises(DefinitionError, match="'owner_role' is missing"):
        load_text(GOOD.replace('owner_role = "major_lead"\n', ""), "tiny.toml")


def test_a_timer_must_wait_for_a_known_plan_date():
    text = broken('next = "closed"', 'next = "closed"\ntimer = { plan = "someday" }')
    with pytest.raises(DefinitionError, match="unknown plan date 'someday'"):
        load_text(text, "tiny.toml")
