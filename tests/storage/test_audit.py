"""The audit trail: written with the change, refused rewriting by the database, verified by its chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from biopolicy.domain.credit_code import check_character
from biopolicy.storage.audit import GENESIS, ReadOnlyViolation, UnauditedWrite, row_hash
from biopolicy.storage.models import AuditLog, Organisation, Product
from biopolicy.storage.uow import UnitOfWork

AUDIT_COLUMNS = [c.key for c in AuditLog.__table__.columns]


def _org(code: str = "91350100M000100Y43", name: str = "甲公司") -> Organisation:
    return Organisation(credit_code=code, name=name, kind="enterprise", province="福建省", city="厦门市")


def _rows(database) -> list[AuditLog]:
    with database.sessions() as s:
        return list(s.scalars(select(AuditLog).order_by(AuditLog.seq)))


def _verify(database):
    with UnitOfWork(database) as uow:
        return uow.audit.verify()


def _three_changes(database) -> None:
    with UnitOfWork(database, actor="cli:root", source_ip="10.0.0.7") as uow:
        org = uow.organisations.add(_org())
        org.products.append(Product(name="甲药", type="chemical", registration_class="1"))
        uow.commit()
    with UnitOfWork(database, actor="cli:root") as uow:
        org = uow.organisations.by_credit_code("91350100M000100Y43")
        org.city = "福州市"
        uow.commit()


def test_every_change_is_recorded_with_who_where_before_and_after(database):
    _three_changes(database)
    rows = _rows(database)
    assert [(r.seq, r.action, r.entity) for r in rows] == [
        (1, "insert", "organisation"),
        (2, "insert", "product"),
        (3, "update", "organisation"),
    ]
    assert rows[0].actor == "cli:root" and rows[0].source_ip == "10.0.0.7"
    assert rows[0].before is None and rows[0].after["credit_code"] == "91350100M000100Y43"
    assert rows[1].organisation_id == rows[0].organisation_id == int(rows[0].entity_id)
    assert rows[2].before["city"] == "厦门市" and rows[2].after["city"] == "福州市"
    assert rows[2].before["version"] == 1 and rows[2].after["version"] == 2
    assert rows[0].prev_hash == GENESIS and rows[1].prev_hash == rows[0].hash
    report = _verify(database)
    assert report.ok and report.rows == 3 and report.head_seq == 3 and report.head_hash == rows[2].hash


def test_a_rolled_back_change_leaves_no_audit_row(database):
    with UnitOfWork(database) as uow:
        uow.organisations.add(_org())
        # no commit: leaving the block rolls back the change and its audit row together
    assert _rows(database) == []
    with pytest.raises(RuntimeError), UnitOfWork(database) as uow:
        uow.organisations.add(_org())
        raise RuntimeError("服务中途出错")
    assert _rows(database) == []


def test_deleting_an_organisation_records_it_and_its_products(database):
    _three_changes(database)
    with UnitOfWork(database, actor="admin") as uow:
        uow.organisations.delete(uow.organisations.by_credit_code("91350100M000100Y43"))
        uow.commit()
    deletes = [(r.entity, r.before["name"]) for r in _rows(database) if r.action == "delete"]
    assert sorted(deletes) == [("organisation", "甲公司"), ("product", "甲药")]
    assert _verify(database).ok


def test_bulk_writes_that_would_bypass_the_trail_are_refused(database):
    _three_changes(database)
    with UnitOfWork(database) as uow:
        with pytest.raises(UnauditedWrite, match="would not be audited"):
            uow.session.execute(update(Organisation).values(name="无记录的改名"))
        with pytest.raises(UnauditedWrite):
            uow.session.execute(delete(Product))
    with UnitOfWork(database) as uow:
        assert uow.organisations.by_credit_code("91350100M000100Y43").name == "甲公司"


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_log"])
def test_the_database_refuses_to_rewrite_the_trail(database, sql):
    _three_changes(database)
    with pytest.raises(DBAPIError, match="只能追加"), database.engine.begin() as conn:
        conn.execute(text(sql))
    assert len(_rows(database)) == 3


def test_truncate_is_refused_on_postgresql(database):
    if database.backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _three_changes(database)
    with pytest.raises(DBAPIError, match="只能追加"), database.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))


# -- an attacker with the owner's rights switches the guard off, then tampers -------------------


def _as_attacker(database, sql: str, **params) -> None:
    with database.engine.begin() as conn:
        if database.backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(text(sql), params)


def test_verify_names_an_edited_row(database):
    _three_changes(database)
    _as_attacker(database, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
    report = _verify(database)
    assert not report.ok and report.bad_seq == 2
    assert "第 2 条审计记录被改动" in report.problem


def test_verify_names_a_deleted_row(database):
    _three_changes(database)
    _as_attacker(database, "DELETE FROM audit_log WHERE seq = 2")
    report = _verify(database)
    assert not report.ok and report.bad_seq == 3
    assert "第 2 条审计记录被删除" in report.problem


def test_verify_names_deleted_first_rows(database):
    _three_changes(database)
    _as_attacker(database, "DELETE FROM audit_log WHERE seq < 3")
    report = _verify(database)
    assert not report.ok and report.bad_seq == 3 and report.problem == "第 1 至 2 条审计记录被删除"


def test_verify_names_a_replaced_first_row(database):
    _three_changes(database)
    row = {c: getattr(r, c) for r in _rows(database)[:1] for c in AUDIT_COLUMNS}
    row["prev_hash"] = "f" * 64
    _as_attacker(
        database,
        "UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = 1",
        p=row["prev_hash"],
        h=row_hash(row),
    )
    report = _verify(database)
    assert not report.ok and report.bad_seq == 1 and report.problem.startswith("第 1 条审计记录被替换")


def test_verify_catches_an_edit_whose_hash_was_recomputed(database):
    _three_changes(database)
    row = {c: getattr(r, c) for r in _rows(database)[1:2] for c in AUDIT_COLUMNS}
    row["actor"] = "someone-else"
    _as_attacker(
        database,
        "UPDATE audit_log SET actor = :a, hash = :h WHERE seq = 2",
        a="someone-else",
        h=row_hash(row),
    )
    report = _verify(database)
    assert not report.ok and report.bad_seq == 3
    assert "第 2 条被改动后重算了哈希" in report.problem


def test_verify_names_a_row_inserted_out_of_order(database):
    _three_changes(database)
    first = _rows(database)[0]
    forged = {c: getattr(first, c) for c in AUDIT_COLUMNS}
    forged |= {"seq": 4, "actor": "forger", "prev_hash": first.hash}  # chained to row 1, not to row 3
    forged["hash"] = row_hash(forged)
    with database.sessions() as s:  # an INSERT is allowed: the trail is append-only, not read-only
        s.execute(AuditLog.__table__.insert(), [forged])
        s.commit()
    report = _verify(database)
    assert not report.ok and report.bad_seq == 4
    assert "第 4 条被替换、未按顺序插入" in report.problem


def test_concurrent_writers_keep_one_linear_chain(database):
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        first17 = f"9135020000000000{n}"
        code = first17 + check_character(first17)
        try:
            with UnitOfWork(database, actor=f"worker-{n}") as uow:
                uow.organisations.add(_org(code, f"机构{n}"))
                uow.commit()
            for i in range(6):
                with UnitOfWork(database, actor=f"worker-{n}") as uow:
                    uow.organisations.by_credit_code(code).name = f"机构{n}-{i}"
                    uow.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = _rows(database)
    assert [r.seq for r in rows] == list(range(1, 22))
    assert _verify(database).ok


def test_a_stale_update_is_refused_and_writes_nothing(database):
    _three_changes(database)
    with UnitOfWork(database) as first, UnitOfWork(database) as second:
        if database.backend == "sqlite":
            pytest.skip("SQLite: one writer at a time, the second waits for the first")
        first.organisations.by_credit_code("91350100M000100Y43").name = "先改"
        second.organisations.by_credit_code("91350100M000100Y43").name = "后改"
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
    assert [r.after["name"] for r in _rows(database)][-1] == "先改"
    assert len(_rows(database)) == 4


def test_a_read_only_unit_of_work_reads_beside_a_writer_and_cannot_write(database):
    _three_changes(database)
    with UnitOfWork(database, actor="writer") as writer:
        writer.organisations.by_credit_code("91350100M000100Y43").name = "改名中"
        writer.session.flush()  # holds the write lock (SQLite) / the row and the audit lock (PostgreSQL)
        with UnitOfWork(database, read_only=True) as reader:  # does not wait for the writer
            assert reader.organisations.by_credit_code("91350100M000100Y43").name == "甲公司"
            reader.organisations.by_credit_code("91350100M000100Y43").name = "不许"
            with pytest.raises(ReadOnlyViolation):
                reader.session.flush()
        writer.commit()
    with UnitOfWork(database, read_only=True) as reader:
        assert reader.organisations.by_credit_code("91350100M000100Y43").name == "改名中"
        with pytest.raises(ReadOnlyViolation):
            reader.session.execute(AuditLog.__table__.insert().values(seq=99))
