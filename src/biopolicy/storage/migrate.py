"""Alembic, run from code: ``upgrade``, ``downgrade``, ``current``, and what a downgrade would lose.

The migrations live in ``storage/migrations`` (packaged with the app). A migration whose
downgrade drops data says so in a module constant ``LOSES_DATA_ON_DOWNGRADE`` (and its docstring);
``data_lost_by_downgrade`` lists those a downgrade would run, so the CLI can ask first.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from biopolicy.storage.db import make_engine, normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = normalise_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def data_lost_by_downgrade(url: str, revision: str = "-1") -> list[tuple[str, str]]:
    """(revision, what is lost) for each migration a downgrade to ``revision`` would undo."""
    script = ScriptDirectory.from_config(alembic_config(url))
    now = current(url)
    if now is None:
        return []
    if revision.startswith("-"):
        steps = int(revision[1:])
        revs = list(script.iterate_revisions(now, "base"))[:steps]
    else:
        target = None if revision == "base" else revision
        revs = [r for r in script.iterate_revisions(now, target or "base") if r.revision != target]
    lost = []
    for rev in revs:
        what = getattr(rev.module, "LOSES_DATA_ON_DOWNGRADE", None)
        if what:
            lost.append((rev.revision, what))
    return lost
