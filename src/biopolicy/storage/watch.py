"""The watch list's tables (migration 0005): products on the 在研在审 list, their milestones, the
service officer assigned to each and the notes of help given (fj-2023-7 11; fj-yj-2025-30 （八）至（十一）).

* ``WatchEntry``: a product is on the list; the flags 重点企业 / 重点产品 are set per product (the
  list names "重点企业和重点产品"; an enterprise is key for the product it is listed with).
* ``Milestone``: one step of a product's journey, its ``kind`` from the milestone catalogue
  (services/watchlist.py, ``MILESTONE_KINDS``), planned / started / completed dates, for a
  regulatory step the procedure code of policies/_catalogue/procedures.yaml and the clock stops
  (补正 periods, a JSON list of ``{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD" | null}``).
* ``ServiceAssignment``: a product → the user (service_officer role) who serves it.
* ``ServiceNote``: a dated note of help given, by whom.

All are audited, under the product's organisation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from biopolicy.storage.models import Audited, Base, JsonDoc, Product, utcnow


class WatchEntry(Audited, Base):
    __tablename__ = "watch_entry"
    __audit_entity__ = "watch_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(Integer, index=True)  # the product's, for filters and audit
    key_enterprise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    key_product: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    product: Mapped[Product] = relationship()

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class Milestone(Audited, Base):
    __tablename__ = "milestone"
    __audit_entity__ = "milestone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200), default="", server_default="")  # the hospital admitting
    procedure: Mapped[str | None] = mapped_column(String(60))
    planned_on: Mapped[dt.date | None] = mapped_column(Date)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    clock_stops: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    product: Mapped[Product] = relationship()

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class ServiceAssignment(Audited, Base):
    __tablename__ = "service_assignment"
    __audit_entity__ = "service_assignment"
    __table_args__ = (UniqueConstraint("product_id", "user_id", name="uq_service_assignment_product_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class ServiceNote(Audited, Base):
    __tablename__ = "service_note"
    __audit_entity__ = "service_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    on: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id
