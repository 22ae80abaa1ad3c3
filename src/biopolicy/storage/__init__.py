"""The database: SQLAlchemy models, repositories and the unit of work; migrations/ (Alembic).

Used by services only. A service opens a ``UnitOfWork`` (``storage.uow``), uses its
repositories, and commits; every change is recorded in the audit trail in the same transaction
(``storage.audit``). Nothing here is kept in process memory beyond the connection pool, so any
number of worker processes can share one PostgreSQL database.
"""
