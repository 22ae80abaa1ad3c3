"""The tables, as SQLAlchemy 2 typed declarative models.

Every table a migration creates is declared here, and a test checks the migrations and these
models agree. Audited models (``Audited``) say what of them goes into the audit trail
(``audit_values``) and which organisation a change concerns (``audit_organisation_id``), so the
trail can later be filtered by organisation. Users, roles and saved cases come in a next migration:
``organisation.id`` is the key they will refer to, and ``audit_log.actor`` is free text today
(``cli:root``, ``system``) that will carry a user's id then.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, MetaData, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from biopolicy.domain.organisation import OrganisationKind

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JsonDoc,
        dt.datetime: DateTime(timezone=True),
    }


def jsonable(value: Any) -> Any:
    """A value as JSON keeps it exactly: money and dates as strings, enums as their value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Audited:
    """A model whose every insert, update and delete is appended to the audit trail."""

    __audit_entity__: ClassVar[str]
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset()

    def audit_values(self) -> dict[str, Any]:
        table = self.__table__  # type: ignore[attr-defined]
        return {
            c.key: jsonable(getattr(self, c.key))
            for c in table.columns
            if c.key not in self.__audit_exclude__
        }

    def audit_organisation_id(self) -> int | None:
        return None


KIND_VALUES = tuple(k.value for k in OrganisationKind)


class Organisation(Audited, Base):
    __tablename__ = "organisation"
    __audit_entity__ = "organisation"
    __table_args__ = (CheckConstraint(f"kind IN {KIND_VALUES!r}", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    province: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(40))
    district: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    # optimistic concurrency: an update names the version it read; a stale one is refused
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    products: Mapped[list[Product]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Product.id"
    )

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    def audit_organisation_id(self) -> int | None:
        return self.id


class Product(Audited, Base):
    __tablename__ = "product"
    __audit_entity__ = "product"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))  # a product type of policies/_catalogue/events.yaml
    registration_class: Mapped[str | None] = mapped_column(String(20))

    organisation: Mapped[Organisation] = relationship(back_populates="products")

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class AuditLog(Base):
    """Append-only: each row carries the hash of the row before it (see storage.audit)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # insert / update / delete
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: outlives deletes
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
