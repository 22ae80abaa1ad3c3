"""Alembic's environment: the URL comes from ``config.attributes`` (storage.migrate), never a file."""

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
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("离线迁移（--sql）未支持：请直接对数据库运行 biopolicy db upgrade")
run()
