"""The tables of enterprise requests (诉求), actual values of targets (migration 0009).

* ``EnterpriseRequest``: one enterprise's request, its category, the department it was routed to
  (policies/_requests/routing.yaml), the day it was filed and the working day its answer is due,
  whether and when it was escalated to the coordinating department, answered, closed and rated.
* ``RequestMessage``: what was said on it, in order: the department's answers, notes, escalations.
* ``RequestAttachment``: a file the enterprise attached (PDF or image), stored under
  ``<data_dir>/requests/`` by its sha256; the row holds its name, type, size and hash.
* ``TargetActual``: an actual value of a target's indicator for a year (targets.yaml), with its
  source and the day it was recorded.

All are audited: a request under its enterprise, an actual value under no organisation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from biopolicy.storage.models import Audited, Base, utcnow

REQUEST_STATUSES = ("open", "answered", "closed")
MESSAGE_KINDS = ("answer", "note", "escalation", "close", "rating")


class EnterpriseRequest(Audited, Base):
    __tablename__ = "enterprise_request"
    __audit_entity__ = "enterprise_request"
    __table_args__ = (
        CheckConstraint(f"status IN {REQUEST_STATUSES!r}", name="status"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    filed_on: Mapped[dt.date] = mapped_column(Date)
    respond_days: Mapped[int] = mapped_column(Integer)  # working days allowed, as routing.yaml said then
    due_on: Mapped[dt.date] = mapped_column(Date)
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    escalated_on: Mapped[dt.date | None] = mapped_column(Date)
    escalated_to: Mapped[str | None] = mapped_column(String(100))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_note: Mapped[str | None] = mapped_column(Text)
    routing_version: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class RequestMessage(Audited, Base):
    __tablename__ = "request_message"
    __audit_entity__ = "request_message"
    __table_args__ = (CheckConstraint(f"kind IN {MESSAGE_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise_request.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(Integer)  # the request's, for the trail's filter
    kind: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(100), default="", server_default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    on: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class RequestAttachment(Audited, Base):
    __tablename__ = "request_attachment"
    __audit_entity__ = "request_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise_request.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class TargetActual(Audited, Base):
    __tablename__ = "target_actual"
    __audit_entity__ = "target_actual"
    __table_args__ = (
        UniqueConstraint("target_id", "year", name="uq_target_actual_target_id_year"),
        CheckConstraint("value >= 0", name="value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_id: Mapped[str] = mapped_column(String(120), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))  # in the target's unit (亿元, 个 …)
    source: Mapped[str] = mapped_column(String(300))
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
