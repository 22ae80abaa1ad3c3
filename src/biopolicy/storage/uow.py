"""The unit of work: one Session and one transaction, with the repositories over it.

    with UnitOfWork(database, actor="cli:root") as uow:
        uow.organisations.add(...)
        uow.commit()

``read_only=True`` is for use cases that only read: any write is refused before it reaches the
database, and on SQLite the transaction does not take the write lock (readers never queue behind
a writer). Leaving the block without ``commit()`` (or with an exception) rolls everything back, the audit
rows included: what a use case writes is committed whole or not at all. ``actor`` and
``source_ip`` go into every audit row the transaction appends.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session

from biopolicy.storage.db import READ_ONLY, Database
from biopolicy.storage.repositories import (
    AuditRepository,
    LoginSessionRepository,
    OrganisationRepository,
    SavedCaseRepository,
    UserRepository,
)


class UnitOfWork:
    session: Session
    organisations: OrganisationRepository
    audit: AuditRepository
    users: UserRepository
    login_sessions: LoginSessionRepository
    saved_cases: SavedCaseRepository

    def __init__(
        self,
        database: Database,
        *,
        actor: str = "system",
        source_ip: str | None = None,
        read_only: bool = False,
    ) -> None:
        self.database = database
        self.actor = actor
        self.source_ip = source_ip
        self.read_only = read_only

    def __enter__(self) -> UnitOfWork:
        self.session = self.database.sessions()
        self.session.info["actor"] = self.actor
        self.session.info["source_ip"] = self.source_ip
        if self.read_only:
            self.session.info["read_only"] = True
            self.session.connection(execution_options={READ_ONLY: True})
        self.organisations = OrganisationRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.users = UserRepository(self.session)
        self.login_sessions = LoginSessionRepository(self.session)
        self.saved_cases = SavedCaseRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()  # a no-op after commit(); undoes everything otherwise
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    @property
    def backend(self) -> str:
        return self.database.backend
