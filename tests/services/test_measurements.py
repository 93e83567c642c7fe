"""Measurements in: a preview first, every bad row with its number and reason, nothing written
until accepted, and the same file twice changes nothing."""
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Indicator, Measurement
from app.services import measurements
from app.services.errors import Invalid
from tests import builders

DATA = Path(__file__).resolve().parents[2] / "app" / "data"
HEADER = "period,unit_code,unit_name,indicator_code,indicator_name,value,source\n"


@pytest.fixture
def world(app):
    world = builders.build_college(db.session)
    measurements.seed_indicators(db.session, DATA / "indicators.yaml")
    return world


def check(text: str, name="m.csv", encoding="utf-8"):
    return measurements.preview(db.session, measurements.read_table(name, text.encode(encoding)))


def stored():
    return db.session.scalar(select(func.count()).select_from(Measurement))


def test_the_library_is_seeded_once_from_the_default_file(world):
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == 20
    assert measurements.seed_indicators(db.session, DATA / "indicators.yaml") == 0


def test_each_bad_row_is_named_with_its_number_and_reason(world):
    checked = check(HEADER
                    + "2026,510203,软件技术,M01,去向落实率,95.0,平台\n"     # row 2: good
                    + ",510203,软件技术,M02,双师,50,平台\n"                 # 3: no period
                    + "2026,999999,无,M01,x,50,平台\n"                      # 4: unknown unit
                    + "2026,510203,软件技术,Z99,x,50,平台\n"                # 5: unknown indicator
                    + "2026,510203,软件技术,M03,报到率,很高,平台\n"          # 6: not a number
                    + "2026,510203,软件技术,M01,去向落实率,96.0,平台\n")    # 7: duplicate of 2
    assert [(r.number, r.error) for r in checked.bad] == [
        (3, "The period is missing."), (4, "Unknown unit %(code)s."),
        (5, "Unknown indicator %(code)s."), (6, "%(value)s is not a number."),
        (7, "The same indicator, unit and period as row %(row)d.")]
    assert checked.bad[-1].error_params == {"row": 2}
    with pytest.raises(Invalid, match="need fixing first"):
        measurements.accept(db.session, checked, world.qo, "m.csv")
    assert stored() == 0


def test_values_no_indicator_can_take_are_refused(world):
    checked = check(HEADER
                    + "2026,510203,软件技术,M03,报到率,-5,平台\n"       # a negative rate
                    + "2026,510203,软件技术,M01,去向落实率,120,平台\n"  # over 100 %
                    + "2026,510203,软件技术,K03,按时提交,2,平台\n"      # yes / no
                    + "2026,510203,软件技术,T01,企业实践,-1,平台\n"     # days
                    + "2026,510203,软件技术,T01,企业实践,45,平台\n")    # good
    assert [(r.number, r.error_params) for r in checked.bad] == [
        (2, {"value": "-5"}), (3, {"value": "120"}), (4, {"value": "2"}), (5, {"value": "-1"})]
    assert [r.number for r in checked.good] == [6]


def test_nothing_is_written_by_a_preview_and_a_second_import_changes_nothing(world):
    data = (DATA / "measurements-major.csv").read_bytes()
    # the demo file names the demo's 18 majors; this small college has three of them
    wanted = [line for line in data.decode().splitlines()[1:]
              if line.split(",")[1] in ("510203", "510201")]
    text = HEADER + "\n".join(wanted) + "\n"
    checked = check(text)
    assert len(checked.good) == len(wanted) == 20 and stored() == 0
    assert measurements.accept(db.session, checked, world.qo, "m.csv")["new"] == 20
    again = check(text)
    assert {r.change for r in again.good} == {"unchanged"}
    assert measurements.accept(db.session, again, world.qo, "m.csv") == {
        "new": 0, "changed": 0, "unchanged": 20, "opened": 0, "verified": 0, "reopened": 0}
    statuses = dict(db.session.execute(select(Measurement.indicator_code, Measurement.status)
                                       .where(Measurement.period_label == "2026",
                                              Measurement.unit_id == world.m2.id)).all())
    # 新生报到率 78.1%: below the warning line 85, above the severe line 75
    assert statuses["M03"] == "yellow" and statuses["M01"] == "met"


def test_a_gbk_file_from_chinese_excel_reads_the_same(world):
    text = HEADER + "2026,510203,软件技术,M01,专业毕业去向落实率,95.5,状态数据平台\n"
    checked = check(text, encoding="gbk")
    assert [r.source for r in checked.good] == ["状态数据平台"]


def test_an_xlsx_export_reads_the_same(world):
    book = Workbook()
    sheet = book.active
    sheet.append(["period", "unit_code", "unit_name", "indicator_code", "indicator_name", "value",
                  "source"])
    sheet.append([2026, "510203", "软件技术", "M01", "去向落实率", 95.5, "平台"])
    buffer = io.BytesIO()
    book.save(buffer)
    checked = measurements.preview(db.session,
                                   measurements.read_table("m.xlsx", buffer.getvalue()))
    assert [(r.period, r.value, r.status) for r in checked.good] == [("2026", 95.5, "met")]


@pytest.mark.parametrize("content,message", [
    (b"", "empty"), (b"   \n\n", "empty"), (b"a,b,c\n1,2,3\n", "lacks the column"),
    (b"\xff\xfe\x00\x81\x00", "neither UTF-8 nor GBK"),
])
def test_unusable_files_are_refused_with_a_reason(world, content, message):
    with pytest.raises(Invalid, match=message):
        measurements.preview(db.session, measurements.read_table("m.csv", content))


def test_the_cli_checks_then_imports(app, world, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "2026,510203,软件技术,M01,x,95.5,平台\n", encoding="utf-8")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["measurements", "import", str(path)])
    assert "1 good row(s) (1 new" in first.output and "nothing imported" in first.output
    assert stored() == 0
    runner.invoke(args=["measurements", "import", str(path), "--accept"])
    assert stored() == 1


def test_an_xlsx_with_a_merged_title_and_a_two_row_merged_header_reads_by_its_headings(world):
    """As offices lay sheets out: a merged title, a merged group heading, Chinese headings."""
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年专业状态数据（导出）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["年度", "专业", None, "指标", None, "数值"])
    sheet.merge_cells("B2:C2")
    sheet.merge_cells("D2:E2")
    sheet.append([None, "专业代码", "专业名称", "指标代码", "指标名称", None])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("F2:F3")
    sheet.append(["2026", "510203", "软件技术", "M01", "去向落实率", 95.5])
    sheet.append(["2026", "510201", "计算机应用技术", "M03", "报到率", "很高"])
    buffer = io.BytesIO()
    book.save(buffer)
    # the headings of the merged cells sit in rows 2 and 3; their union names every column
    checked = measurements.preview(db.session, measurements.read_table("m.xlsx", buffer.getvalue()))
    assert [(r.number, r.unit_code, r.value, r.status) for r in checked.good] == [
        (4, "510203", 95.5, "met")]
    assert [(r.number, r.error) for r in checked.bad] == [(5, "%(value)s is not a number.")]


def test_leading_blank_lines_do_not_shift_the_row_numbers(world):
    checked = check("\n\n" + HEADER + "2026,510203,软件技术,M01,x,abc,平台\n")
    assert [r.number for r in checked.bad] == [4]
