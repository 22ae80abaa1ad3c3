"""The tables of fulfilment (migration 0006): evidence files, 公示 batches and objections, budgets,
and 免申即享 imports with the awards they propose.

- ``Evidence``: one uploaded file (PDF, PNG, JPEG), stored under ``<data_dir>/evidence/`` by its
  sha256 (never by the user's name); for an application, a prior award, or a 免申即享 proposal.
- ``NoticeBatch`` / ``NoticeItem``: a 公示 batch a department publishes, with its objection period
  in working days (first and last day), and the approved applications in it.
- ``Objection``: raised by anyone logged in against one item, with a reason; open until a reviewer
  upholds it (the item goes back to review or is rejected) or dismisses it (the item resumes).
- ``Budget``: money per measure, fiscal year and paying level, set by finance.
- ``BudgetLine``: one approval's claim on a budget, committed or queued (never cut), in the order
  of approval; released when the approval is undone.
- ``ProactiveImport`` / ``ProactiveRecord`` / ``Proposal``: an administrator's import of records the
  government holds, each row by its hash (a repeat is reported, not stored twice), matched to an
  organisation by credit code, and the awards each row triggers, which the organisation confirms
  (or corrects with evidence) into an application.

All are audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from biopolicy.storage.ledger_models import LEVELS, MONEY
from biopolicy.storage.models import Audited, Base, utcnow

EVIDENCE_TYPES = ("application/pdf", "image/png", "image/jpeg")
OBJECTION_STATUSES = ("open", "upheld", "dismissed")
LINE_STATES = ("committed", "queued", "released")
PROPOSAL_STATUSES = ("proposed", "confirmed", "corrected")


class Evidence(Audited, Base):
    __tablename__ = "evidence"
    __audit_entity__ = "evidence"
    __table_args__ = (
        CheckConstraint(f"media_type IN {EVIDENCE_TYPES!r}", name="media_type"),
        CheckConstraint(
            "application_id IS NOT NULL OR award_id IS NOT NULL OR proposal_id IS NOT NULL", name="owner"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="RESTRICT"), index=True
    )
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id", ondelete="RESTRICT"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="RESTRICT"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64))  # also the stored file's name
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))  # what the uploader called it (shown, never a path)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class NoticeBatch(Audited, Base):
    __tablename__ = "notice_batch"
    __audit_entity__ = "notice_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String(100))  # who publishes it ("" for an administrator)
    title: Mapped[str] = mapped_column(String(200))
    working_days: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)  # the last day an objection is accepted
    estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class NoticeItem(Audited, Base):
    __tablename__ = "notice_item"
    __audit_entity__ = "notice_item"
    __table_args__ = (
        UniqueConstraint("batch_id", "application_id", name="uq_notice_item_batch_application"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("notice_batch.id", ondelete="RESTRICT"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # upheld

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class Objection(Audited, Base):
    __tablename__ = "objection"
    __audit_entity__ = "objection"
    __table_args__ = (CheckConstraint(f"status IN {OBJECTION_STATUSES!r}", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("notice_item.id", ondelete="RESTRICT"), index=True)
    application_id: Mapped[int] = mapped_column(Integer, index=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    raised_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    raised_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class Budget(Audited, Base):
    __tablename__ = "budget"
    __audit_entity__ = "budget"
    __table_args__ = (
        UniqueConstraint("measure_id", "fiscal_year", "level", name="uq_budget_measure_year_level"),
        CheckConstraint(f"level IN {LEVELS!r}", name="level"),
        CheckConstraint("amount >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(120))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class BudgetLine(Audited, Base):
    __tablename__ = "budget_line"
    __audit_entity__ = "budget_line"
    __table_args__ = (
        CheckConstraint(f"state IN {LINE_STATES!r}", name="state"),
        CheckConstraint("amount >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="RESTRICT"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    state: Mapped[str] = mapped_column(String(16))
    approved_at: Mapped[dt.datetime] = mapped_column()  # the queue's order
    committed_at: Mapped[dt.datetime | None] = mapped_column()

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class ProactiveImport(Audited, Base):
    __tablename__ = "proactive_import"
    __audit_entity__ = "proactive_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))  # the actor (cli:<login> or user:<id>)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class ProactiveRecord(Audited, Base):
    __tablename__ = "proactive_record"
    __audit_entity__ = "proactive_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("proactive_import.id", ondelete="RESTRICT"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    record_type: Mapped[str] = mapped_column(String(60))
    on: Mapped[dt.date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(200), default="", server_default="")
    figures: Mapped[dict[str, Any]] = mapped_column()

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class Proposal(Audited, Base):
    __tablename__ = "proposal"
    __audit_entity__ = "proposal"
    __table_args__ = (
        UniqueConstraint("record_id", "measure_id", name="uq_proposal_record_measure"),
        CheckConstraint(f"status IN {PROPOSAL_STATUSES!r}", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("proactive_record.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    measure_id: Mapped[str] = mapped_column(String(120))
    case: Mapped[dict[str, Any]] = mapped_column()  # the organisation's facts with the event
    event_id: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)  # the calculator's figure, if it has one
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id
