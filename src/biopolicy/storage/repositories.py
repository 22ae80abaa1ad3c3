"""Repositories: the queries services need, over one Session (owned by the unit of work)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from biopolicy.storage.audit import ChainReport, verify_chain
from biopolicy.storage.models import AuditLog, Organisation


class OrganisationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, organisation: Organisation) -> Organisation:
        self.session.add(organisation)
        self.session.flush()
        return organisation

    def get(self, organisation_id: int) -> Organisation | None:
        return self.session.get(Organisation, organisation_id, options=[selectinload(Organisation.products)])

    def by_credit_code(self, credit_code: str) -> Organisation | None:
        stmt = select(Organisation).where(Organisation.credit_code == credit_code)
        return self.session.scalars(stmt.options(selectinload(Organisation.products))).first()

    def existing_codes(self, credit_codes: Iterable[str]) -> dict[str, str]:
        """credit code -> name, for those of ``credit_codes`` already registered."""
        codes = list(set(credit_codes))
        found: dict[str, str] = {}
        for i in range(0, len(codes), 500):
            stmt = select(Organisation.credit_code, Organisation.name).where(
                Organisation.credit_code.in_(codes[i : i + 500])
            )
            found.update({code: name for code, name in self.session.execute(stmt)})
        return found

    def list(
        self, *, kind: str | None = None, city: str | None = None, offset: int = 0, limit: int = 100
    ) -> Sequence[Organisation]:
        stmt = select(Organisation).options(selectinload(Organisation.products)).order_by(Organisation.id)
        if kind:
            stmt = stmt.where(Organisation.kind == kind)
        if city:
            stmt = stmt.where(Organisation.city == city)
        return self.session.scalars(stmt.offset(offset).limit(limit)).all()

    def count(self, *, kind: str | None = None, city: str | None = None) -> int:
        stmt = select(func.count()).select_from(Organisation)
        if kind:
            stmt = stmt.where(Organisation.kind == kind)
        if city:
            stmt = stmt.where(Organisation.city == city)
        return self.session.scalar(stmt) or 0

    def delete(self, organisation: Organisation) -> None:
        self.session.delete(organisation)
        self.session.flush()


class AuditRepository:
    """Reads the trail; rows are only ever written by the flush hook (storage.audit)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def verify(self) -> ChainReport:
        return verify_chain(self.session)

    def entries(
        self, *, organisation_id: int | None = None, actor: str | None = None, limit: int = 100
    ) -> Sequence[AuditLog]:
        stmt = select(AuditLog).order_by(AuditLog.seq.desc()).limit(limit)
        if organisation_id is not None:
            stmt = stmt.where(AuditLog.organisation_id == organisation_id)
        if actor is not None:
            stmt = stmt.where(AuditLog.actor == actor)
        return self.session.scalars(stmt).all()
