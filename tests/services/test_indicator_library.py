"""The indicator library: new lines are new versions that judge their period and later only;
the library goes out to Excel and comes back, all or nothing."""
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Indicator, Measurement
from app.services import indicators, measurements
from app.services.errors import Invalid
from tests import builders

DATA = Path(__file__).resolve().parents[2] / "app" / "data"
HEADER = "period,unit_code,unit_name,indicator_code,indicator_name,value,source\n"


@pytest.fixture
def world(app):
    world = builders.build_college(db.session)
    measurements.seed_indicators(db.session, DATA / "indicators.yaml")
    return world


def put(world, text):
    checked = measurements.preview(db.session, measurements.read_table("m.csv", text.encode()))
    return measurements.accept(db.session, checked, world.qo, "m.csv")


def status(code, period, unit):
    return db.session.scalar(select(Measurement.status).where(
        Measurement.indicator_code == code, Measurement.period_label == period,
        Measurement.unit_id == unit.id))


def lines(**changes):
    base = dict(name="新生报到率", unit_label="%", data_type="number", operator=">=",
                target=Decimal(90), warn=Decimal(85), severe=Decimal(75), from_label="")
    return indicators.Lines(**(base | changes))


def test_new_lines_judge_their_period_and_later_and_leave_last_year_alone(world):
    put(world, HEADER + "2025,510203,软件技术,M03,报到率,80,平台\n"
                        "2026,510203,软件技术,M03,报到率,80,平台\n")
    assert status("M03", "2025", world.m1) == status("M03", "2026", world.m1) == "yellow"
    revised = indicators.revise(db.session, world.qo, "M03",
                                lines(warn=Decimal(78), severe=Decimal(70), from_label="2026"))
    assert revised.version == 2
    assert status("M03", "2025", world.m1) == "yellow"  # judged by version 1, as it was
    assert status("M03", "2026", world.m1) == "short"   # 80 is above the new warning line 78
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "indicator_revised")).one()
    assert event.data["before"]["warn"] == "85.0000" and event.data["rejudged"] == 1
    # a later import of 2025 still uses version 1's lines
    put(world, HEADER + "2025,510203,软件技术,M03,报到率,79,平台\n")
    assert status("M03", "2025", world.m1) == "yellow"
    assert [i.version for i in indicators.current(db.session, "major") if i.code == "M03"] == [2]


def test_the_same_lines_make_no_version_and_bad_lines_are_refused_in_words(world):
    assert indicators.revise(db.session, world.qo, "M03", lines()) is None
    with pytest.raises(Invalid, match="target ≥ warning ≥ severe"):
        indicators.revise(db.session, world.qo, "M03", lines(warn=Decimal(95)))
    with pytest.raises(Invalid, match="target ≤ warning ≤ severe"):
        indicators.revise(db.session, world.qo, "K02", lines(operator="<=", target=Decimal(10),
                                                             warn=Decimal(5)))
    with pytest.raises(Invalid, match="only 1 \\(yes\\) and 0"):
        indicators.revise(db.session, world.qo, "K03", lines(data_type="boolean", operator="==",
                                                             target=Decimal(2)))
    indicators.revise(db.session, world.qo, "M03", lines(target=Decimal(92), from_label="2026"))
    with pytest.raises(Invalid, match="cannot start before"):
        indicators.revise(db.session, world.qo, "M03", lines(target=Decimal(93), from_label="2025"))
    assert db.session.scalar(select(func.max(Indicator.version)).where(Indicator.code == "M03")) == 2


def test_a_new_indicator_needs_a_free_code_and_a_known_level(world):
    made = indicators.create(db.session, world.qo, "m06", "major", lines(name="专业对口就业率"))
    assert (made.code, made.version) == ("M06", 1)
    with pytest.raises(Invalid, match="is taken"):
        indicators.create(db.session, world.qo, "M06", "major", lines())
    with pytest.raises(Invalid, match="Unknown level"):
        indicators.create(db.session, world.qo, "X01", "galaxy", lines())
    with pytest.raises(Invalid, match="letters and digits"):
        indicators.create(db.session, world.qo, "../x", "major", lines())


def test_a_retired_indicator_takes_no_new_values(world):
    indicators.set_active(db.session, world.qo, "M04", False)
    checked = measurements.preview(db.session, measurements.read_table(
        "m.csv", (HEADER + "2026,510203,软件技术,M04,相关度,70,平台\n").encode()))
    assert checked.bad[0].error == "Unknown indicator %(code)s."


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    for row in book.active.iter_rows():
        for cell in row:  # as Excel keeps typed text: "==" is text, not a formula
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_library_goes_out_to_excel_and_comes_back(world):
    exported = indicators.export_xlsx(db.session)
    sheet = load_workbook(io.BytesIO(exported)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["指标代码", "层面", "指标名称"] and len(rows) == 21
    assert indicators.import_table(db.session, world.qo, "lib.xlsx", exported).unchanged == 20
    m03 = next(r for r in rows if r[0] == "M03")
    m03[7], m03[9] = 80, "2026"  # a lower warning line from 2026 on
    rows.append(["M06", "major", "专业对口就业率", "%", "number", ">=", 70, 60, 50, "", None])
    result = indicators.import_table(db.session, world.qo, "lib.xlsx", workbook(rows))
    assert (result.created, result.revised, result.unchanged) == (["M06"], ["M03"], 19)
    assert [i.warn for i in indicators.history(db.session, "M03")] == [85, 80]


def test_one_bad_row_in_the_library_sheet_changes_nothing(world):
    rows = [[label for _n, label in indicators.SHEET_COLUMNS],
            ["M03", "major", "新生报到率", "%", "number", ">=", 90, 80, 75, "2026", ""],
            ["M01", "major", "去向", "%", "number", "≈", 90, 80, 60, "", ""],
            ["M02", "major", "双师", "%", "number", ">=", "很多", 50, 40, "", ""],
            ["Q01", "nowhere", "新指标", "%", "number", ">=", 9, 8, 7, "", ""],
            ["M03", "major", "新生报到率", "%", "number", ">=", 90, 80, 75, "2026", ""]]
    result = indicators.import_table(db.session, world.qo, "lib.xlsx", workbook(rows))
    assert [(n, m) for n, m, _p in result.errors] == [
        (3, "The rule must be one of %(operators)s."), (4, "%(value)s is not a number."),
        (5, "Unknown level %(level)s."), (6, "The code %(code)s appears twice.")]
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == 20
    with pytest.raises(Invalid, match="lacks the column"):
        indicators.import_table(db.session, world.qo, "lib.xlsx", workbook([["代码", "名称"]]))
