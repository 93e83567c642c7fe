"""The diagnosis catalogue: versions of plain data, out to Excel and back, all or nothing."""
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import DiagnosisCatalog
from app.services import catalog
from app.services.errors import Invalid
from tests import builders

DATA = Path(__file__).resolve().parents[2] / "app" / "data"


@pytest.fixture
def world(app):
    world = builders.build_college(db.session)
    assert catalog.seed(db.session, DATA / "diagnosis-catalog.yaml")
    return world


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["项目编号", "诊断项目", "要素编号", "诊断要素", "诊断点", "适用层面"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def exported_rows():
    sheet = load_workbook(io.BytesIO(catalog.export_xlsx(db.session))).active
    return [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_each_level_answers_its_own_points(world):
    data = catalog.current(db.session).data
    assert len(catalog.points(data)) == 29
    assert [p.no for p in catalog.points(data, "course")] == ["2.3.1", "2.3.2", "2.3.3"]
    assert {p.item_no for p in catalog.points(data, "major")} == {"2"}
    assert {p.item_no for p in catalog.points(data, "school")} == {"1", "2", "3", "4", "5"}


def test_the_same_sheet_back_changes_nothing_and_an_edit_is_a_new_version(world):
    rows = exported_rows()
    assert rows[0] == ["1", "体系总体构架", "1.1", "质量保证理念", "质量文化与质量意识", "学校"]
    made, errors = catalog.import_table(db.session, world.qo, "c.xlsx", workbook(rows))
    assert (made, errors) == (None, [])
    rows.append(["2", "专业质量保证", "2.4", "专业群建设", "群内专业协同", "学校、专业"])
    made, errors = catalog.import_table(db.session, world.qo, "c.xlsx", workbook(rows), "省厅新增")
    assert errors == [] and made.version == 2
    assert catalog.points(made.data, "major")[-1].label == "2.4.1 群内专业协同"
    assert catalog.points(catalog.versions(db.session)[0].data, "major")[-1].no == "2.3.3"


def test_bad_rows_are_each_named_and_nothing_changes(world):
    rows = exported_rows()
    rows[2][4] = ""                     # a point without its name
    rows[5][5] = "院系"                  # not a level
    rows[7][2] = "3.1"                  # an element under the wrong item
    made, errors = catalog.import_table(db.session, world.qo, "c.xlsx", workbook(rows))
    assert made is None and [number for number, _m, _p in errors] == [4, 7, 9]
    assert db.session.scalar(select(func.count()).select_from(DiagnosisCatalog)) == 1


def test_a_sheet_without_the_headings_is_refused(world):
    with pytest.raises(Invalid, match="header row"):
        catalog.import_table(db.session, world.qo, "c.csv", "编号,名称\n1,x\n".encode())
