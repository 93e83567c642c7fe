"""The annual quality report: tables filled from the status data and from each office's
reviewed part, chapters written by the offices, exported to Word and the tables to Excel; what
is still missing says who owes it."""
import io
import subprocess

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Cycle, OrgUnit, Period, User
from app.services import cycles as service
from app.services import measurements
from app.services.common import role_holders
from tests.builders import open_task
from tests.web.conftest import sign_in


def person(username):
    return db.session.scalars(select(User).where(User.username == username)).one()


def this_year():
    return db.session.scalars(select(Period).where(Period.name == "2026-2027学年")).one()


def part_of(code):
    return db.session.scalars(select(Cycle).join(OrgUnit, OrgUnit.id == Cycle.unit_id).where(
        Cycle.level == "annual_part", OrgUnit.code == code)).one()


def leader_of(cycle):
    return db.session.get(User, role_holders(db.session, "unit_leader")[cycle.unit_id])


@pytest.fixture
def report(client, app, demo):
    sign_in(client, person("2005341"))
    year = this_year()
    assert client.post("/reports/annual/launch", data={"period": str(year.id)}).status_code == 303
    # the college's own status data for two fields of the tables, this year and last
    table = measurements.read_table("c.csv", (
        "period,unit_code,indicator_code,value\n2026,C,S03,93.2\n2025,C,S03,91.8\n"
        "2026,C,S01,17.5\n").encode())
    measurements.accept(db.session, measurements.preview(db.session, table), person("2005341"),
                        "c.csv")
    # 教务处 writes its part and it is reviewed; 招生就业处 submits and awaits review
    academic = part_of("O04")
    task = open_task(db.session, academic, "fill")
    sign_in(client, leader_of(academic))
    form = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'value="教学计划内课程总学时"' in form and 'value="就业率"' not in form
    rows = [{"table": "教学资源表", "field": "教学计划内课程总学时", "unit": "学时",
             "previous": "2650", "current": "2720"},
            {"table": "服务贡献表", "field": "全日制在校生人数", "unit": "人", "current": "9860"}]
    service.submit(db.session, task.id, leader_of(academic),
                   {"values": rows, "chapter": "推进三教改革，建成省级精品在线课程 3 门。"})
    service.approve(db.session, open_task(db.session, academic, "review").id, person("2005341"))
    careers = part_of("O07")
    service.submit(db.session, open_task(db.session, careers, "fill").id, leader_of(careers),
                   {"values": [{"table": "计分卡", "field": "月收入", "unit": "元",
                                "current": "4350"}],
                    "chapter": "毕业生就业质量稳步提升。"})
    sign_in(client, person("2005341"))
    return year


def test_launching_opens_a_part_for_each_responsible_office_once(client, report):
    page = client.get(f"/reports/annual?period={report.id}").get_data(as_text=True)
    assert page.count('data-level="annual_part"') == 7 and page.count('data-level="annual"') == 1
    again = client.post("/reports/annual/launch", data={"period": str(report.id)})
    assert "已为质量年报打开 0 项任务" in client.get(again.location).get_data(as_text=True)


def test_the_word_report_has_the_chapters_and_the_tables_with_their_sources(client, report):
    compile_cycle = db.session.scalars(select(Cycle).where(Cycle.level == "annual")).one()
    word = Document(io.BytesIO(client.get(f"/cycles/{compile_cycle.id}/report.docx").data))
    assert word.paragraphs[0].text == "示例职业技术学院2026-2027学年高等职业教育质量年度报告"
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == ["前言", "一、学生发展", "二、教学改革", "三、政策保障", "四、国际合作",
                        "五、服务贡献", "六、面临挑战", "总结", "附表", "审核意见"]
    text = "\n".join(p.text for p in word.paragraphs)
    assert "推进三教改革，建成省级精品在线课程 3 门。" in text
    assert "毕业生就业质量稳步提升。" in text and "招生就业处撰写，待质量管理办公室审核" in text
    assert "学生工作处尚未撰写本章" in text
    cells = {row.cells[0].text: [c.text for c in row.cells] for t in word.tables
             for row in t.rows[1:]}
    assert cells["就业率"] == ["就业率", "%", "91.8", "93.2", "状态数据（S03）"]
    assert cells["生师比"][2:] == ["—", "17.5", "状态数据（S01）"]
    assert cells["生均教学科研仪器设备值"][2:] == ["—", "—", "状态数据（S02）：暂无数据"]
    assert cells["教学计划内课程总学时"][2:] == ["2650", "2720", "教务处填报，已审核"]
    assert cells["月收入"][2:] == ["—", "4350", "招生就业处填报，待审核"]
    assert cells["年生均财政拨款水平"][2:] == ["—", "—", "财务处：尚未填报"]


def test_the_tables_alone_go_to_excel_a_sheet_each(client, report):
    book = load_workbook(io.BytesIO(client.get(f"/reports/annual/tables.xlsx?period={report.id}")
                                    .data))
    assert book.sheetnames == ["计分卡", "教学资源表", "国际影响表", "服务贡献表", "落实政策表",
                               "学生反馈表"]
    card = [list(r) for r in book["计分卡"].iter_rows(values_only=True)]
    assert card[0] == ["指标", "计量单位", "上一年", "本年", "数据来源"]
    assert card[1] == ["就业率", "%", 91.8, 93.2, "状态数据（S03）"]
    assert card[2] == ["月收入", "元", None, 4350, "招生就业处填报，待审核"]
    assert len(card) == 8


def test_the_tables_are_edited_per_year_all_or_nothing(client, report):
    exported = client.get(f"/reports/annual/config.xlsx?period={report.id}").data
    sheet = load_workbook(io.BytesIO(exported)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["表名", "指标", "单位", "数据来源"] and ["计分卡", "就业率", "%", "S03"] in rows

    def upload(table_rows):
        book = Workbook()
        for row in table_rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return client.post(f"/reports/annual?period={report.id}",
                           data={"file": (io.BytesIO(buffer.getvalue()), "t.xlsx")},
                           content_type="multipart/form-data")

    bad = upload(rows + [["计分卡", "校友捐赠", "万元", "Z99"]])
    assert bad.status_code == 422 and "Z99 既不是指标也不是部门" in bad.get_data(as_text=True)
    good = upload(rows + [["计分卡", "校友捐赠", "万元", "O08"]])
    assert good.status_code == 303
    again = load_workbook(io.BytesIO(client.get(
        f"/reports/annual/config.xlsx?period={report.id}").data)).active
    assert ["计分卡", "校友捐赠", "万元", "O08"] in [list(r) for r in again.iter_rows(values_only=True)]


def test_every_report_converts_to_a_pdf_with_chinese_fonts(client, report, office, tmp_path):
    from app.demo_history import history_major
    compile_cycle = db.session.scalars(select(Cycle).where(Cycle.level == "annual")).one()
    client.post("/reports/launch", data={"period": str(history_major(db.session, "510203")
                                                     .period_id)})
    analysis = db.session.scalars(select(Cycle).where(Cycle.level == "college_analysis")).one()
    for cycle in (compile_cycle, analysis, history_major(db.session, "510203")):
        path = tmp_path / f"{cycle.id}.docx"
        path.write_bytes(client.get(f"/cycles/{cycle.id}/report.docx").data)
        subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                        "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                        str(path)], check=True, capture_output=True, timeout=120)
        pdf = path.with_suffix(".pdf")
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        assert "CJK" in fonts, (cycle.level, fonts)


def test_an_office_part_holds_its_own_fields_only(client, report):
    from app.services.errors import Invalid
    personnel = part_of("O05")
    task = open_task(db.session, personnel, "fill")
    leader = leader_of(personnel)
    cases = [
        ({"values": [{"table": "计分卡", "field": "月收入", "current": "99999"}]},
         "values[1].field"),                       # 招生就业处's field
        ({"values": [{"table": "乱表", "field": "乱指标", "current": "5"}]}, "values[1].field"),
        ({"values": [{"table": "落实政策表", "field": "专任教师总数", "current": "61.5"}]},
         "values[1].current"),                     # a headcount is whole
        ({"values": [], "chapter": "人事处没有章节"}, "chapter"),
    ]
    for fields, error in cases:
        with pytest.raises(Invalid) as caught:
            service.submit(db.session, task.id, leader, fields)
        db.session.rollback()
        assert list(caught.value.errors) == [error], fields
    assert open_task(db.session, personnel, "fill").id == task.id  # nothing was submitted
