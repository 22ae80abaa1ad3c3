"""Alembic's environment: the URL comes from ``config.attributes`` (storage.migrate), never a file.

SQLite: foreign keys are turned off for the run (before its transaction, the only place SQLite
honours the pragma) and back on after it, the first step of SQLite's documented table rebuild
(``storage.migration_helpers.rebuild_sqlite_table``): dropping the old copy of a rebuilt table must
not fire ON DELETE actions in the tables that refer to it. The setting found is put back. A rebuild checks the foreign keys itself
before the transaction commits; every other migration only creates and drops tables.
"""

from __future__ import annotations

from alembic import context

from biopolicy.storage.db import make_engine
from biopolicy.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.attributes["url"])
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:  # noqa: ANN001 - alembic's Connection
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    # the DBAPI connection: a statement through SQLAlchemy would begin the transaction first
    sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if sqlite:
        driver = connection.connection.driver_connection
        foreign_keys = driver.execute("PRAGMA foreign_keys").fetchone()[0]
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()
    finally:
        if sqlite:
            if connection.in_transaction():
                connection.rollback()
            driver.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")


if context.is_offline_mode():
    raise SystemExit("离线迁移（--sql）未支持：请直接对数据库运行 biopolicy db upgrade")
run()
