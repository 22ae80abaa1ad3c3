"""Shapes the migrations share: rebuilding a SQLite table the supported way.

SQLite cannot alter a CHECK constraint in place. ``rebuild_sqlite_table`` follows the procedure
SQLite documents (lang_altertable.html, "making other kinds of table schema changes", the 12
steps) through alembic's batch mode with ``recreate="always"``: a new table with the changed
definition, the rows copied, the old table dropped, the new one renamed, its indexes created again.
Around alembic it adds the steps alembic leaves to the caller: foreign keys must be off (storage's
migration environment turns them off before its transaction on SQLite; the function refuses to run
otherwise, because dropping the old table would fire ON DELETE actions in the tables that refer to
it), the table's triggers are created again, and ``PRAGMA foreign_key_check`` must come back empty.
No ``PRAGMA writable_schema``: it is refused by SQLite builds running in defensive mode.

Migrations already applied must keep giving the same schema, so a helper here only ever gains
parameters with defaults that keep what it did.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic import op
from alembic.operations import BatchOperations


def rebuild_sqlite_table(table: str, alter: Callable[[BatchOperations], None]) -> None:
    """Rebuild ``table`` on SQLite with ``alter`` applied (alembic batch operations), keeping its rows,
    indexes, foreign keys and triggers; the foreign keys of every table are checked afterwards."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        raise RuntimeError(f"{table} 表只在 SQLite 上需要重建")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        # dropping the old table would run ON DELETE CASCADE / SET NULL in the tables referring to it
        raise RuntimeError(f"重建 {table} 表前须关闭外键检查（PRAGMA foreign_keys=OFF，在事务之外），未改动")
    triggers = (
        bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name", (table,)
        )
        .scalars()
        .all()
    )
    with op.batch_alter_table(table, recreate="always") as batch:
        alter(batch)
    for sql in triggers:
        bind.exec_driver_sql(sql)
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(
            f"重建 {table} 表后有 {len(broken)} 行外键指向不存在的记录，已撤销：{broken[:5]!r}"
        )
