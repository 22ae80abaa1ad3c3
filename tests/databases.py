"""Database fixtures: every storage and service test runs on SQLite and on PostgreSQL.

PostgreSQL: the server at ``BIOPOLICY_TEST_PG_URL`` (a URL to a database we may connect to and
create databases from, e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``), else that default.
The session creates its own uniquely-named database, upgraded to the newest migration, and each
test gets a copy of it (``CREATE DATABASE … TEMPLATE``); all are dropped at the end. When no server
answers the PostgreSQL cases are skipped, unless ``BIOPOLICY_TEST_PG=required`` (``make test``
sets it, after starting a throwaway server when 5432 does not answer: scripts/pg-throwaway.sh),
in which case they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from biopolicy.storage import migrate
from biopolicy.storage.db import Database

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ["sqlite", "postgresql"]


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgServer:
    def __init__(self, url: str) -> None:
        self.url = _libpq(url)
        self.prefix = f"bp_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.count = 0
        self.created: list[str] = []

    def admin(self):  # noqa: ANN201 - a psycopg connection
        import psycopg

        return psycopg.connect(self.url, autocommit=True, connect_timeout=3)

    def url_for(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        self.count += 1
        name = f"{self.prefix}_{self.count}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    url = os.environ.get("BIOPOLICY_TEST_PG_URL") or DEFAULT_PG_URL
    server = PgServer(url)
    try:
        server.admin().close()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        if os.environ.get("BIOPOLICY_TEST_PG") == "required":
            pytest.fail(f"PostgreSQL required but not reachable at {server.url}: {exc}")
        yield None
        return
    yield server
    for name in list(reversed(server.created)):
        server.drop(name)


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer | None) -> str | None:
    """A database of this session at the newest migration, copied for each test."""
    if pg_server is None:
        return None
    name = pg_server.create()
    migrate.upgrade(pg_server.url_for(name))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


def _need_pg(pg_server: PgServer | None) -> PgServer:
    if pg_server is None:
        pytest.skip("PostgreSQL 不可用（设置 BIOPOLICY_TEST_PG_URL，或用 make test 自动启动临时服务器）")
    return pg_server


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, sqlite_template, pg_server, pg_template) -> Iterator[str]:
    """A URL to a database at the newest migration, of its own for this test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server = _need_pg(pg_server)
    name = server.create(template=pg_template)
    yield server.url_for(name)
    server.drop(name)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path, pg_server) -> Iterator[str]:
    """A URL to an empty database (no tables), on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = _need_pg(pg_server)
    name = server.create()
    yield server.url_for(name)
    server.drop(name)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()
