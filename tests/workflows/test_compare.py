from workflows import get_definition
from workflows.compare import compare

TARGET = get_definition("major", 1).stage("target")
ROW = {"indicator": "落实率", "baseline": 88.5, "target": 92, "deadline": "2027-08-31"}


def changed(rows):
    return [(r["field"].name, r["row"], r["column"].name if r["column"] else None)
            for r in rows if r["changed"]]


def test_identical_versions_have_no_changes():
    data = {"summary": "s", "targets": [ROW]}
    assert changed(compare(TARGET.form, data, data)) == []


def test_changed_cells_and_added_rows_are_marked():
    old = {"summary": "s", "targets": [ROW]}
    new = {"summary": "s2", "targets": [{**ROW, "target": 95}, ROW]}
    assert changed(compare(TARGET.form, old, new)) == [
        ("summary", None, None), ("targets", 1, "target"), ("targets", 2, "indicator"),
        ("targets", 2, "baseline"), ("targets", 2, "target"), ("targets", 2, "deadline")]
