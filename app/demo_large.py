"""A large college for measuring Spiral at scale (`flask demo load --scale large`).

Around 20 departments, 100 majors, 1,500 courses, 800 teachers and 600 classes, with three closed
years of history and the current one under way, at every level. The history is written
directly with bulk inserts (walking it through the services would take hours), but it is the
history the services would have written: the same tasks, review steps, versions and audit rows
per stage, with a return for revision now and then, reminders, and timers. `factor` scales the
college: the command's default, 3, is 60 departments' worth (see `app.cli.LARGE_FACTOR`).
Rows go in by COPY on PostgreSQL and by one prepared INSERT per batch on SQLite.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import JSON, func, select, text

from app.models import (
    AuditEvent, Course, Cycle, Deliverable, DeliverableVersion, Measurement, Notification,
    OrgUnit, Period, ReminderLog, RoleAssignment, SchoolClass, Task, User,
)
from app.models.types import UTCDateTime
from app.services.cycles import definition_for_level
from app.services.measurements import IndicatorLines, seed_indicators
from workflows import CLOSED
from workflows.model import Definition, Stage
from workflows.reminders import escalation_tier, fire_time, next_fire

TZ = dt.timezone(dt.timedelta(hours=8))
UTC = dt.timezone.utc
LEVELS = ("school", "major", "course", "teacher", "student")
BATCH = 20_000
HISTORY = 3  # closed years before the current one
OFFICES = (("O01", "党委办公室"), ("O02", "院长办公室"), ("O03", "发展规划处"), ("O04", "教务处"),
           ("O05", "人事处"), ("O06", "学生工作处"), ("O07", "招生就业处"), ("O08", "财务处"),
           ("O09", "督导处（质量管理办公室）"), ("O10", "信息中心"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强丛华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫来嵺苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郜晏栾郁商蒙计喻揭窦迟宇敖糜鄢冷卓花艾蓝都巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙薄伏岑习胥保和蔺"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华红玉兰飞辉燕鹏斌浩凯婷雪梅琳晨宇欣怡佳悦博文昊然子涵思远"


@dataclass
class Ids:
    """The next id of each table: the history is written with its ids, in one pass."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


#: The tables in the order their rows may be written: parents first.
ORDER = (OrgUnit, User, RoleAssignment, Period, Course, SchoolClass, Cycle, Deliverable,
         DeliverableVersion, Task, ReminderLog, AuditEvent, Notification, Measurement)


@dataclass
class Rows:
    """Rows waiting to be inserted, table by table, written in batches."""

    session: object
    pending: dict = field(default_factory=dict)
    written: dict = field(default_factory=dict)

    def add(self, model, row: dict) -> None:
        self.pending.setdefault(model, []).append(row)

    def settle(self) -> None:
        """Write what is pending if it is a batch's worth; called between whole cycles, so
        no row is written before the row it points at."""
        if any(len(rows) >= BATCH for rows in self.pending.values()):
            self.flush()

    def flush(self) -> None:
        """Write everything pending, parents before the rows that point at them."""
        copy = self.session.get_bind().dialect.name == "postgresql"
        for each in ORDER:
            rows = self.pending.get(each)
            if rows:
                if copy:
                    _copy(self.session, each.__table__, rows)
                else:
                    _executemany(self.session, each.__table__, rows)
                self.written[each.__tablename__] = self.written.get(each.__tablename__, 0) + len(rows)
                self.pending[each] = []


def _executemany(session, table, rows: list[dict]) -> None:
    """One prepared INSERT run over all the rows on the DB-API cursor, values bound as the
    columns' types bind them: SQLite's fastest bulk path."""
    names = list(rows[0])
    dialect = session.get_bind().dialect
    binds = [table.c[n].type.bind_processor(dialect) for n in names]
    statement = (f'INSERT INTO "{table.name}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
                 f'VALUES ({", ".join("?" for _ in names)})')
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.executemany(statement, ([b(row[n]) if b else row[n] for n, b in zip(names, binds)]
                                   for row in rows))
    cursor.close()


def _copy(session, table, rows: list[dict]) -> None:
    """PostgreSQL's COPY, in the session's transaction: several times faster than INSERTs for
    a bulk load. Values are put as the columns' types would bind them (UTC, JSON text)."""
    names = list(rows[0])
    dialect = session.get_bind().dialect
    convert = []
    for name in names:
        column_type = table.c[name].type
        if isinstance(column_type, UTCDateTime):
            convert.append(lambda v, t=column_type: t.process_bind_param(v, dialect))
        elif isinstance(column_type, JSON):
            convert.append(lambda v: None if v is None else json.dumps(v, ensure_ascii=False))
        else:
            convert.append(None)
    columns = ", ".join(f'"{n}"' for n in names)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as out:
        for row in rows:
            out.write_row([c(row[n]) if c else row[n] for n, c in zip(names, convert)])


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < .6 else "")


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ).astimezone(UTC)


def _sample(stage: Stage) -> dict:
    """A complete deliverable for a stage: short, the shape a real one has."""
    out = {}
    for f in stage.form:
        if f.type == "table":
            out[f.name] = [{c.name: _value(c) for c in f.columns}]
        else:
            out[f.name] = _value(f)
    return out


def _value(f):
    return {"text": "按计划完成", "number": 90, "date": "2027-06-30"}.get(
        f.type, f.choices[0][0] if f.choices else "按计划完成")


class College:
    """The org tree, the people and their roles, the calendar, courses and classes."""

    def __init__(self, session, rows: Rows, ids: Ids, factor: float, password_hash: str,
                 rng: random.Random):
        self.session, self.rows, self.ids, self.rng = session, rows, ids, rng
        self.hash = password_hash
        self.departments = max(1, round(20 * factor))
        self.units: dict[int, dict] = {}
        self.by_code: dict[str, int] = {}
        self.leaders: dict[int, int] = {}  # unit id → its leader's user id
        self.majors: list[int] = []
        self.department_of: dict[int, int] = {}
        self.major_leads: dict[int, int] = {}
        self.teachers: list[tuple[int, int]] = []  # (user id, major id)
        self.counselors: dict[int, int] = {}  # department id → counselor
        self.courses: list[tuple[int, str, int, int]] = []  # (id, name, major id, lead id)
        self.classes: list[tuple[int, str, int, int]] = []  # (id, name, major id, adviser id)
        self.usernames = 100000

    def unit(self, code: str, name: str, kind: str, parent: int | None) -> int:
        unit_id = self.ids.take("org_units")
        path = (self.units[parent]["path"] if parent else "/") + f"{code}/"
        row = {"id": unit_id, "code": code, "name": name, "kind": kind, "parent_id": parent,
               "path": path}
        self.units[unit_id] = row
        self.by_code[code] = unit_id
        self.rows.add(OrgUnit, row)
        return unit_id

    def person(self, unit_id: int, title: str, *roles: tuple[str, int]) -> int:
        user_id = self.ids.take("users")
        self.usernames += 1
        self.rows.add(User, {"id": user_id, "username": f"L{self.usernames}",
                             "name": _name(self.rng), "title": title, "unit_id": unit_id,
                             "password_hash": self.hash, "active": True, "locale": None,
                             "session_token": secrets.token_hex(16),
                             "created_at": _at(dt.date(2023, 9, 1))})
        for role, scope in roles:
            self.rows.add(RoleAssignment, {"id": self.ids.take("role_assignments"),
                                           "user_id": user_id, "role": role, "unit_id": scope})
        return user_id

    def build(self) -> None:
        root = self.root = self.unit("C", "大型示范职业技术大学", "college", None)
        self.admin = self.person(root, "系统管理员", ("admin", root))
        self.chair = self.person(root, "质量保证委员会主任", ("committee_chair", root),
                                 ("committee", root))
        self.committee = [self.person(root, "质量保证委员会委员", ("committee", root))
                          for _ in range(3)]
        for code, name in OFFICES:
            office = self.unit(code, name, "office", root)
            roles = [("unit_leader", office)]
            if code == "O09":
                roles.append(("quality_office", root))
            self.leaders[office] = self.person(office, f"{name}负责人", *roles)
        self.quality_office = self.leaders[self.by_code["O09"]]
        self.person(self.by_code["O09"], "质量管理办公室干事", ("quality_office", root))
        for d in range(1, self.departments + 1):
            department = self.unit(f"D{d:02d}", f"第{d}二级学院", "department", root)
            self.leaders[department] = self.person(department, "院长", ("unit_leader", department))
            self.counselors[department] = self.person(department, "辅导员",
                                                      ("counselor", department))
            for m in range(1, 6):
                major = self.unit(f"D{d:02d}M{m}", f"第{d}学院专业{m}", "major", department)
                self.majors.append(major)
                self.department_of[major] = department
                self.major_leads[major] = self.person(
                    major, "专业负责人", ("major_lead", major), ("teacher", major))
            for t in range(40):
                major = self.majors[-5 + t % 5]
                self.teachers.append((self.person(major, "专任教师", ("teacher", major)), major))
        self.rows.flush()
        course_leads: set[tuple[int, int]] = set()
        for n, major in enumerate(self.majors):
            department = self.department_of[major]
            staff = [u for u, m in self.teachers if self.department_of[m] == department]
            for c in range(15):
                lead = staff[(n * 15 + c) % len(staff)]
                if (lead, major) not in course_leads:
                    course_leads.add((lead, major))
                    self.rows.add(RoleAssignment, {"id": self.ids.take("role_assignments"),
                                                   "user_id": lead, "role": "course_lead",
                                                   "unit_id": major})
                course_id = self.ids.take("courses")
                name = f"{self.units[major]['name']}课程{c + 1}"
                self.rows.add(Course, {"id": course_id, "code": f"K{course_id:05d}", "name": name,
                                       "major_id": major, "lead_id": lead})
                self.courses.append((course_id, name, major, lead))
            for k in range(6):
                class_id = self.ids.take("classes")
                name = f"{self.units[major]['name']}{2023 + k % 3}级{k // 3 + 1}班"
                adviser = self.counselors[department]
                self.rows.add(SchoolClass, {"id": class_id, "name": name, "major_id": major,
                                            "adviser_id": adviser})
                self.classes.append((class_id, name, major, adviser))
        self.rows.flush()

    def subjects(self, level: str) -> list[tuple[str, int, str, int, int]]:
        """(subject kind, id, name, unit id, owner id) of a level's cycles."""
        if level == "school":
            return [("unit", self.root, self.units[self.root]["name"], self.root,
                     self.quality_office)]
        if level == "major":
            return [("unit", m, self.units[m]["name"], m, self.major_leads[m])
                    for m in self.majors]
        if level == "course":
            return [("course", c, name, major, lead) for c, name, major, lead in self.courses]
        if level == "teacher":
            return [("user", u, f"教师{u}", major, u) for u, major in self.teachers]
        return [("class", c, name, major, adviser) for c, name, major, adviser in self.classes]

    def tier_unit(self, unit_id: int, tier: str) -> int:
        unit = self.units[unit_id]
        if tier == "college":
            return self.root
        if tier == "major":
            return unit_id
        if tier == "department":
            return unit_id if unit["kind"] in ("department", "office", "college") \
                else unit["parent_id"]
        return self.by_code[tier.split(":", 1)[1]]

    def decider(self, role: str, tier_unit: int) -> int:
        if role == "unit_leader":
            return self.leaders[tier_unit]
        if role == "major_lead":
            return self.major_leads[tier_unit]
        if role == "quality_office":
            return self.quality_office
        if role == "committee_chair":
            return self.chair
        return self.committee[0]


class Walker:
    """Write one cycle's history stage by stage, as the services would have."""

    def __init__(self, college: College, rows: Rows, ids: Ids, rng: random.Random,
                 now: dt.datetime):
        self.college, self.rows, self.ids, self.rng, self.now = college, rows, ids, rng, now
        self.samples: dict[tuple[str, str], dict] = {}
        self.counts = {"cycles": 0, "tasks": 0, "audit": 0}

    def audit(self, at, action, actor, cycle_id, task_id, from_stage, to_stage, round_,
              comment=None, data=None):
        self.rows.add(AuditEvent, {"id": self.ids.take("audit_events"), "at": at,
                                   "actor_id": actor, "action": action, "cycle_id": cycle_id,
                                   "task_id": task_id, "warning_id": None, "target_id": None,
                                   "from_stage": from_stage, "to_stage": to_stage,
                                   "round": round_, "comment": comment, "data": data})
        self.counts["audit"] += 1

    def task(self, cycle_id, stage, kind, step, round_, assignee, role, unit, created, due,
             done_at=None, by=None, outcome=None, comment=None, definition=None) -> int:
        task_id = self.ids.take("tasks")
        remind_at, tier = None, 0
        if not done_at:  # the reminders the scheduler has sent it by now, and its next
            sent = set()
            for rule in definition.reminders:
                at = fire_time(rule, due, TZ)
                if at <= self.now:
                    sent.add(rule.key)
                    self.rows.add(ReminderLog, {"id": self.ids.take("reminder_log"),
                                                "task_id": task_id, "rule_key": rule.key,
                                                "outcome": "sent", "at": at})
                    self.audit(at, "remind", None, cycle_id, task_id, stage, stage, round_,
                               data={"rule": rule.key, "tier": rule.tier, "recipients": 1})
            remind_at = next_fire(definition, due, sent, TZ)
            tier = escalation_tier(definition, sent)
        self.rows.add(Task, {"id": task_id, "cycle_id": cycle_id, "stage": stage, "kind": kind,
                             "step": step, "round": round_, "assignee_id": assignee,
                             "candidate_role": role, "candidate_unit_id": unit,
                             "status": "done" if done_at else "open", "outcome": outcome,
                             "comment": comment, "due_at": due, "created_at": created,
                             "completed_at": done_at, "completed_by_id": by,
                             "escalation_tier": tier, "remind_at": remind_at, "draft": None,
                             "delegated_by_id": None, "version": 2 if done_at else 1})
        self.counts["tasks"] += 1
        return task_id

    def cycle(self, definition: Definition, level: str, period: dict, subject, stop_at: int | None,
              previous: int | None) -> int:
        """A cycle of `subject` for `period`, walked to the end (stop_at None) or to the
        stage at index `stop_at`, where its fill-in (or, half the time, a review) is open."""
        kind, subject_id, name, unit_id, owner = subject
        cycle_id = self.ids.take("cycles")
        start, end = period["start"], period["end"]
        launched = _at(start + dt.timedelta(days=7))
        span = (end - start).days - 10
        stages = definition.stages
        plan = plan_dates(definition, end)
        last = len(stages) if stop_at is None else stop_at
        moment = launched
        self.audit(moment, "launch", None, cycle_id, None, None, stages[0].name, 1,
                   data={"definition": f"{definition.name} v{definition.version}"})
        stage_entered = moment
        for index in range(last + (0 if stop_at is None else 1)):
            stage = stages[index]
            finishing = index < last
            stage_entered = moment
            step_days = max(2, span // len(stages))
            moment, actor = self._stage(definition, cycle_id, stage, owner, unit_id, plan, moment,
                                        step_days, finishing)
            if not finishing:
                break
            self.audit(moment, "timer" if stage.is_timed else "advance",
                       None if stage.is_timed else actor, cycle_id, None, stage.name,
                       definition.next_stage_name(stage.name), 1)
        closed = stop_at is None
        current = CLOSED if closed else stages[stop_at].name
        self.rows.add(Cycle, {
            "id": cycle_id, "level": level, "unit_id": unit_id, "subject_kind": kind,
            "subject_id": subject_id, "subject_name": name, "period_id": period["id"],
            "definition_name": definition.name, "definition_version": definition.version,
            "stage": current, "round": 1, "owner_id": owner, "launched_at": launched,
            "stage_entered_at": moment if closed else stage_entered,
            "closed_at": moment if closed else None, "previous_id": previous, "version": 1,
            **plan})
        self.counts["cycles"] += 1
        return cycle_id

    def _stage(self, definition, cycle_id, stage, owner, unit_id, plan, moment, days, finishing):
        """One stage: the fill-in and its reviews (a return now and then); returns when it
        ended. An unfinished stage leaves its fill-in, or its first review, open."""
        rng = self.rng
        actor = owner
        key = (definition.name, stage.name)
        if key not in self.samples:
            self.samples[key] = _sample(stage)
        deliverable_id = self.ids.take("deliverables")
        versions = 0
        round_ = 1
        returned = finishing and stage.reviews and rng.random() < 0.12
        open_review = not finishing and stage.reviews and rng.random() < 0.5
        while True:
            due = moment + dt.timedelta(days=14)
            if not finishing and not open_review:  # open fill-in, due around now
                due = plan[stage.timer.plan_field] if stage.timer \
                    else self.now + dt.timedelta(days=rng.randint(-12, 14))
                self.task(cycle_id, stage.name, "fill", 0, round_, owner, None, None, moment, due,
                          definition=definition)
                self.rows.add(Notification, {
                    "id": self.ids.take("notifications"), "user_id": owner,
                    "kind": "task_assigned", "message": "task_assigned",
                    "params": {"stage": stage.label, "cycle": "", "due": ""},
                    "task_id": self.ids.next["tasks"] - 1, "cycle_id": cycle_id,
                    "warning_id": None, "target_id": None, "created_at": moment,
                    "read_at": None})
                status = "draft" if versions == 0 else "returned"
                self._deliverable(deliverable_id, cycle_id, stage.name, status, versions)
                return moment, None
            submitted = moment + dt.timedelta(days=rng.randint(2, max(3, days // 2)))
            fill = self.task(cycle_id, stage.name, "fill", 0, round_, owner, None, None, moment,
                             due, submitted, owner, "submitted")
            for reminder in range(rng.randint(0, 2)):
                self.audit(due - dt.timedelta(days=3 - 2 * reminder), "remind", None, cycle_id,
                           fill, stage.name, stage.name, round_,
                           data={"rule": ("before-3", "before-1")[reminder], "tier": 0,
                                 "recipients": 1})
            versions += 1
            self.rows.add(DeliverableVersion, {
                "id": self.ids.take("deliverable_versions"), "deliverable_id": deliverable_id,
                "number": versions, "round": round_, "data": self.samples[key],
                "author_id": owner, "created_at": submitted})
            self.audit(submitted, "submit", owner, cycle_id, fill, stage.name, stage.name,
                       round_, data={"version": versions})
            moment = submitted
            for step, review in enumerate(stage.reviews):
                group = self.college.tier_unit(unit_id, review.tier)
                decider = self.college.decider(review.role, group)
                due = moment + dt.timedelta(days=7)
                if not finishing and open_review:
                    self.task(cycle_id, stage.name, "review", step, round_, None, review.role,
                              group, moment, self.now + dt.timedelta(days=rng.randint(-6, 6)),
                              definition=definition)
                    self._deliverable(deliverable_id, cycle_id, stage.name, "submitted",
                                      versions)
                    return moment, None
                decided = moment + dt.timedelta(days=rng.randint(1, 4))
                if returned and step == 0 and round_ == 1:
                    review_id = self.task(cycle_id, stage.name, "review", step, round_, None,
                                          review.role, group, moment, due, decided, decider,
                                          "returned", "请补充数据来源并修改目标值")
                    self.audit(decided, "return", decider, cycle_id, review_id, stage.name,
                               stage.name, round_, "请补充数据来源并修改目标值", {"step": step})
                    round_, moment = 2, decided
                    break
                review_id = self.task(cycle_id, stage.name, "review", step, round_, None,
                                      review.role, group, moment, due, decided, decider,
                                      "approved", "同意")
                self.audit(decided, "approve", decider, cycle_id, review_id, stage.name,
                           stage.name, round_, "同意", {"step": step})
                moment, actor = decided, decider
            else:
                self._deliverable(deliverable_id, cycle_id, stage.name,
                                  "approved" if stage.reviews else "submitted", versions)
                return moment + dt.timedelta(days=max(1, days // 2)), actor

    def _deliverable(self, deliverable_id, cycle_id, stage, status, versions) -> None:
        self.rows.add(Deliverable, {"id": deliverable_id, "cycle_id": cycle_id, "stage": stage,
                                    "status": status, "current_version": versions})


def plan_dates(definition: Definition, end: dt.date) -> dict[str, dt.datetime]:
    """The dates a cycle's time-boxed stages end, as launching it sets them."""
    return {s.timer.plan_field: _at(end - dt.timedelta(days=s.timer.days_before_period_end))
            for s in definition.stages if s.timer}


def furthest_stages(definition: Definition, period: dict, now: dt.datetime) -> tuple[int, int]:
    """The earliest and the furthest stage (indexes) a cycle of `period` can stand at by `now`:
    at an even pace through the period, but never past a timed stage whose date has not come,
    and always past one whose date has."""
    start, end = period["start"], period["end"]
    elapsed = (now.astimezone(TZ).date() - start).days - 7
    per_stage = max(2, ((end - start).days - 10) // len(definition.stages))
    furthest = max(0, min(len(definition.stages) - 1, elapsed // per_stage))
    earliest = 0
    plans = plan_dates(definition, end)
    for index, stage in enumerate(definition.stages):
        if stage.timer:
            if plans[stage.timer.plan_field] > now:
                furthest = min(furthest, index)
            else:
                earliest = max(earliest, index + 1)
    furthest = max(furthest, min(earliest, len(definition.stages) - 1))
    return min(earliest, furthest), furthest


def expected_cycles(factor: float, history: int) -> int:
    """About how many cycles `load_large` writes (for a progress bar): every year's."""
    departments = max(1, round(20 * factor))
    per_year = 1 + 5 * departments + 2 * 75 * departments + 40 * departments \
        + 2 * 30 * departments
    return per_year * (history + 1)


def load_large(session, password: str, factor: float = 1.0, history: int = HISTORY,
               now: dt.datetime | None = None,
               progress: Callable[[int], None] | None = None) -> dict:
    """Build the large college into an empty database; return what was written."""
    if session.scalar(select(func.count()).select_from(User)):
        raise ValueError("the large college loads into an empty database only")
    now = now or dt.datetime.now(UTC)
    rng = random.Random(2026)
    template = User(username="-", name="-", unit_id=0)
    template.set_password(password)
    rows, ids = Rows(session), Ids()
    college = College(session, rows, ids, factor, template.password_hash, rng)
    college.build()
    current_year = now.astimezone(TZ).year if now.astimezone(TZ).month >= 9 \
        else now.astimezone(TZ).year - 1
    years = []
    for y in range(current_year - history, current_year + 1):
        year = {"id": ids.take("periods"), "kind": "year", "name": f"{y}-{y + 1}学年",
                "start": dt.date(y, 9, 1), "end": dt.date(y + 1, 8, 31), "parent_id": None,
                "data_label": str(y)}
        terms = [{"id": ids.take("periods"), "kind": "term", "name": f"{y}-{y + 1}学年{n}",
                  "start": s, "end": e, "parent_id": year["id"], "data_label": None}
                 for n, s, e in (("第一学期", dt.date(y, 9, 1), dt.date(y + 1, 1, 17)),
                                 ("第二学期", dt.date(y + 1, 2, 24), dt.date(y + 1, 7, 11)))]
        rows.add(Period, year)
        for term in terms:
            rows.add(Period, term)
        years.append((year, terms))
    rows.flush()
    session.commit()
    seed_indicators(session, Path(__file__).parent / "data" / "indicators.yaml")
    walker = Walker(college, rows, ids, rng, now)
    definitions = {level: definition_for_level(level) for level in LEVELS}
    last: dict[tuple[str, str, int], int] = {}
    for year, terms in years:
        current = year is years[-1][0]
        # Each year draws from its own seed: the current year comes out the same whatever the
        # length of the history before it (the scheduler's bench compares the two).
        walker.rng = random.Random(f"spiral-{year['start'].year}")
        for level in LEVELS:
            definition = definitions[level]
            periods = terms if definition.period == "term" else [year]
            for period in periods:
                if current and period["start"] > now.astimezone(TZ).date():
                    continue  # a term not begun is not launched yet
                if current:  # how far a cycle of this period can have got by now
                    earliest, furthest = furthest_stages(definition, period, now)
                for subject in college.subjects(level):
                    key = (level, subject[0], subject[1])
                    stop = walker.rng.randint(max(earliest, furthest - 2), furthest) \
                        if current else None
                    last[key] = walker.cycle(definition, level, period, subject, stop,
                                             last.get(key) if definition.spiral else None)
                    rows.settle()
                    if progress:
                        progress(1)
        rows.flush()
        session.commit()
    _measurements(session, rows, ids, college, years, rng)
    rows.flush()
    _reset_sequences(session)
    session.commit()
    _settle(session)
    return {"units": len(college.units), "users": ids.next["users"] - 1,
            "courses": len(college.courses), "classes": len(college.classes),
            **walker.counts}


def _settle(session) -> None:
    """On PostgreSQL, VACUUM ANALYZE what was loaded, as autovacuum would in time: planner
    statistics, and a visibility map so that the dashboard's counts read indexes alone."""
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def _measurements(session, rows, ids, college, years, rng) -> None:
    """Each major's status data for each year, some of it beyond the warning lines."""
    lines = IndicatorLines(session)
    for year, _terms in years:
        label = year["data_label"]
        for major in college.majors:
            for code in ("M01", "M02", "M03", "M04", "M05"):
                indicator = lines.for_period(code, label)
                value = round(float(indicator.target) * rng.uniform(0.78, 1.1), 1)
                value = min(value, 100.0)
                rows.add(Measurement, {
                    "id": ids.take("measurements"), "indicator_code": code, "unit_id": major,
                    "period_label": label, "value": value,
                    "status": lines.judge(code, label, value), "source": "状态数据平台",
                    "supplied_by_id": None, "supplied_at": _at(year["start"])})


def _reset_sequences(session) -> None:
    """Rows were written with their ids: PostgreSQL's sequences must follow them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("org_units", "users", "role_assignments", "periods", "courses", "classes",
                  "cycles", "tasks", "deliverables", "deliverable_versions", "audit_events",
                  "notifications", "measurements", "reminder_log"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"COALESCE((SELECT max(id) FROM {table}), 1))"))
