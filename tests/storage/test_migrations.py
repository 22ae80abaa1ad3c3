"""Migrations go up and down on both databases, and agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

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
    """The status check gains "queued" (SQLite: the stored definition rewritten in place, no row touched)."""
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
