"""The audit trail: every change appended, each row chained to the one before by its hash.

A row's ``hash`` is sha256 over the canonical JSON (sorted keys, no spaces, UTF-8) of all its
fields but ``hash`` itself, ``prev_hash`` included; the first row's ``prev_hash`` is 64 zeros.
Rows are written by the session's flush (``install_audit_hook``), in the same transaction as the
change they record: either both are committed or neither. Appends are serialised so the chain stays
linear: PostgreSQL takes a transaction-scoped advisory lock before reading the last row; SQLite has
one writer at a time (``BEGIN IMMEDIATE``, storage.db). On both, triggers created by the migration
refuse UPDATE and DELETE on the table (and TRUNCATE on PostgreSQL), so only someone who can alter
the schema can rewrite it; ``verify_chain`` then finds what they did.

Limit: removing the last rows leaves a shorter chain that is still valid. ``verify_chain`` reports the
head (seq and hash); keeping that outside the database (a log, a ticket) closes the gap.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import get_history

from biopolicy.storage.models import Audited, AuditLog, as_utc, jsonable, utcnow

GENESIS = "0" * 64
# pg_advisory_xact_lock key: "audit" in ASCII
ADVISORY_LOCK_KEY = 0x6175646974
HASHED_FIELDS = (
    "seq",
    "at",
    "actor",
    "source_ip",
    "action",
    "entity",
    "entity_id",
    "organisation_id",
    "before",
    "after",
    "prev_hash",
)


def canonical(row: dict[str, Any]) -> str:
    values = {k: row[k] for k in HASHED_FIELDS}
    values["at"] = as_utc(values["at"]).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_hash(row: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(row).encode("utf-8")).hexdigest()


# -- writing -------------------------------------------------------------------------------------


def _before_values(obj: Audited) -> dict[str, Any]:
    values = obj.audit_values()
    for key in values:
        history = get_history(obj, key)
        if history.deleted:
            values[key] = jsonable(history.deleted[0])
    return values


class ReadOnlyViolation(RuntimeError):
    """A write in a unit of work opened read-only."""


def _capture_before(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation("a read-only unit of work tried to write")
    # before the flush: the version counter is not bumped yet and the history is whole
    session.info["_audit_before"] = {
        id(obj): _before_values(obj)
        for obj in session.dirty
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False)
    }


def _changes(session: Session) -> list[tuple[str, Audited, dict[str, Any] | None, dict[str, Any] | None]]:
    found: list[tuple[str, Audited, dict[str, Any] | None, dict[str, Any] | None]] = []
    captured = session.info.pop("_audit_before", {})
    for obj in session.new:
        if isinstance(obj, Audited):
            found.append(("insert", obj, None, obj.audit_values()))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            after = obj.audit_values()
            before = captured.get(id(obj)) or _before_values(obj)
            if before != after:
                found.append(("update", obj, before, after))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            found.append(("delete", obj, obj.audit_values(), None))
    return found


def _append(session: Session, flush_context: Any) -> None:
    changes = _changes(session)
    if not changes:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    last = conn.execute(select(AuditLog.seq, AuditLog.hash).order_by(AuditLog.seq.desc()).limit(1)).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    actor = session.info.get("actor") or "system"
    source_ip = session.info.get("source_ip")
    rows = []
    for action, obj, before, after in changes:
        seq += 1
        row = {
            "seq": seq,
            "at": utcnow(),
            "actor": actor,
            "source_ip": source_ip,
            "action": action,
            "entity": obj.__audit_entity__,
            "entity_id": str((after or before or {}).get("id")),
            "organisation_id": obj.audit_organisation_id(),
            "before": before,
            "after": after,
            "prev_hash": prev,
        }
        row["hash"] = prev = row_hash(row)
        rows.append(row)
    conn.execute(insert(AuditLog), rows)


class UnauditedWrite(RuntimeError):
    """A bulk UPDATE or DELETE on an audited table: it would bypass the flush and the trail."""


def _refuse_bulk_writes(state: Any) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if state.session.info.get("read_only"):
        raise ReadOnlyViolation("a read-only unit of work tried to write")
    if state.is_insert:
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, Audited):
        raise UnauditedWrite(
            f"bulk {'UPDATE' if state.is_update else 'DELETE'} on {mapper.class_.__name__} would not be "
            "audited: load the objects and change them (or delete them) through the session"
        )


def install_audit_hook(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", _capture_before)
    event.listen(factory, "after_flush", _append)
    event.listen(factory, "do_orm_execute", _refuse_bulk_writes)


# -- checking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    head_seq: int | None
    head_hash: str | None
    bad_seq: int | None = None
    problem: str | None = None  # Chinese, names the row


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute the chain in order of seq; the first row that does not fit is named."""
    prev_hash, prev_seq, count = GENESIS, 0, 0
    result = session.execute(select(AuditLog.__table__).order_by(AuditLog.seq)).mappings()
    for part in result.partitions(batch):
        for row in part:
            count += 1
            seq = row["seq"]
            if row_hash(dict(row)) != row["hash"]:
                return ChainReport(
                    False, count, prev_seq or None, prev_hash, seq,
                    f"第 {seq} 条审计记录被改动：其内容与它的哈希不符",
                )  # fmt: skip
            if row["prev_hash"] != prev_hash:
                if seq != prev_seq + 1:
                    gone = f"{prev_seq + 1}" if seq - 1 == prev_seq + 1 else f"{prev_seq + 1} 至 {seq - 1}"
                    what = f"第 {gone} 条审计记录被删除"
                elif prev_seq == 0:
                    what = f"第 {seq} 条审计记录被替换：它是第一条，前一哈希应为起始值（64 个 0）"
                else:
                    what = (
                        f"第 {seq} 条审计记录与第 {prev_seq} 条接不上（第 {prev_seq} 条被改动后重算了哈希，"
                        f"或第 {seq} 条被替换、未按顺序插入）"
                    )
                if prev_seq:
                    what += f"：第 {seq} 条记录的前一哈希与第 {prev_seq} 条记录的哈希不符"
                return ChainReport(False, count, prev_seq or None, prev_hash, seq, what)
            if seq != prev_seq + 1:
                return ChainReport(
                    False, count, prev_seq or None, prev_hash, seq,
                    f"第 {seq} 条审计记录的序号不连续（上一条为第 {prev_seq} 条），记录被插入或改号",
                )  # fmt: skip
            prev_hash, prev_seq = row["hash"], seq
    return ChainReport(True, count, prev_seq or None, prev_hash if count else None)
