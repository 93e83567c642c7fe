"""Quality analysis reports: each department's year rolled up by level, the college's by
department, opened by the quality office, written by their owners, reviewed, and exported to
Word with the figures the data gives and every gap stated."""
import io

from docx import Document
from sqlalchemy import select

from app.extensions import db
from app.models import Cycle, OrgUnit, Period, User
from app.services import cycles as service
from app.services import rollup
from tests.builders import open_task
from tests.web.conftest import sign_in


def person(username):
    return db.session.scalars(select(User).where(User.username == username)).one()


def last_year():
    return db.session.scalars(select(Period).where(Period.name == "2025-2026学年")).one()


def report_of(level, code):
    return db.session.scalars(select(Cycle).join(OrgUnit, OrgUnit.id == Cycle.unit_id).where(
        Cycle.level == level, OrgUnit.code == code)).one()


def word(client, cycle):
    response = client.get(f"/cycles/{cycle.id}/report.docx")
    assert response.status_code == 200
    return Document(io.BytesIO(response.data))


def opened(client):
    sign_in(client, person("2005341"))
    response = client.post("/reports/launch", data={"period": str(last_year().id)})
    assert response.status_code == 303
    again = client.post("/reports/launch", data={"period": str(last_year().id)})
    assert "已打开 0 份" in client.get(again.location).get_data(as_text=True)


def test_the_office_opens_a_report_for_every_department_and_the_college(client, app, demo):
    opened(client)
    page = client.get(f"/reports/?period={last_year().id}").get_data(as_text=True)
    departments = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "department")).all()
    assert page.count('data-level="analysis"') == len(departments) == 8
    assert page.count('data-level="college_analysis"') == 1
    assert 'id="chart-rates"' in page and "<svg" in page.split('id="chart-rates"')[1][:200]


def test_a_department_head_writes_from_the_roll_up_and_the_office_approves(client, app, demo):
    opened(client)
    cycle = report_of("analysis", "D01")
    head = person("2005424")
    sign_in(client, head)
    task = open_task(db.session, cycle, "fill")
    form = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    figures = {r.key: r for r in rollup.department(db.session, cycle.unit, last_year(), {})}
    assert f'name="results-0-cycles" type="text" value="{figures["major"].cycles}"' in form
    assert "本年度暂无诊改数据" in form  # no course, teacher or class cycles last year
    fields = {"overview": "信息工程学院 2025-2026 学年专业诊改全部完成。",
              "results": [{"level": "专业", "cycles": "4", "closed": "4", "rate": "55",
                           "warnings": "0"}],
              "strengths": "软件技术获省级技能大赛一等奖。", "problems": "毕业去向落实率偏低。",
              "measures": [{"problem": "落实率偏低", "measure": "拓展合作企业", "owner": "许婷斌",
                            "deadline": "2026-12-31"}]}
    service.submit(db.session, task.id, head, fields)
    service.approve(db.session, open_task(db.session, cycle, "review").id, person("2005341"))
    assert db.session.get(Cycle, cycle.id).stage == "closed"
    document = word(client, cycle)
    assert document.paragraphs[0].text == "信息工程学院2025-2026学年质量分析报告"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == ["一、总体情况", "二、各层面诊改情况", "三、预警与整改", "四、诊改进度",
                        "五、主要成效", "六、存在问题及原因分析", "七、改进措施", "八、审核意见"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "全部完成" in text and "审核通过" in text or "已通过" in text
    rows = [[c.text for c in r.cells] for r in document.tables[0].rows[1:]]
    assert rows == [["专业", "4", "4", "55", "0"]]
    assert len(document.inline_shapes) >= 2  # achievement by unit, cycles by stage


def test_a_department_without_data_says_so_and_the_college_lists_every_department(
        client, app, demo):
    opened(client)
    empty = word(client, report_of("analysis", "D07"))
    text = "\n".join(p.text for p in empty.paragraphs)
    assert "马克思主义学院2025-2026学年暂无诊改数据" in text
    assert "课程：本年度暂无诊改数据" in text and "本年度未触发预警" in text
    college = word(client, report_of("college_analysis", "C"))
    rows = [[c.text for c in r.cells] for r in college.tables[0].rows[1:]]
    expected = rollup.college(db.session, db.session.scalars(
        select(OrgUnit).where(OrgUnit.parent_id.is_(None))).one(), last_year())
    assert [r[:3] for r in rows] == [[e.label, str(e.cycles), str(e.closed)] for e in expected]
    assert ["马克思主义学院", "0", "0", "—", "0"] in rows


def test_an_approved_report_opens_nothing_for_the_next_year(client, app, demo):
    opened(client)
    cycle = report_of("analysis", "D01")
    head = person("2005424")
    fields = {"overview": "概况", "results": [{"level": "专业", "cycles": "4", "closed": "4",
                                             "warnings": "0"}],
              "strengths": "成效", "problems": "问题",
              "measures": [{"problem": "p", "measure": "m", "owner": "o",
                            "deadline": "2026-12-31"}]}
    service.submit(db.session, open_task(db.session, cycle, "fill").id, head, fields)
    service.approve(db.session, open_task(db.session, cycle, "review").id, person("2005341"))
    this_year = db.session.scalars(select(Period).where(Period.name == "2026-2027学年")).one()
    assert db.session.scalars(select(Cycle).where(Cycle.level == "analysis",
                                                  Cycle.period_id == this_year.id)).all() == []
