"""Hospitals' duties, catalogues and the ethics-review registry (migration 0008).

* ``HospitalProfile``: the facts of a medical institution the duty rules need (grade, public or not,
  runs drug or device trials), one row per organisation (an extension of its facts, kept beside it so
  the organisation table stays as it is).
* ``DutyRecord``: a meeting of a named committee or a reception day a hospital held, with the file of
  its minutes or attendance (stored under ``<data_dir>/records/``, named by its sha256); one per
  organisation, kind and date.
* ``CatalogueVersion`` / ``CatalogueEntry``: a version of a catalogue defined in
  ``policies/_catalogues/*.yaml`` (its code), published on a date, with its entries: a product of the
  platform where the entry is one, else a name.
* ``EthicsApproval`` / ``EthicsRecognition``: a lead institution's ethics approval of a project and the
  institutions that recognised it, and when (xm-2025-1 六, xm-2023 （十五）).

All are audited, under the organisation they concern (a catalogue version under none).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from biopolicy.storage.models import Audited, Base, utcnow


class HospitalProfile(Audited, Base):
    __tablename__ = "hospital_profile"
    __audit_entity__ = "hospital_profile"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    grade: Mapped[str | None] = mapped_column(String(16))  # rules.obligations.Grade
    public: Mapped[bool | None] = mapped_column(Boolean)
    runs_trials: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class DutyRecord(Audited, Base):
    __tablename__ = "duty_record"
    __audit_entity__ = "duty_record"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "held_on", name="uq_duty_record_org_kind_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))  # rules.obligations.RecordKind
    held_on: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    file_name: Mapped[str | None] = mapped_column(String(200))  # as uploaded
    file_type: Mapped[str | None] = mapped_column(String(40))  # pdf / png / jpeg
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_sha256: Mapped[str | None] = mapped_column(String(64))  # also its name under records/
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class CatalogueVersion(Audited, Base):
    __tablename__ = "catalogue_version"
    __audit_entity__ = "catalogue_version"
    __table_args__ = (UniqueConstraint("catalogue", "label", name="uq_catalogue_version_catalogue_label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    catalogue: Mapped[str] = mapped_column(String(60), index=True)  # a code of policies/_catalogues
    label: Mapped[str] = mapped_column(String(100))  # 2026年版, 第一批
    published_on: Mapped[dt.date | None] = mapped_column(Date)  # None: a draft, not yet published
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    entries: Mapped[list[CatalogueEntry]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="CatalogueEntry.id"
    )


class CatalogueEntry(Audited, Base):
    __tablename__ = "catalogue_entry"
    __audit_entity__ = "catalogue_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("catalogue_version.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer)  # the product's, for filters and audit
    name: Mapped[str] = mapped_column(String(200))  # the product's name, or the entry as the list names it
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")

    version: Mapped[CatalogueVersion] = relationship(back_populates="entries")

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class EthicsApproval(Audited, Base):
    __tablename__ = "ethics_approval"
    __audit_entity__ = "ethics_approval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    project: Mapped[str] = mapped_column(String(300))
    approved_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), default="", server_default="")  # 批件号
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    recognitions: Mapped[list[EthicsRecognition]] = relationship(
        back_populates="approval", cascade="all, delete-orphan", order_by="EthicsRecognition.recognised_on"
    )

    def audit_organisation_id(self) -> int | None:
        return self.lead_organisation_id


class EthicsRecognition(Audited, Base):
    __tablename__ = "ethics_recognition"
    __audit_entity__ = "ethics_recognition"
    __table_args__ = (
        UniqueConstraint("approval_id", "organisation_id", name="uq_ethics_recognition_approval_org"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("ethics_approval.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    recognised_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    approval: Mapped[EthicsApproval] = relationship(back_populates="recognitions")

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id
