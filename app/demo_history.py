"""The demo's last year (2025-2026学年): every major's cycle walked through all nine stages by its
lead, its department head and the quality office, through the same services the product uses,
so the current year starts as the spiral's second turn with measures to follow up.

The content is generated from the major's 2025 status data (app/data/measurements-major.csv),
without importing it: the quality office does that in the demo walk-through.
"""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update

from app.models import Cycle, Notification, OrgUnit, Period, Task, User
from app.services import catalog, targets
from app.services import cycles as service
from workflows.indicators import meets

TZ = dt.timezone(dt.timedelta(hours=8))
YEAR = ("2025-2026学年", dt.date(2025, 9, 1), dt.date(2026, 8, 31), "2025")
#: Last year's targets of every major, on the indicators the status data carries.
TARGETS = {"M01": "90", "M02": "60", "M03": "90", "M04": "70", "M05": "80"}
NAMES = {"M01": "专业毕业去向落实率", "M02": "双师素质教师比例（专业课）", "M03": "新生报到率",
         "M04": "专业相关度", "M05": "学生职业技能等级证书获取率"}
MEASURES = {
    "M01": ("毕业去向落实率未达目标", "拓展订单班与合作企业，开展毕业生一对一就业帮扶"),
    "M02": ("双师素质教师比例偏低", "安排专业课教师暑期企业实践，引进企业兼职教师"),
    "M03": ("新生报到率偏低", "提前开展招生宣传，跟踪录取未报到考生"),
    "M04": ("专业相关度不高", "对接区域产业岗位调整课程，推荐对口岗位"),
    "M05": ("证书获取率未达目标", "将职业技能等级证书内容融入课程，考前集中培训"),
}
#: The major whose diagnosis the department head returned once (its report keeps both).
RETURNED = "510203"


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


def _values(path: Path) -> dict[tuple[str, str], Decimal]:
    with path.open(encoding="utf-8") as file:
        return {(row["unit_code"], row["indicator_code"]): Decimal(row["value"])
                for row in csv.DictReader(file) if row["period"] == YEAR[3]}


def load_history(session, users: dict[str, User], data_dir: Path) -> int:
    """Add last year and walk each major's cycle to closed; return how many were closed."""
    name, start, end, label = YEAR
    year = Period(kind="year", name=name, start=start, end=end, data_label=label)
    session.add(year)
    session.commit()
    values = _values(data_dir / "measurements-major.csv")
    office = users["2005341"]
    launched = service.launch_cycles(session, office, "major", year.id, now=_at("2025-09-08", 9))
    book = catalog.current(session)
    points = catalog.points(book.data if book else None, "major")
    for n, cycle in enumerate(sorted(launched.created, key=lambda c: c.unit.code)):
        head = session.get(User, targets.receivers(session, cycle.unit.parent)[0])
        _walk(session, cycle, head, office, values, points, n)
    # What was news last year is not news now.
    session.execute(update(Notification).where(Notification.created_at < _at("2026-09-01", 0))
                    .values(read_at=_at("2026-09-01", 0)))
    session.commit()
    return len(launched.created)


def _walk(session, cycle: Cycle, head: User, office: User, values, points, n: int) -> None:
    owner = session.get(User, cycle.owner_id)
    code = cycle.unit.code
    actual = {k: values.get((code, k)) for k in TARGETS}
    met = {k: v is not None and meets(v, ">=", TARGETS[k]) for k, v in actual.items()}
    missed = [k for k in TARGETS if not met[k]]
    plan = [{"problem": MEASURES[k][0], "measure": MEASURES[k][1], "owner": owner.name,
             "deadline": "2026-12-31"} for k in missed] or [
        {"problem": "专业建设对标不够", "measure": "对标省级高水平专业，修订专业建设方案",
         "owner": owner.name, "deadline": "2026-12-31"}]
    contents = {
        "target": {"summary": f"{cycle.subject_name}2025-2026学年专业建设目标",
                   "targets": [{"indicator": f"{k} {NAMES[k]}", "baseline": str(TARGETS[k]),
                                "target": TARGETS[k], "deadline": "2026-08-31"}
                               for k in TARGETS]},
        "standard": {"summary": "对照专业教学标准设置质控点",
                     "standards": [{"kind": "result", "indicator": f"{k} {NAMES[k]}",
                                    "target": TARGETS[k], "standard": TARGETS[k],
                                    "warning": str(int(TARGETS[k]) - 10)} for k in TARGETS]},
        "design": {"plan_title": f"{cycle.subject_name}专业建设实施方案", "plan": "按目标分解任务，明确责任人与时间节点。",
                   "budget": "20"},
        "organize": {"tasks": [{"item": "修订人才培养方案", "owner": owner.name,
                                "start": "2025-11-01", "end": "2026-01-15"},
                               {"item": "校企合作与实践基地建设", "owner": owner.name,
                                "start": "2025-11-01", "end": "2026-06-30"}], "notes": ""},
        "implement": {"progress": "各项任务按计划推进。", "completion": "85"},
        "monitor": {"status": "yellow" if missed else "green",
                    "rectification": "对预警指标制定整改措施。" if missed else ""},
        "diagnose": {
            "achievements": [{"indicator": f"{k} {NAMES[k]}", "target": TARGETS[k],
                              "actual": str(actual[k]) if actual[k] is not None else "0",
                              "met": "yes" if met[k] else "no",
                              "cause": "" if met[k] else MEASURES[k][0],
                              "measure": "" if met[k] else MEASURES[k][1]} for k in TARGETS],
            "strengths": f"{cycle.subject_name}完成年度主要建设任务，校企合作持续深化。",
            "problems": "；".join(MEASURES[k][0] for k in missed) or "各项目标均已达成。",
            "diagnosis": [{"point": p.label, "rating": ("met", "partly", "met")[(n + i) % 3],
                           "finding": "有制度、有记录、有成效。"} for i, p in enumerate(points)],
            "follow_up": []},
        "learn": {"lessons": "组织专业团队学习先进院校诊改经验。", "training": "开展教师企业实践。"},
        "improve": {"measures": plan, "summary": "改进方案纳入下一年度目标。"},
    }
    dates = {"target": "2025-09-15", "standard": "2025-10-13", "design": "2025-10-27",
             "organize": "2025-11-10", "implement": "2026-05-20", "monitor": "2026-06-20",
             "diagnose": "2026-07-01", "learn": "2026-07-08", "improve": "2026-07-15"}
    deciders = {"unit_leader": head, "quality_office": office}
    while cycle.stage != "closed":
        stage = cycle.definition.stage(cycle.stage)
        when = _at(dates[stage.name])
        task = session.scalars(select(Task).where(
            Task.cycle_id == cycle.id, Task.status == "open",
            Task.kind == "fill")).one()
        fields = contents[stage.name]
        if stage.name == "diagnose" and code == RETURNED:
            first = dict(fields, strengths="完成年度建设任务。")
            service.submit(session, task.id, owner, first, now=when)
            review = _open_review(session, cycle)
            service.return_for_revision(session, review.id, head,
                                        "成绩总结过于简略，请补充技能竞赛与校企合作的具体成果。",
                                        now=when + dt.timedelta(days=1))
            task = session.scalars(select(Task).where(
                Task.cycle_id == cycle.id, Task.status == "open")).one()
            when += dt.timedelta(days=3)
            fields = dict(fields, strengths="获省级技能大赛一等奖2项；新增合作企业5家，"
                                            "订单班2个。")
        service.submit(session, task.id, owner, fields, now=when)
        for i, step in enumerate(stage.reviews, start=1):
            service.approve(session, _open_review(session, cycle).id, deciders[step.role],
                            "同意", now=when + dt.timedelta(days=i))
        if stage.timer:
            service.advance_timers(session, getattr(cycle, stage.timer.plan_field))
        session.refresh(cycle)


def _open_review(session, cycle: Cycle):
    return session.scalars(select(Task).where(
        Task.cycle_id == cycle.id, Task.status == "open",
        Task.kind == "review")).one()


def history_major(session, code: str) -> Cycle | None:
    """Last year's cycle of a major (for tests and the README's walk-through)."""
    return session.scalars(select(Cycle).join(OrgUnit, OrgUnit.id == Cycle.unit_id).join(
        Period, Period.id == Cycle.period_id).where(OrgUnit.code == code,
                                                    Period.name == YEAR[0])).first()
