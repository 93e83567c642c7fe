"""Plain builder functions for small worlds: a college, its people, launched cycles."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from app.models import OrgUnit, Period, RoleAssignment, Task, User
from app.services import cycles as service
from app.services.measurements import seed_indicators

DATA = Path(__file__).resolve().parents[1] / "app" / "data"
PASSWORD = "Pass@1234"
TZ = dt.timezone(dt.timedelta(hours=8))
#: The instant the builders launch cycles at: 2026-09-07 09:00 in Beijing.
LAUNCH_AT = dt.datetime(2026, 9, 7, 9, 0, tzinfo=TZ)

_HASH = None


def _password_hash() -> str:
    global _HASH
    if _HASH is None:
        probe = User(username="-", name="-", unit_id=0)
        probe.set_password(PASSWORD)
        _HASH = probe.password_hash
    return _HASH


def unit(session, code, name, kind, parent=None) -> OrgUnit:
    u = OrgUnit(code=code, name=name, kind=kind, parent=parent,
                path=(parent.path if parent else "/") + f"{code}/")
    session.add(u)
    session.flush()
    return u


def person(session, username, name, home, *roles) -> User:
    """A user at `home`; each role is a name (held at home) or (name, unit)."""
    user = User(username=username, name=name, unit=home, password_hash=_password_hash())
    session.add(user)
    for role in roles:
        role_name, scope = role if isinstance(role, tuple) else (role, home)
        session.add(RoleAssignment(user=user, role=role_name, unit=scope))
    session.flush()
    return user


def build_college(session) -> SimpleNamespace:
    """学院 C with the quality office, 信息工程学院 (two majors) and 智能制造学院 (one major)."""
    c = unit(session, "C", "示例学院", "college")
    qo_office = unit(session, "O09", "督导处", "office", c)
    d1 = unit(session, "D01", "信息工程学院", "department", c)
    d2 = unit(session, "D02", "智能制造学院", "department", c)
    m1 = unit(session, "510203", "软件技术", "major", d1)
    m2 = unit(session, "510201", "计算机应用技术", "major", d1)
    m3 = unit(session, "460301", "机械制造及自动化", "major", d2)
    w = SimpleNamespace(college=c, qo_office=qo_office, d1=d1, d2=d2, m1=m1, m2=m2, m3=m3)
    w.admin = person(session, "admin", "管理员", c, "admin")
    w.chair = person(session, "chair", "主任委员", c, "committee_chair", "committee")
    w.qo = person(session, "qo", "质量办主任", qo_office, ("quality_office", c), "unit_leader")
    w.head1 = person(session, "head1", "信息系主任", d1, "unit_leader")
    w.head2 = person(session, "head2", "机械系主任", d2, "unit_leader")
    w.lead1 = person(session, "lead1", "软件专业负责人", m1, "major_lead", "teacher")
    w.lead2 = person(session, "lead2", "计应专业负责人", m2, "major_lead", "teacher")
    w.lead3 = person(session, "lead3", "机械专业负责人", m3, "major_lead", "teacher")
    w.teacher = person(session, "teacher1", "软件教师", m1, "teacher")
    w.year = Period(kind="year", name="2026-2027学年", start=dt.date(2026, 9, 1),
                    end=dt.date(2027, 8, 31), data_label="2026")
    session.add(w.year)
    session.commit()
    seed_indicators(session, DATA / "indicators.yaml")  # targets and standards name them
    return w


def launch(session, world, now=LAUNCH_AT):
    result = service.launch_cycles(session, world.qo, "major", world.year.id, now=now)
    world.cycles = {c.unit.code: c for c in result.created}
    return result


def launched_college(session) -> SimpleNamespace:
    """The college with its cycles launched; `cycle` and `fill` are 软件技术's."""
    world = build_college(session)
    launch(session, world)
    world.cycle = world.cycles["510203"]
    world.fill = open_task(session, world.cycle)
    return world


def open_task(session, cycle, kind=None) -> Task:
    query = select(Task).where(Task.cycle_id == cycle.id, Task.status == "open")
    if kind:
        query = query.where(Task.kind == kind)
    return session.scalars(query.order_by(Task.id.desc())).first()


TARGETS = {"summary": "围绕产教融合提升就业质量",
           "targets": [{"indicator": "专业毕业去向落实率", "baseline": "88.5", "target": "92",
                        "deadline": "2027-08-31"}]}


#: An indicator of each level, as a standards row must name one (the library's codes).
SAMPLE_INDICATORS = {"school": "S01", "major": "M01", "course": "K01", "teacher": "T01",
                     "student": "X01"}


def valid_fields(stage, level: str = "major") -> dict:
    """A complete, valid deliverable for any stage form of a cycle of `level`."""
    out = {}
    for field in stage.form:
        if field.type == "table":
            out[field.name] = [{c.name: SAMPLE_INDICATORS[level] if c.name == "indicator"
                                else _sample(c) for c in field.columns}]
        else:
            out[field.name] = _sample(field)
    return out


def _sample(field):
    return {"text": "示例内容", "number": "90", "date": "2027-06-30"}.get(
        field.type, field.choices[0][0] if field.choices else "示例")


def walk_to(session, world, cycle, stage_name: str, fields=None):
    """Drive a major cycle of the small college up to `stage_name`: each stage submitted with
    `fields(stage)` (default: valid ones), approved by its chain, timers fired on their dates."""
    fields = fields or valid_fields
    head = world.head1 if cycle.unit.path.startswith(world.d1.path) else world.head2
    deciders = {"unit_leader": head, "quality_office": world.qo}
    while cycle.stage != stage_name:
        stage = cycle.definition.stage(cycle.stage)
        task = open_task(session, cycle, "fill")
        service.submit(session, task.id, session.get(User, cycle.owner_id), fields(stage),
                       now=LAUNCH_AT)
        for step in stage.reviews:
            service.approve(session, open_task(session, cycle, "review").id, deciders[step.role],
                            now=LAUNCH_AT)
        if stage.timer:
            service.advance_timers(session, getattr(cycle, stage.timer.plan_field))
        session.refresh(cycle)
    return open_task(session, cycle, "fill")
