"""Load the demo college (a fictional 高职) shipped in app/data/demo-college.yaml."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from sqlalchemy import select

from app.models import (
    COLLEGE_WIDE_ROLES, Course, Holiday, OrgUnit, Period, RoleAssignment, SchoolClass, User,
)
from app.services.cycles import LEVELS, definition_for_level, launch_cycles
from app.services.measurements import seed_indicators
from app.demo_history import load_history
from app.services import catalog, targets
from app.services.standards import seed_standards

DATA = Path(__file__).parent / "data" / "demo-college.yaml"


def load_demo(session, password: str, launch: bool = True,
              now: dt.datetime | None = None) -> dict:
    """Create the org tree, people, courses, classes and the year; launch all five levels."""
    college = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    units: dict[str, OrgUnit] = {}
    courses: list[dict] = []
    classes: list[tuple[str, OrgUnit]] = []

    def add_unit(node, parent):
        path = (parent.path if parent else "/") + f"{node['code']}/"
        unit = OrgUnit(code=str(node["code"]), name=node["name"], kind=node["kind"],
                       parent=parent, path=path)
        session.add(unit)
        units[unit.code] = unit
        for course in node.get("courses", []):
            courses.append({**course, "major": unit})
        classes.extend((name, unit) for name in node.get("classes", []))
        for child in node.get("children", []):
            add_unit(child, unit)

    add_unit(college["org"], None)
    root = units[str(college["org"]["code"])]
    session.flush()

    # Hash once: every demo account shares the password, and hashing is slow by design.
    template = User(username="-", name="-", unit_id=root.id)
    template.set_password(password)
    users: dict[str, User] = {}
    for row in college["users"]:
        user = User(username=str(row["username"]), name=row["name"], title=row.get("title", ""),
                    unit=units[str(row["unit"])], password_hash=template.password_hash)
        session.add(user)
        users[user.username] = user
        for role in row["roles"]:
            scope = root if role in COLLEGE_WIDE_ROLES else user.unit
            session.add(RoleAssignment(user=user, role=role, unit=scope))

    for course in courses:
        session.add(Course(code=str(course["code"]), name=course["name"], major=course["major"],
                           lead=users.get(str(course.get("lead")))))
    # Each class's adviser is its department's counselor (辅导员), as in the demo roster.
    counselors = {row["unit"]: users[str(row["username"])] for row in college["users"]
                  if "counselor" in row["roles"]}
    for name, major in classes:
        session.add(SchoolClass(name=name, major=major,
                                adviser=counselors.get(major.parent.code if major.parent else "")))

    session.commit()
    seed_indicators(session, DATA.parent / "indicators.yaml")
    seed_standards(session, DATA.parent / "standards.yaml")
    catalog.seed(session, DATA.parent / "diagnosis-catalog.yaml")
    # Last year first: its cycles close before this year is in the calendar, and this year's
    # launch then links each major's two turns.
    history = load_history(session, users, DATA.parent) if launch else 0

    year_data = college["academic_year"]
    year = Period(kind="year", name=year_data["name"],
                  start=dt.date.fromisoformat(year_data["start"]),
                  end=dt.date.fromisoformat(year_data["end"]),
                  data_label=year_data["start"][:4])
    session.add(year)
    session.flush()
    for term in year_data["terms"]:
        session.add(Period(kind="term", name=f"{year_data['name']}{term['name']}",
                           start=dt.date.fromisoformat(term["start"]),
                           end=dt.date.fromisoformat(term["end"]), parent_id=year.id))
    for holiday in year_data["holidays"]:
        session.add(Holiday(name=holiday["name"], start=dt.date.fromisoformat(holiday["start"]),
                            end=dt.date.fromisoformat(holiday["end"])))
    session.commit()

    chain = _cascade_targets(session, root, year, users, now) if launch else 0
    launched: dict[str, int] = {}
    if launch:
        first_term = session.scalars(select(Period).where(Period.parent_id == year.id)
                                     .order_by(Period.start)).first()
        for level in LEVELS:
            period = first_term if definition_for_level(level).period == "term" else year
            launched[level] = len(launch_cycles(session, None, level, period.id, now=now).created)
    return {"units": len(units), "users": len(users), "courses": len(courses),
            "classes": len(classes), "cycles": sum(launched.values()), "by_level": launched,
            "targets": chain, "last_year": history}


#: The college's targets for the year and what each department hands its majors:
#: (college indicator, value, baseline, the majors' indicator, the majors' value). The library
#: has no college-wide 双师 indicator, so the college's goal on it names the majors' M02.
DEMO_GOALS = (("S03", "92", "89.6", "M01", "92"), ("M02", "60", "55", "M02", "60"))
#: Departments whose majors have not yet confirmed: their leads find the targets in 我的待办.
STILL_TO_CONFIRM = ("D01",)


def _cascade_targets(session, root: OrgUnit, year: Period, users: dict[str, User],
                     now: dt.datetime | None) -> int:
    """The target chain of the demo year: the college's goals handed to each teaching
    department, confirmed there and handed on to the majors, who confirm them (目标链)."""
    office = users["2005341"]  # 质量管理办公室主任
    departments = session.scalars(select(OrgUnit).where(
        OrgUnit.parent_id == root.id, OrgUnit.kind == "department",
        OrgUnit.id.in_(select(OrgUnit.parent_id).where(OrgUnit.kind == "major")))
        .order_by(OrgUnit.code)).all()
    deadline = year.end
    made = 0
    for code, value, baseline, major_code, major_value in DEMO_GOALS:
        goal = targets.create(session, office, root.id, year.id, code, value, deadline, baseline,
                              now=now)
        handed = targets.cascade(session, office, goal.id, {d.id: value for d in departments},
                                 now=now)
        made += 1 + len(handed.created)
        for target in handed.created:
            head = session.get(User, targets.receivers(session, target.unit)[0])
            targets.confirm(session, target.id, head, now=now)
            majors = session.scalars(select(OrgUnit.id).where(
                OrgUnit.parent_id == target.unit_id, OrgUnit.kind == "major")).all()
            handed_on = targets.cascade(session, head, target.id,
                                        dict.fromkeys(majors, major_value), major_code, now=now)
            made += len(handed_on.created)
            if target.unit.code in STILL_TO_CONFIRM:
                continue
            for major_target in handed_on.created:
                receiver = targets.receivers(session, major_target.unit)
                if receiver:
                    targets.confirm(session, major_target.id, session.get(User, receiver[0]),
                                    now=now)
    return made


def demo_year(session) -> Period:
    return session.scalars(select(Period).where(Period.kind == "year")
                           .order_by(Period.start.desc())).first()
