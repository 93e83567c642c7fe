"""Self-diagnosis reports as Word and PDF files, read back and checked for what they say: the
headings, the achievement table against the data, each version of a returned report, and
Chinese that renders (a CJK font in the PDF)."""
import io
import subprocess

from docx import Document
from docx.oxml.ns import qn
from sqlalchemy import select

from app.demo_history import history_major
from app.extensions import db
from app.models import Cycle, Deliverable, OrgUnit, User
from tests.web.conftest import sign_in

HEADINGS = ["一、基本情况", "二、上一轮改进措施落实情况", "三、目标达成情况", "四、诊断要点",
            "五、主要成效", "六、存在问题及原因分析", "七、改进措施", "八、审核意见"]


def person(username):
    return db.session.scalars(select(User).where(User.username == username)).one()


def report(client, cycle, version=None, kind="docx"):
    url = f"/cycles/{cycle.id}/report.{kind}" + (f"?version={version}" if version else "")
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.data


def test_last_years_report_has_its_sections_and_the_achievement_table_of_its_data(
        client, app, demo):
    cycle = history_major(db.session, "510203")
    sign_in(client, person("2005424"))
    word = Document(io.BytesIO(report(client, cycle)))
    assert word.paragraphs[0].text == "软件技术2025-2026学年自我诊断报告"
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == HEADINGS
    submitted = db.session.scalars(select(Deliverable).where(
        Deliverable.cycle_id == cycle.id, Deliverable.stage == "diagnose")).one().versions[-1]
    table = word.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["指标", "目标值", "实际值", "是否达成", "原因"]
    rows = [[c.text for c in row.cells][:4] for row in table.rows[1:]]
    assert rows == [[r["indicator"], str(r["target"]), str(r["actual"]),
                     "达成" if r["met"] == "yes" else "未达成"]
                    for r in submitted.data["achievements"]]
    assert len(word.inline_shapes) == 1  # the achievement chart
    fonts = word.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    assert table._tbl.tblPr.find(qn("w:tblBorders")) is not None


def test_a_returned_and_resubmitted_diagnosis_keeps_both_versions(client, app, demo):
    cycle = history_major(db.session, "510203")
    sign_in(client, person("2005560"))
    first = Document(io.BytesIO(report(client, cycle, version=1)))
    second = Document(io.BytesIO(report(client, cycle, version=2)))
    first_text = "\n".join(p.text for p in first.paragraphs)
    second_text = "\n".join(p.text for p in second.paragraphs)
    assert "第 1 版（第 1 次送审）" in first_text and "退回修改" in first_text
    assert "完成年度建设任务。" in first_text and "获省级技能大赛" not in first_text
    assert "第 2 版（第 2 次送审）" in second_text and "获省级技能大赛一等奖2项" in second_text
    trail = [[c.text for c in row.cells] for row in second.tables[-1].rows[1:]]
    assert [row[2] for row in trail] == ["提交", "退回修改", "提交", "已通过", "已通过"]
    assert client.get(f"/cycles/{cycle.id}/report.docx?version=3").status_code == 404


def test_this_years_cycle_shows_both_turns_and_the_carried_measures(client, app, demo):
    major = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "510203")).one()
    cycle = db.session.scalars(select(Cycle).where(Cycle.unit_id == major.id,
                                                   Cycle.level == "major",
                                                   Cycle.stage != "closed")).one()
    sign_in(client, person("2005560"))
    page = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert "第 1 轮诊改 · 2025-2026学年" in page and "第 2 轮诊改 · 2026-2027学年" in page
    assert 'id="carried"' in page and 'data-status="open"' in page
    text = "\n".join(p.text for p in Document(io.BytesIO(report(client, cycle))).paragraphs)
    assert "诊断阶段尚未提交" in text


def test_the_report_is_a_pdf_with_chinese_that_renders(client, app, demo, office, tmp_path):
    cycle = history_major(db.session, "510203")
    sign_in(client, person("2005341"))
    path = tmp_path / "report.pdf"
    path.write_bytes(report(client, cycle, kind="pdf"))
    text = subprocess.run(["pdftotext", "-l", "1", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "软件技术2025-2026学年自我诊断报告" in text.replace(" ", "")
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout
    assert "CJK" in fonts, fonts  # the Chinese is drawn in a Chinese font, not as boxes
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 10_000  # a page with content on it


def test_a_report_before_its_diagnosis_lists_the_measures_still_to_follow_up(client, app, demo):
    major = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "510203")).one()
    cycle = db.session.scalars(select(Cycle).where(Cycle.unit_id == major.id,
                                                   Cycle.level == "major",
                                                   Cycle.stage != "closed")).one()
    sign_in(client, person("2005560"))
    word = Document(io.BytesIO(report(client, cycle)))
    follow_up = word.tables[0]
    assert [c.text for c in follow_up.rows[0].cells] == ["措施", "责任人", "完成时限", "落实情况"]
    assert len(follow_up.rows) == 3 and follow_up.rows[1].cells[3].text == "待落实"
