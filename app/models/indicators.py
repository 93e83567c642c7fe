"""The indicator library (质控点) and the measurements that flow in from the data platform."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import OrgUnit, User
from app.models.types import UTCDateTime, utcnow


class Indicator(db.Model):
    """One indicator of a level with its lines; a new version keeps last year's lines."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    unit_label: Mapped[str] = mapped_column(String(16), default="")
    data_type: Mapped[str] = mapped_column(String(16), default="number")  # number | boolean
    operator: Mapped[str] = mapped_column(String(2))
    target: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    warn: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    severe: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    #: The first data period (e.g. "2026") these lines judge; earlier data keeps older versions.
    from_label: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Measurement(db.Model):
    """One value of an indicator for a unit and a period, with who or what supplied it."""

    __tablename__ = "measurements"
    __table_args__ = (UniqueConstraint("indicator_code", "unit_id", "period_label"),
                      Index("ix_measurements_unit_period", "unit_id", "period_label"),
                      # the dashboard's traffic lights: newest period, values by status
                      Index("ix_measurements_code_period_status", "indicator_code",
                            "period_label", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    period_label: Mapped[str] = mapped_column(String(32))  # e.g. "2026" as the platform writes it
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    status: Mapped[str] = mapped_column(String(8))  # met | short | yellow | red
    source: Mapped[str] = mapped_column(String(200), default="")
    supplied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    supplied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[OrgUnit] = relationship()
    supplied_by: Mapped[User | None] = relationship()


class Warning(db.Model):  # noqa: A001 - the domain's word (预警); never shadows the builtin in use
    """A crossing of an indicator's warning line (预警), one per indicator, unit and period.

    Its small machine (workflows.warnings) runs open → acknowledged → rectifying → verified →
    closed; `tier` counts escalations one tier up (0 the owner, 1 the unit above, 2 the office).
    """

    __tablename__ = "warnings"
    __table_args__ = (UniqueConstraint("indicator_code", "unit_id", "period_label"),
                      Index("ix_warnings_owner_state", "owner_id", "state"),
                      Index("ix_warnings_state_due", "state", "due_at"),
                      Index("ix_warnings_unit_state", "unit_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    period_label: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))  # yellow | red, the worst seen
    state: Mapped[str] = mapped_column(String(16), default="open")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    tier: Mapped[int] = mapped_column(default=0)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))  # the value that opened it
    latest_value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    measure: Mapped[str | None] = mapped_column(Text)  # the rectification measure (整改措施)
    evidence: Mapped[str | None] = mapped_column(Text)  # what shows it is fixed, on closing
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # of the current state's step
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[OrgUnit] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    __mapper_args__ = {"version_id_col": version}


class Target(db.Model):
    """A unit's target for a period (目标链): an indicator, a baseline, a value and a deadline.

    A target cascaded from the tier above has a parent and waits for its receiver to confirm it
    (目标确认) or return it with a reason.
    """

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("unit_id", "period_id", "indicator_code"),
                      Index("ix_targets_parent", "parent_id"),
                      Index("ix_targets_period_status", "period_id", "status"),
                      Index("ix_targets_status_confirm_by", "status", "confirm_by"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    indicator_code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    deadline: Mapped[dt.date] = mapped_column(Date)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"))
    status: Mapped[str] = mapped_column(String(16), default="confirmed")  # pending|confirmed|returned
    return_reason: Mapped[str | None] = mapped_column(Text)
    #: When a cascaded target should be confirmed by; None once decided or for a unit's own.
    confirm_by: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[OrgUnit] = relationship()
    parent: Mapped[Target | None] = relationship(remote_side=[id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    __mapper_args__ = {"version_id_col": version}


class Standard(db.Model):
    """A standard of a level (标准链): plan, resource, action or result, measured by indicators."""

    __tablename__ = "standards"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # plan | resource | action | result
    name: Mapped[str] = mapped_column(String(200))
    requirement: Mapped[str] = mapped_column(Text, default="")
    indicator_codes: Mapped[str] = mapped_column(String(200), default="")  # "M01,M02"
    active: Mapped[bool] = mapped_column(default=True)
