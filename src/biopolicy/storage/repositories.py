"""Repositories: the queries services need, over one Session (owned by the unit of work)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from biopolicy.storage.audit import ChainReport, verify_chain
from biopolicy.storage.models import (
    AuditLog,
    LoginSession,
    Organisation,
    SavedCase,
    SavedCaseVersion,
    User,
)


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

    @staticmethod
    def _filtered(stmt, organisation_id, actor, since, until):  # noqa: ANN001, ANN205 - a Select
        if organisation_id is not None:
            stmt = stmt.where(AuditLog.organisation_id == organisation_id)
        if actor is not None:
            stmt = stmt.where(AuditLog.actor == actor)
        if since is not None:
            stmt = stmt.where(AuditLog.at >= since)
        if until is not None:
            stmt = stmt.where(AuditLog.at < until)
        return stmt

    def entries(
        self,
        *,
        organisation_id: int | None = None,
        actor: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Sequence[AuditLog]:
        """Newest first; ``since`` inclusive, ``until`` exclusive (UTC, as stored)."""
        stmt = self._filtered(select(AuditLog), organisation_id, actor, since, until)
        return self.session.scalars(stmt.order_by(AuditLog.seq.desc()).offset(offset).limit(limit)).all()

    def count(
        self,
        *,
        organisation_id: int | None = None,
        actor: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> int:
        stmt = self._filtered(
            select(func.count()).select_from(AuditLog), organisation_id, actor, since, until
        )
        return self.session.scalar(stmt) or 0

    def actors(self) -> list[str]:
        return list(self.session.scalars(select(AuditLog.actor).distinct().order_by(AuditLog.actor)))


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User) -> User:
        self.session.add(user)
        self.session.flush()
        return user

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id, options=[selectinload(User.roles)])

    def by_login(self, login: str) -> User | None:
        stmt = select(User).where(User.login == login).options(selectinload(User.roles))
        return self.session.scalars(stmt).first()

    def list(self, *, organisation_id: int | None = None) -> Sequence[User]:
        stmt = select(User).options(selectinload(User.roles)).order_by(User.id)
        if organisation_id is not None:
            stmt = stmt.where(User.organisation_id == organisation_id)
        return self.session.scalars(stmt).all()


class LoginSessionRepository:
    """Server-side sessions, by the sha256 of their token."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: LoginSession) -> LoginSession:
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, token_hash: str) -> LoginSession | None:
        return self.session.get(LoginSession, token_hash)

    def delete(self, row: LoginSession) -> None:
        self.session.delete(row)
        self.session.flush()

    def delete_for_user(self, user_id: int, *, keep: str | None = None) -> int:
        stmt = delete(LoginSession).where(LoginSession.user_id == user_id)
        if keep is not None:
            stmt = stmt.where(LoginSession.id != keep)
        return self.session.execute(stmt).rowcount or 0

    def delete_expired(self, now: dt.datetime) -> int:
        return self.session.execute(delete(LoginSession).where(LoginSession.expires_at < now)).rowcount or 0


class SavedCaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, case: SavedCase) -> SavedCase:
        self.session.add(case)
        self.session.flush()
        return case

    def get(self, case_id: str) -> SavedCase | None:
        return self.session.get(SavedCase, case_id, options=[selectinload(SavedCase.versions)])

    def list(
        self, *, organisation_id: int | None = None, offset: int = 0, limit: int = 100
    ) -> Sequence[SavedCase]:
        # a listing reads each case's organisation and versions: two extra queries for the page, not
        # two per case; the versions' case documents (the bulk of a row) stay unread until asked for
        stmt = (
            select(SavedCase)
            .options(
                joinedload(SavedCase.organisation),
                selectinload(SavedCase.versions).defer(SavedCaseVersion.case),
            )
            .order_by(SavedCase.updated_at.desc(), SavedCase.id)
        )
        if organisation_id is not None:
            stmt = stmt.where(SavedCase.organisation_id == organisation_id)
        return self.session.scalars(stmt.offset(offset).limit(limit)).all()

    def count(self, *, organisation_id: int | None = None) -> int:
        stmt = select(func.count()).select_from(SavedCase)
        if organisation_id is not None:
            stmt = stmt.where(SavedCase.organisation_id == organisation_id)
        return self.session.scalar(stmt) or 0

    def version(self, case_id: str, n: int) -> SavedCaseVersion | None:
        stmt = select(SavedCaseVersion).where(SavedCaseVersion.case_id == case_id, SavedCaseVersion.n == n)
        return self.session.scalars(stmt).first()
