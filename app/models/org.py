"""The college: org units in a tree, people, their roles, periods and courses."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

UNIT_KINDS = ("college", "department", "office", "major", "post")

#: Roles that act for the whole college wherever the person's home unit is.
COLLEGE_WIDE_ROLES = frozenset({"admin", "committee_chair", "committee", "quality_office"})


class OrgUnit(db.Model):
    """A node of the three-tier tree: 学院 → 系部/职能部门 → 专业/岗位.

    `path` is a materialised path ("/C/D01/510203/") so "this unit and everything below"
    is one prefix match (`in_subtree`).
    """

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    @property
    def depth(self) -> int:
        return self.path.strip("/").count("/")

    def ancestor_codes(self) -> list[str]:
        return self.path.strip("/").split("/")


def in_subtree(path_column, path: str):
    """SQL for "the unit at `path` and everything below it": the column begins with `path`.

    Compared as a prefix string, not with LIKE: a unit code may hold LIKE's wildcards (with
    LIKE, "/C/D_1/" also matched "/C/DX1/"), and SQLite's LIKE ignores case ("/C/d1/" matched
    "/C/D1/"), while the permission checks in Python compare exactly.
    """
    return func.substr(path_column, 1, len(path)) == path


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(100), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    #: Part of the signed-in session's id; changing it ends every session of this user.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[OrgUnit] = relationship()
    roles: Mapped[list[RoleAssignment]] = relationship(back_populates="user")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.rotate_session_token()

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    def get_id(self) -> str:  # Flask-Login: what the session cookie carries
        return f"{self.id}:{self.session_token}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active


class RoleAssignment(db.Model):
    """A role held at a unit; it applies to that unit and everything below it."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id"),
                      Index("ix_role_assignments_role_unit", "role", "unit_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))

    user: Mapped[User] = relationship(back_populates="roles")
    unit: Mapped[OrgUnit] = relationship()


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class StandIn(db.Model):
    """A deputy acting for a person over a range of days (代理): while it runs, the deputy
    sees and may decide what is offered to the person, and the audit says on whose behalf."""

    __tablename__ = "stand_ins"
    __table_args__ = (Index("ix_stand_ins_deputy_dates", "deputy_id", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    principal: Mapped[User] = relationship(foreign_keys=[principal_id])
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])


class LoginFailure(db.Model):
    """A failed login, kept to throttle password guessing per account."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class Period(db.Model):
    """An academic year (学年) or a term (学期) inside one."""

    __tablename__ = "periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # year | term
    name: Mapped[str] = mapped_column(String(64), unique=True)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("periods.id"))
    #: The label the data platform gives this year's values (e.g. "2026"); terms use their year's.
    data_label: Mapped[str | None] = mapped_column(String(32))


class Holiday(db.Model):
    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)


class SchoolClass(db.Model):
    """A class of students (班级), belonging to a major, with its adviser (辅导员/班主任)."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    major_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    adviser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    major: Mapped[OrgUnit] = relationship()
    adviser: Mapped[User | None] = relationship()


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    major_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    major: Mapped[OrgUnit] = relationship()
    lead: Mapped[User | None] = relationship()
