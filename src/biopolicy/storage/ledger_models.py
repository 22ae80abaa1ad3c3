"""The tables of 兑现 (migration 0004): applications, their review, the ledger of awards, payments.

- ``Application``: one organisation's claim under one measure for one event of a saved case; the
  applicant's facts (``submitted_facts``) and the department's (``verified_facts``), which override
  them; the approved amount (exact Numeric); the rules version it was checked under.
- ``ReviewAction``: every step taken on an application (submit, accept, request more, approve,
  override, confirm override, reject, payment, credit check), with who and why.
- ``Award``: the ledger. Every award an organisation has had, from an approval here or entered as a
  prior award paid outside biopolicy (with its evidence); both count the same in every check.
- ``Payment``: one instalment paid, with its receipt number.
- ``IdempotencyKey``: a state-changing request's key, the hash of the request and the response, so a
  retried request returns the first answer and writes nothing.
- ``CreditBlacklist``: the imported list of 失信 entities, by credit code.

All are audited (the idempotency record too: which answer was given to which request).
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
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from biopolicy.storage.models import Audited, Base, utcnow

MONEY = Numeric(16, 2)
APPLICATION_STATUSES = (
    "draft",  # started, not yet submitted
    "submitted",  # waiting for the department
    "in_review",  # accepted for review
    "more_requested",  # back with the applicant, until a deadline
    "override_pending",  # approved above the engine's figure: waits for a second person
    "approved",  # the amount is fixed and in the ledger
    "queued",  # approved, waiting for budget (migration 0006): in the ledger, not yet committed
    "public_notice",  # in a 公示 batch (services/notices.py)
    "paying",  # at least one instalment paid
    "paid",  # paid in full: closed
    "rejected",
)
LEVELS = ("national", "province", "city", "district")


class Application(Audited, Base):
    __tablename__ = "application"
    __audit_entity__ = "application"
    __table_args__ = (
        CheckConstraint(f"status IN {APPLICATION_STATUSES!r}", name="status"),
        # applying twice for the same event and measure is refused: the database says so too
        UniqueConstraint(
            "organisation_id", "measure_id", "event_key", name="uq_application_org_measure_event"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    case_id: Mapped[str | None] = mapped_column(ForeignKey("saved_case.id", ondelete="SET NULL"))
    case_version: Mapped[int | None] = mapped_column(Integer)
    measure_id: Mapped[str] = mapped_column(String(120), index=True)
    event: Mapped[dict[str, Any]] = mapped_column()  # the event as in the case (type, date, facts)
    # what makes "the same event": type, date, product and subject (event ids are local to a case)
    event_key: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(400))  # the responsible ones, "、"-joined
    status: Mapped[str] = mapped_column(String(32), default="draft", index=True)
    submitted_facts: Mapped[dict[str, Any] | None] = mapped_column()
    verified_facts: Mapped[dict[str, Any] | None] = mapped_column()
    credit_commitment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    engine_amount: Mapped[Decimal | None] = mapped_column(MONEY)  # what the engine allowed at review
    approved_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    rules_version: Mapped[str | None] = mapped_column(String(80))
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # the date the current status is due
    reason: Mapped[str | None] = mapped_column(Text)  # of a rejection, a request for more, an override
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    override_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class ReviewAction(Audited, Base):
    __tablename__ = "review_action"
    __audit_entity__ = "review_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(Integer)  # the application's, for the trail's filter
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    department: Mapped[str] = mapped_column(String(100), default="", server_default="")
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column()  # the engine's verdict and steps, facts
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class Award(Audited, Base):
    """One line of the ledger: what an organisation was awarded, here or before biopolicy."""

    __tablename__ = "award"
    __audit_entity__ = "award"
    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS!r}", name="level"),
        CheckConstraint("measure_id IS NOT NULL OR programme IS NOT NULL", name="named"),
        CheckConstraint("amount >= 0", name="amount"),
        UniqueConstraint("application_id", name="uq_award_application_id"),  # one award per application
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    product_id: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(200))
    measure_id: Mapped[str | None] = mapped_column(String(120))
    programme: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    awarded_on: Mapped[dt.date] = mapped_column(Date)  # the achievement's date: the year it counts in
    # the achievement it rewarded (Application.event_key): awards for one achievement net under 就高从优
    event_key: Mapped[str | None] = mapped_column(String(64), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="RESTRICT"))
    evidence: Mapped[str | None] = mapped_column(Text)  # a prior award's: document number, file
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class Payment(Audited, Base):
    __tablename__ = "payment"
    __audit_entity__ = "payment"
    __table_args__ = (
        UniqueConstraint("application_id", "instalment", name="uq_payment_application_id_instalment"),
        CheckConstraint("amount > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    instalment: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 …
    amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    receipt_no: Mapped[str] = mapped_column(String(100))
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class IdempotencyKey(Audited, Base):
    __tablename__ = "idempotency_key"
    __audit_entity__ = "idempotency_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(40))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class CreditBlacklist(Audited, Base):
    """An entity on the imported 失信 list; paying it is refused at the credit check."""

    __tablename__ = "credit_blacklist"
    __audit_entity__ = "credit_blacklist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))  # the list it was imported from
    listed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
