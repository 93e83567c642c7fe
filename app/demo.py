"""Load the demo college (a fictional 高职) shipped in app/data/demo-college.yaml."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from sqlalchemy import select

from app.models import (
    COLLEGE_WIDE_ROLES, Course, Holiday, OrgUnit, Period, RoleAssignment, User,
)
from app.services.cycles import launch_cycles

DATA = Path(__file__).parent / "data" / "demo-college.yaml"


def load_demo(session, password: str, launch: bool = True,
              now: dt.datetime | None = None) -> dict:
    """Create the org tree, users and roles, the academic year, and launch the major cycles."""
    college = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    units: dict[str, OrgUnit] = {}
    courses: list[dict] = []

    def add_unit(node, parent):
        path = (parent.path if parent else "/") + f"{node['code']}/"
        unit = OrgUnit(code=str(node["code"]), name=node["name"], kind=node["kind"],
                       parent=parent, path=path)
        session.add(unit)
        units[unit.code] = unit
        for course in node.get("courses", []):
            courses.append({**course, "major": unit})
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

    year_data = college["academic_year"]
    year = Period(kind="year", name=year_data["name"],
                  start=dt.date.fromisoformat(year_data["start"]),
                  end=dt.date.fromisoformat(year_data["end"]))
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

    launched = 0
    if launch:
        result = launch_cycles(session, None, "major", year.id, now=now)
        launched = len(result.created)
    return {"units": len(units), "users": len(users), "courses": len(courses),
            "cycles": launched}


def demo_year(session) -> Period:
    return session.scalars(select(Period).where(Period.kind == "year")
                           .order_by(Period.start.desc())).first()
