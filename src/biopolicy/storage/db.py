"""Engines and sessions for a database URL: SQLite (the embedded default) or PostgreSQL.

SQLite: the file's folder is created; foreign keys are on; WAL lets readers run beside the one
writer; every transaction starts with ``BEGIN IMMEDIATE`` so two writers queue (busy timeout)
instead of failing half-way, which also keeps the audit chain linear; a read-only unit of work
begins DEFERRED and so never waits for a writer. PostgreSQL: psycopg 3,
READ COMMITTED; the audit append takes a transaction-scoped advisory lock (``storage.audit``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "biopolicy_read_only"  # execution option set by a read-only unit of work


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy's default driver would be psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling begins late and deferred; take it over (SQLAlchemy's recipe)
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory; one per URL per process (a pool, not shared state)."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        from biopolicy.storage.audit import install_audit_hook

        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        install_audit_hook(self.sessions)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


@cache
def database_for(url: str) -> Database:
    """The process's Database for ``url`` (engines are pools: one per process and URL)."""
    return Database(url)
