"""The tables, as SQLAlchemy 2 typed declarative models.

Every table a migration creates is declared here, and a test checks the migrations and these
models agree. Audited models (``Audited``) say what of them goes into the audit trail
(``audit_values``) and which organisation a change concerns (``audit_organisation_id``), so the
trail can later be filtered by organisation. Users, their roles, their log-in sessions and saved cases
(migration 0003) refer to ``organisation.id``; ``audit_log.actor`` is free text (``cli:root``,
``system``, ``user:<id>``). A user's password hash never enters the trail (``__audit_exclude__``);
log-in sessions are not audited (they are not records of the platform, and the token hash must not
leak), the changes to a user they cause (failed attempts, lock-out) are.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    false,
    func,
    true,
)
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


ROLES = ("applicant", "reviewer", "finance", "auditor", "administrator", "service_officer")


class User(Audited, Base):
    """A person who logs in; staff of ``organisation`` (none for departments and administrators)."""

    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    __audit_entity__ = "user"
    __audit_exclude__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    password_changed_at: Mapped[dt.datetime | None] = mapped_column()
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    organisation: Mapped[Organisation | None] = relationship()
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleAssignment.id"
    )

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class RoleAssignment(Audited, Base):
    """A role a user holds; a reviewer's is for one responsible department (责任单位), else ``""``."""

    __tablename__ = "role_assignment"
    __audit_entity__ = "role_assignment"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        UniqueConstraint("user_id", "role", "department", name="uq_role_assignment_user_role_department"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    user: Mapped[User] = relationship(back_populates="roles")

    def audit_organisation_id(self) -> int | None:
        return None


class LoginSession(Base):
    """A log-in, kept server side: the cookie carries the token, the table only its sha256."""

    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column()
    last_seen_at: Mapped[dt.datetime] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)  # absolute end; idle end is last_seen + idle
    source_ip: Mapped[str | None] = mapped_column(String(64))


class SavedCase(Audited, Base):
    """A calculator case kept under an organisation, at a short stable address ``/cases/<id>``."""

    __tablename__ = "saved_case"
    __audit_entity__ = "saved_case"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # 10 base32 characters, random
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    latest: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # n of the newest version
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    versions: Mapped[list[SavedCaseVersion]] = relationship(
        back_populates="saved_case", cascade="all, delete-orphan", order_by="SavedCaseVersion.n"
    )
    organisation: Mapped[Organisation] = relationship()
    owner: Mapped[User] = relationship()

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    def audit_organisation_id(self) -> int | None:
        return self.organisation_id


class SavedCaseVersion(Audited, Base):
    """One version of a saved case: the case, the rules version it was assessed under, the summary."""

    __tablename__ = "saved_case_version"
    __audit_entity__ = "saved_case_version"
    __table_args__ = (UniqueConstraint("case_id", "n", name="uq_saved_case_version_case_id_n"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("saved_case.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(Integer)  # the case's, for the audit trail's filter
    n: Mapped[int] = mapped_column(Integer)
    case: Mapped[dict[str, Any]] = mapped_column()
    rules_version: Mapped[str] = mapped_column(String(80))
    summary: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    saved_case: Mapped[SavedCase] = relationship(back_populates="versions")

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


from biopolicy.storage import duty_models as _duty_models  # noqa: E402, F401 - duties, catalogues (0008)
from biopolicy.storage import fulfilment_models as _fulfilment_models  # noqa: E402, F401 - migration 0006
from biopolicy.storage import ledger_models as _ledger_models  # noqa: E402, F401 - migration 0004's tables
from biopolicy.storage import notification_models as _notification_models  # noqa: E402, F401 - migration 0007
from biopolicy.storage import request_models as _request_models  # noqa: E402, F401 - requests, target actuals (migration 0009)
from biopolicy.storage import watch as _watch  # noqa: E402, F401 - the watch list tables (migration 0005)
