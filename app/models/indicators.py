"""The indicator library (质控点) and the measurements that flow in from the data platform."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
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


class Measurement(db.Model):
    """One value of an indicator for a unit and a period, with who or what supplied it."""

    __tablename__ = "measurements"
    __table_args__ = (UniqueConstraint("indicator_code", "unit_id", "period_label"),
                      Index("ix_measurements_unit_period", "unit_id", "period_label"))

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
