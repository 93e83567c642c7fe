"""Lists export to Excel with the filters they show; the workbook opens and reads back."""
import datetime as dt
import io

from openpyxl import load_workbook

from app.extensions import db
from app.models import Task
from tests import builders
from tests.web.conftest import sign_in


def rows_of(response):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_cycle_list_exports_what_the_filters_show(client, app):
    world = builders.launched_college(db.session)
    sign_in(client, world.qo)
    rows = rows_of(client.get("/cycles/export.xlsx"))
    assert rows[0][:5] == ["诊改对象", "层面", "单位", "周期", "阶段"]
    assert sorted(r[0] for r in rows[1:]) == sorted(["软件技术", "计算机应用技术", "机械制造及自动化"])
    rows = rows_of(client.get("/cycles/export.xlsx?unit=D02"))
    assert [r[0] for r in rows[1:]] == ["机械制造及自动化"]
    assert rows[1][4] == "目标" and rows[1][5] == "填报中"


def test_a_lead_exports_only_their_own_cycles(client, app):
    world = builders.launched_college(db.session)
    sign_in(client, world.lead1)
    rows = rows_of(client.get("/cycles/export.xlsx"))
    assert [r[0] for r in rows[1:]] == ["软件技术"]


def test_overdue_export_has_days_and_tier(client, app):
    world = builders.launched_college(db.session)
    db.session.execute(Task.__table__.update().values(
        due_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=4, hours=1), escalation_tier=1))
    db.session.commit()
    sign_in(client, world.head1)
    rows = rows_of(client.get("/dashboard/overdue.xlsx"))
    assert len(rows) == 3  # the header and the department's two majors
    assert {r[6] for r in rows[1:]} == {4} and {r[7] for r in rows[1:]} == {"单位负责人"}
    assert "attachment" in client.get("/dashboard/overdue.xlsx").headers["Content-Disposition"]


def test_text_that_looks_like_a_formula_stays_text(client, app):
    world = builders.launched_college(db.session)
    from app.models import Cycle
    db.session.execute(Cycle.__table__.update().values(subject_name='=HYPERLINK("http://x","y")'))
    db.session.commit()
    sign_in(client, world.qo)
    response = client.get("/cycles/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_cycle_list_filters_by_status_and_owner_and_sorts(client, app):
    from app.services import cycles as service
    from tests.builders import TARGETS, open_task
    world = builders.launched_college(db.session)
    service.submit(db.session, world.fill.id, world.lead1, TARGETS)  # 软件技术 is under review
    sign_in(client, world.qo)

    def subjects(query):
        rows = rows_of(client.get(f"/cycles/export.xlsx?{query}"))
        return [r[0] for r in rows[1:]]

    assert subjects("status=submitted") == ["软件技术"]
    assert sorted(subjects("status=filling")) == ["机械制造及自动化", "计算机应用技术"]
    assert subjects("status=closed") == []
    assert subjects("owner=lead3") == ["机械制造及自动化"]
    assert subjects("sort=subject") == sorted(subjects(""))
    html = client.get("/cycles/?status=submitted&sort=subject").get_data(as_text=True)
    assert 'href="/cycles/export.xlsx?status=submitted&amp;sort=subject"' in html
    assert open_task(db.session, world.cycle).kind == "review"


def test_a_workbook_takes_any_sheet_name_and_leaves_out_what_it_cannot_hold():
    import io

    from openpyxl import load_workbook

    from app.exports import xlsx_sheets
    data = xlsx_sheets([("学生发展/质量", ["指标"], [["到课率\x01"]]),
                        ("学生发展?质量", ["指标"], [["=cmd|' /C calc'!A0"]])])
    book = load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) == 2 and "/" not in "".join(book.sheetnames)
    first, second = (book[name] for name in book.sheetnames)
    assert first["A2"].value == "到课率" and second["A2"].data_type == "s"
