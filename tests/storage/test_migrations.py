"""Migrations go up and down on both databases, and agree with the models."""

from __future__ import annotations

import ctypes
import sqlite3
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from biopolicy.storage import migrate
from biopolicy.storage.db import make_engine
from biopolicy.storage.models import Base

TABLES = {
    "organisation",
    "product",
    "audit_log",
    "app_user",
    "role_assignment",
    "login_session",
    "saved_case",
    "saved_case_version",
    "watch_entry",
    "milestone",
    "service_assignment",
    "service_note",
    "application",
    "review_action",
    "award",
    "payment",
    "idempotency_key",
    "credit_blacklist",
    "notification",
    "outbox_message",
    "user_contact",
    "subscription",
    "scan_mark",
    "hospital_profile",
    "duty_record",
    "catalogue_version",
    "catalogue_entry",
    "ethics_approval",
    "ethics_recognition",
    "enterprise_request",
    "request_message",
    "request_attachment",
    "target_actual",
    # 0006: fulfilment
    "evidence",
    "notice_batch",
    "notice_item",
    "objection",
    "budget",
    "budget_line",
    "proactive_import",
    "proactive_record",
    "proposal",
}


# The triggers the migrations create, by backend: only the audit trail is guarded by the database
# itself (append-only: UPDATE and DELETE refused, TRUNCATE too on PostgreSQL). The other audited
# tables (models.Audited) are audited by the session's flush (storage.audit), not by triggers.
TRIGGERS = {
    "postgresql": {("audit_log", "audit_log_no_update_delete"), ("audit_log", "audit_log_no_truncate")},
    "sqlite": {("audit_log", "audit_log_no_update"), ("audit_log", "audit_log_no_delete")},
}


def _backend(url: str) -> str:
    return make_url(url).get_backend_name()


def _triggers(url: str) -> set[tuple[str, str]]:
    """(table, trigger) for every trigger a migration created."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                sql = (
                    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE NOT t.tgisinternal"
                )
            else:
                sql = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
            return {(table, name) for table, name in conn.execute(text(sql))}
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


# the migrations after the watch list, oldest first; each loses data on downgrade and says so
NEWER = ["0006", "0007", "0008", "0009"]
HEAD = NEWER[-1]


def test_upgrade_downgrade_upgrade(empty_database_url):
    url = empty_database_url
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head() == HEAD
    assert _tables(url) == TABLES
    migrate.downgrade(url, "base")
    assert migrate.current(url) is None
    assert _tables(url) == set()
    migrate.upgrade(url)
    assert _tables(url) == TABLES
    assert _triggers(url) == TRIGGERS[_backend(url)]


def test_the_audit_trail_triggers_exist_at_head_and_no_others(database_url):
    assert _triggers(database_url) == TRIGGERS[_backend(database_url)]
    # they refuse what they are there to refuse (the rows: tests/storage/test_audit.py)
    engine = make_engine(database_url)
    insert = (
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, prev_hash, hash) "
        "VALUES (1, CURRENT_TIMESTAMP, 'cli:root', 'insert', 'organisation', '1', :z, :h)"
    )
    with engine.begin() as conn:
        conn.execute(text(insert), {"z": "0" * 64, "h": "1" * 64})
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="只能追加"), engine.begin() as conn:
            conn.execute(text(sql))
    engine.dispose()


def test_one_step_down_keeps_organisations_and_drops_the_trail(empty_database_url):
    url = empty_database_url
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organisation (credit_code, name, kind, version) VALUES (:c, :n, :k, 1)"),
            {"c": "91350100M000100Y43", "n": "甲公司", "k": "enterprise"},
        )
    engine.dispose()
    migrate.downgrade(url, "0001")
    assert migrate.current(url) == "0001"
    assert _tables(url) == {"organisation", "product"}
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM organisation")).scalar_one() == "甲公司"
    engine.dispose()


def test_migrations_that_lose_data_say_so(database_url):
    assert [rev for rev, _ in migrate.data_lost_by_downgrade(database_url, "base")] == [
        *reversed(NEWER),
        "0005",
        "0004",
        "0003",
        "0002",
        "0001",
    ]
    lost = dict(migrate.data_lost_by_downgrade(database_url, "base"))
    assert (
        "订阅" in lost["0007"]
        and "会议与接待日记录" in lost["0008"]
        and "诉求" in lost["0009"]
        and "公示批次" in lost["0006"]
        and "清单" in lost["0005"]
        and "奖励台账" in lost["0004"]
        and "审计记录" in lost["0002"]
        and "用户" in lost["0003"]
    )


def test_models_match_the_migrations(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diffs == []


def test_0006_lets_an_application_be_queued_and_downgrade_turns_it_back_to_approved(empty_database_url):
    """The status check gains "queued" (SQLite: the table rebuilt; no foreign key action fires, so the
    review action of the application is still there)."""
    url = empty_database_url
    migrate.upgrade(url, "0005")
    engine = make_engine(url)
    insert_org = "INSERT INTO organisation (credit_code, name, kind, version) VALUES (:c, :n, :k, 1)"
    insert_app = (
        "INSERT INTO application (organisation_id, measure_id, event, event_key, department, status, "
        "credit_commitment) VALUES (1, 'm', '{}', :k, '', :s, false)"
    )
    with engine.begin() as conn:
        conn.execute(text(insert_org), {"c": "91350100M000100Y43", "n": "甲公司", "k": "enterprise"})
        conn.execute(text(insert_app), {"k": "a", "s": "approved"})
        conn.execute(
            text(
                "INSERT INTO review_action (application_id, organisation_id, action, department) "
                "VALUES (1, 1, 'approve', '')"
            )
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(insert_app), {"k": "b", "s": "queued"})
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(insert_app), {"k": "b", "s": "queued"})
        assert conn.execute(text("SELECT count(*) FROM review_action")).scalar_one() == 1
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(insert_app), {"k": "c", "s": "no-such-status"})
    engine.dispose()
    migrate.downgrade(url, "0005")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM application ORDER BY id")).scalars().all() == [
            "approved",
            "approved",
        ]
        assert conn.execute(text("SELECT count(*) FROM review_action")).scalar_one() == 1
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(insert_app), {"k": "d", "s": "queued"})
    engine.dispose()


# -- 0006 on SQLite: the application table rebuilt, no PRAGMA writable_schema ------------------

INSERT_ORG = "INSERT INTO organisation (credit_code, name, kind, version) VALUES (:c, :n, 'enterprise', 1)"
INSERT_APP = (
    "INSERT INTO application (organisation_id, measure_id, event, event_key, department, status, "
    "credit_commitment, approved_amount, due_on) VALUES (1, :m, :e, :k, '市科技局', :s, :cc, :a, :d)"
)
# refuses deleting a paid application: a trigger of the rebuilt table, as an audit trigger would be
KEEP_PAID = (
    "CREATE TRIGGER application_keep_paid BEFORE DELETE ON application WHEN OLD.status = 'paid' "
    "BEGIN SELECT RAISE(ABORT, '已支付的申报不能删除'); END"
)


def _fill_at_0005(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(INSERT_ORG), {"c": "91350100M000100Y43", "n": "甲公司"})
        for key, status, amount, due in (
            ("a", "approved", "120000.50", "2026-03-31"),
            ("b", "paid", "800000.00", None),
            ("c", "rejected", None, None),
        ):
            conn.execute(
                text(INSERT_APP),
                {
                    "m": f"m-{key}",
                    "e": '{"type": "x"}',
                    "k": key,
                    "s": status,
                    "cc": key == "b",
                    "a": amount,
                    "d": due,
                },
            )
        conn.execute(
            text(
                "INSERT INTO review_action (application_id, organisation_id, action, department) "
                "VALUES (1, 1, 'approve', ''), (2, 1, 'approve', '')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO award (organisation_id, measure_id, level, amount, awarded_on, application_id) "
                "VALUES (1, 'm-b', 'city', 800000, '2026-02-01', 2)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO payment (application_id, organisation_id, instalment, amount, paid_on, receipt_no) "
                "VALUES (2, 1, 1, 800000, '2026-02-10', 'R-1')"
            )
        )
        conn.execute(text(KEEP_PAID))
    engine.dispose()


def _snapshot(url: str) -> dict:
    """Rows of the application table and of the tables referring to it, indexes, foreign keys, triggers."""
    engine = make_engine(url)
    with engine.connect() as conn:
        out = {
            table: conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            for table in ("application", "review_action", "award", "payment")
        }
        out["indexes"] = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'application' ORDER BY name"
            )
        ).all()
        # (referred table, column, referred column, on update, on delete, match): the order of the
        # constraints in the rebuilt definition may differ, and with it the ids PRAGMA gives them
        out["foreign_keys"] = {
            table: sorted(tuple(row[2:]) for row in conn.execute(text(f"PRAGMA foreign_key_list({table})")))
            for table in ("application", "review_action", "award", "payment")
        }
        out["triggers"] = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'application'")
        ).all()
    engine.dispose()
    return out


@pytest.fixture
def statements():
    """Every statement any engine sends while the test runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def _statuses(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = conn.execute(text("SELECT status FROM application ORDER BY id")).scalars().all()
    engine.dispose()
    return out


def test_0006_rebuilds_the_application_table_on_sqlite_keeping_rows_indexes_keys_and_triggers(
    tmp_path, statements
):
    url = f"sqlite:///{tmp_path / 'at0005.sqlite3'}"
    migrate.upgrade(url, "0005")
    _fill_at_0005(url)
    before = _snapshot(url)
    migrate.upgrade(url)
    assert not [s for s in statements if "writable_schema" in s.lower()]
    assert any("_alembic_tmp_application" in s for s in statements)  # it was rebuilt
    after = _snapshot(url)
    assert after == before
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    with engine.begin() as conn:
        conn.execute(
            text(INSERT_APP),
            {"m": "m-d", "e": "{}", "k": "d", "s": "queued", "cc": False, "a": None, "d": None},
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(INSERT_APP),
            {"m": "m-e", "e": "{}", "k": "e", "s": "bogus", "cc": False, "a": None, "d": None},
        )
    # the foreign keys still act: deleting the paid application is refused by its trigger, the
    # approved one's review action goes with it (ON DELETE CASCADE), a paid one is kept by RESTRICT
    with pytest.raises(DBAPIError, match="已支付的申报不能删除"), engine.begin() as conn:
        conn.execute(text("DELETE FROM application WHERE status = 'paid'"))
    engine.dispose()
    migrate.downgrade(url, "0005")
    assert _statuses(url) == ["approved", "paid", "rejected", "approved"]
    down = _snapshot(url)
    assert down["indexes"] == before["indexes"]
    assert down["foreign_keys"] == before["foreign_keys"]
    assert down["triggers"] == before["triggers"]
    assert down["review_action"] == before["review_action"]
    assert down["award"] == before["award"] and down["payment"] == before["payment"]
    engine = make_engine(url)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(INSERT_APP),
            {"m": "m-f", "e": "{}", "k": "f", "s": "queued", "cc": False, "a": None, "d": None},
        )
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM application WHERE id = 1"))
        assert conn.execute(text("SELECT application_id FROM review_action")).scalars().all() == [2]
    engine.dispose()


def _defensive(dbapi_connection: sqlite3.Connection) -> None:
    """Turn on SQLITE_DBCONFIG_DEFENSIVE (no PRAGMA writable_schema, no writing sqlite_master)."""
    if hasattr(dbapi_connection, "setconfig"):  # Python 3.12+
        dbapi_connection.setconfig(sqlite3.SQLITE_DBCONFIG_DEFENSIVE, True)
        return
    # Python 3.11's sqlite3 has no setconfig: call sqlite3_db_config on the connection's handle, the
    # first field after the object header of CPython 3.11's pysqlite_Connection, in the very library
    # the _sqlite3 module uses (dlsym through the module's own handle)
    import _sqlite3

    lib = ctypes.CDLL(_sqlite3.__file__)
    lib.sqlite3_db_config.restype = ctypes.c_int
    handle = ctypes.c_void_p.from_address(id(dbapi_connection) + object.__basicsize__).value
    on = ctypes.c_int(-1)
    if (
        lib.sqlite3_db_config(ctypes.c_void_p(handle), 1010, ctypes.c_int(1), ctypes.byref(on))
        or on.value != 1
    ):
        raise RuntimeError("SQLITE_DBCONFIG_DEFENSIVE not set")


@pytest.mark.skipif(
    not hasattr(sqlite3.Connection, "setconfig")
    and not (
        sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11) and sys.platform == "linux"
    ),
    reason="sqlite3 的防御模式只能在 Python 3.12+ 或 Linux 上的 CPython 3.11 中打开",
)
def test_0006_upgrades_and_downgrades_a_sqlite_database_in_defensive_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'defensive.sqlite3'}"
    migrate.upgrade(url, "0005")
    _fill_at_0005(url)
    before = _snapshot(url)
    engine = make_engine(url)
    event.listen(engine, "connect", lambda dbapi_connection, _record: _defensive(dbapi_connection))
    with engine.connect() as conn:
        # defensive mode is on: what the old migration did is refused
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA writable_schema=ON")
        with pytest.raises(sqlite3.OperationalError, match="may not be modified"):
            raw.execute("UPDATE sqlite_master SET sql = sql WHERE name = 'application'")
        raw.execute("PRAGMA writable_schema=OFF")
        config = migrate.alembic_config(url)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == migrate.head()
        conn.commit()
        command.downgrade(config, "0005")
        conn.commit()
    engine.dispose()
    assert migrate.current(url) == "0005"
    assert _snapshot(url) == before
