"""The database as the rest of the app sees it: open a unit of work, migrate the schema.

Web and CLI never import ``biopolicy.storage``; they call these. Each function takes the database
URL, defaulting to the settings' (``BIOPOLICY_DATABASE_URL``, else the SQLite file in the data
folder). The engine is a per-process pool; nothing else is held in memory, so several worker
processes can serve from one PostgreSQL database.
"""

from __future__ import annotations

from dataclasses import dataclass

from biopolicy.settings import get_settings
from biopolicy.storage.db import Database, database_for
from biopolicy.storage.uow import UnitOfWork


def _migrate():  # noqa: ANN202 - the module (alembic loads only when the schema is asked about)
    from biopolicy.storage import migrate

    return migrate


def resolve_url(url: str | None = None) -> str:
    return url or get_settings().db_url


def get_database(url: str | None = None) -> Database:
    return database_for(resolve_url(url))


def unit_of_work(
    actor: str = "system", source_ip: str | None = None, url: str | None = None, *, read_only: bool = False
) -> UnitOfWork:
    """A new unit of work on the process's database; use it in a ``with`` block and commit.

    ``read_only=True`` for pages and commands that only read (on SQLite they then never wait).
    """
    return UnitOfWork(get_database(url), actor=actor, source_ip=source_ip, read_only=read_only)


@dataclass(frozen=True)
class SchemaStatus:
    url: str  # without password
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def status(url: str | None = None) -> SchemaStatus:
    url = resolve_url(url)
    return SchemaStatus(_shown(url), _migrate().current(url), _migrate().head())


def upgrade(revision: str = "head", url: str | None = None) -> SchemaStatus:
    """Create the database's tables or bring them to ``revision`` (SQLite: the file is created)."""
    url = resolve_url(url)
    _migrate().upgrade(url, revision)
    return status(url)


def data_lost_by_downgrade(revision: str = "-1", url: str | None = None) -> list[tuple[str, str]]:
    return _migrate().data_lost_by_downgrade(resolve_url(url), revision)


def downgrade(revision: str = "-1", url: str | None = None) -> SchemaStatus:
    url = resolve_url(url)
    _migrate().downgrade(url, revision)
    return status(url)
