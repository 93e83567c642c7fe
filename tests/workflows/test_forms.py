import pytest

from workflows import latest_definition
from workflows.forms import FormErrors, describe, validate

TARGET = latest_definition("major").stage("target")


def test_valid_targets_are_cleaned_to_typed_values():
    data = validate(TARGET.form, {"summary": " 提升就业质量 ", "targets": [
        {"indicator": "毕业去向落实率", "baseline": "88.5", "target": "92", "deadline": "2027-08-31"},
        {"indicator": "", "baseline": "", "target": "", "deadline": ""}]})
    assert data == {"summary": "提升就业质量", "targets": [
        {"indicator": "毕业去向落实率", "baseline": 88.5, "target": 92, "deadline": "2027-08-31"}]}


@pytest.mark.parametrize("typed,value", [("92%", 92), ("92.5 %", 92.5), ("８８.５", 88.5),
                                         ("９２％", 92), ("-3", -3)])
def test_numbers_as_people_type_them(typed, value):
    data = validate(TARGET.form, {"summary": "s", "targets": [
        {"indicator": "x", "baseline": typed, "target": "1", "deadline": "2027-01-01"}]})
    assert data["targets"][0]["baseline"] == value


@pytest.mark.parametrize("typed", ["%", "92%%x", "1e999999", "abc", "Infinity", "NaN"])
def test_not_numbers(typed):
    with pytest.raises(FormErrors):
        validate(TARGET.form, {"summary": "s", "targets": [
            {"indicator": "x", "baseline": typed, "target": "1", "deadline": "2027-01-01"}]})


def test_each_bad_cell_is_named():
    with pytest.raises(FormErrors) as exc:
        validate(TARGET.form, {"summary": "", "targets": [
            {"indicator": "x", "baseline": "abc", "target": "NaN", "deadline": "2027-13-01"}]})
    assert set(exc.value.errors) == {"summary", "targets[1].baseline", "targets[1].target",
                                     "targets[1].deadline"}


def test_a_required_table_needs_a_row_and_unknown_fields_are_refused():
    with pytest.raises(FormErrors) as exc:
        validate(TARGET.form, {"summary": "s", "targets": [], "hack": 1})
    assert set(exc.value.errors) == {"targets", "hack"}


@pytest.mark.parametrize("bad", [None, [], "text", 3])
def test_fields_must_be_an_object(bad):
    with pytest.raises(FormErrors):
        validate(TARGET.form, bad)


def test_choice_must_be_listed():
    monitor = latest_definition("major").stage("monitor")
    with pytest.raises(FormErrors) as exc:
        validate(monitor.form, {"status": "purple"})
    assert "status" in exc.value.errors


def test_describe_gives_columns_of_a_table():
    described = {f["name"]: f for f in describe(TARGET.form)}
    assert described["targets"]["type"] == "table"
    assert [c["name"] for c in described["targets"]["columns"]] == [
        "indicator", "baseline", "target", "deadline"]
    assert described["summary"]["required"] is True
