"""Subscriptions (issue 15 §5): follow a document, a measure or an achievement, and be told when
something about it changes.

A logged-in user subscribes to a document (its id), a measure (its id) or an achievement (an event
type of policies/_catalogue/events.yaml). ``scan`` finds what happened since the last scan and tells
the subscribers in the app and through the outbox (services/notifications.py):

- a rule changed: a measure's digest (the measure as loaded, with the ceilings and overlaps that
  name it, and its window) differs from the one recorded; told to those who follow the measure, its
  document or its achievement. A document's digest (its measures, ceilings and overlaps) changed:
  told to those who follow the document, once, naming the measures that changed.
- a document (or a measure with a window of its own) nears its end: in force and ending within
  ``EXPIRY_NOTICE_DAYS`` (90, the home page's warning); once per document, end date and threshold.
- a new document arrived: a document not seen by an earlier scan; told to those who follow an
  achievement one of its measures rewards.
- an application window opened: a document's or measure's in-force start falls after the day of
  the last scan and on or before this one's.

The first scan of a database only records what it sees (digests, documents, the day): everything
would otherwise be "new" to everyone. What a scan has seen is kept in ``scan_mark`` (one row per
key); a scan that finds its mark already written tells nobody again, so running it twice tells
nobody twice. Scans are serialised: PostgreSQL takes a transaction-scoped advisory lock (another
worker scanning at the same moment skips: the first one tells), SQLite's ``BEGIN IMMEDIATE`` makes
the second wait and then find the marks. The web app runs one scan in the background at start-up;
``biopolicy notify scan [--as-of DATE]`` runs one by hand or from cron.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import select, text, tuple_
from sqlalchemy.exc import IntegrityError

from biopolicy.rules.schema import Measure
from biopolicy.services.accounts import Principal
from biopolicy.services.calculator import Calculator
from biopolicy.services.notifications import notify
from biopolicy.storage.models import as_utc, utcnow
from biopolicy.storage.notification_models import SUBSCRIPTION_KINDS, ScanMark, Subscription
from biopolicy.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

EXPIRY_NOTICE_DAYS = 90  # as services/finding.py warns on the home page
THRESHOLDS = (EXPIRY_NOTICE_DAYS,)
KIND_WORDS = {"document": "政策文件", "measure": "措施", "achievement": "成果"}
SCAN_LOCK = 0x62696F6E  # the advisory lock of the scan (PostgreSQL), any constant of ours
LAST_DAY = "scan:as_of"


class SubscriptionError(ValueError):
    """Input refused (Chinese, naming the field); nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class SubscriptionNotFound(LookupError):
    def __init__(self, subscription_id: int) -> None:
        super().__init__(f"没有找到订阅 {subscription_id}")


class SubscriptionView(BaseModel):
    id: int
    kind: str
    kind_label: str
    target: str
    label: str  # the document's short name, the measure's title, the achievement's name
    link: str  # where it is shown ("" for an achievement: it has no page of its own)
    created_at: dt.datetime


# -- what can be followed -----------------------------------------------------------------------


def label_of(calculator: Calculator, kind: str, target: str) -> tuple[str, str] | None:
    """The name and page of what a subscription follows; None when it does not exist."""
    if kind == "document":
        if target not in calculator.corpus.documents:
            return None
        return calculator.names.document(target), f"/documents/{target}"
    if kind == "measure":
        if target not in calculator.rules.measures:
            return None
        return calculator.names.measure(target).strip("“”"), f"/measures/{target}"
    if kind == "achievement":
        event = calculator.catalogue.events.get(target)
        if event is None:
            return None
        return event.label, f"/measures?event={target}"
    return None


def _view(calculator: Calculator, row: Subscription) -> SubscriptionView:
    found = label_of(calculator, row.kind, row.target)
    label, link = found if found else ("（已不在政策库中）", "")
    return SubscriptionView(
        id=row.id,
        kind=row.kind,
        kind_label=KIND_WORDS[row.kind],
        target=row.target,
        label=label,
        link=link,
        created_at=as_utc(row.created_at),
    )


def mine(uow: UnitOfWork, principal: Principal, calculator: Calculator) -> list[SubscriptionView]:
    rows = uow.session.scalars(
        select(Subscription).where(Subscription.user_id == principal.user_id).order_by(Subscription.id)
    )
    return [_view(calculator, r) for r in rows]


def find(uow: UnitOfWork, principal: Principal, kind: str, target: str) -> int | None:
    """The id of the principal's subscription to this, if any (for a page's 订阅 / 取消订阅 button)."""
    return uow.session.scalar(
        select(Subscription.id).where(
            Subscription.user_id == principal.user_id,
            Subscription.kind == kind,
            Subscription.target == target,
        )
    )


def subscribe(
    uow: UnitOfWork, principal: Principal, calculator: Calculator, kind: str, target: str
) -> SubscriptionView:
    """Follow ``target``; following it again changes nothing and returns the existing subscription."""
    kind, target = (kind or "").strip(), (target or "").strip()
    if kind not in SUBSCRIPTION_KINDS:
        raise SubscriptionError(
            [f"kind：应为 document（政策文件）、measure（措施）或 achievement（成果），收到 {kind[:40]!r}"]
        )
    if label_of(calculator, kind, target) is None:
        raise SubscriptionError([f"target：政策库中没有这个{KIND_WORDS[kind]}（{target[:80]}）"])
    existing = find(uow, principal, kind, target)
    if existing is None:
        row = Subscription(user_id=principal.user_id, kind=kind, target=target, created_at=utcnow())
        uow.session.add(row)
        try:
            uow.commit()
        except IntegrityError:  # a double click: the other request made it
            uow.rollback()
        existing = find(uow, principal, kind, target)
    return _view(calculator, uow.session.get(Subscription, existing))


def unsubscribe(uow: UnitOfWork, principal: Principal, subscription_id: int) -> None:
    """Stop following; another user's subscription is "not found"."""
    row = uow.session.get(Subscription, subscription_id)
    if row is None or row.user_id != principal.user_id:
        raise SubscriptionNotFound(subscription_id)
    uow.session.delete(row)
    uow.commit()


# -- digests ------------------------------------------------------------------------------------


def _digest(value: object) -> str:
    body = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def measure_digests(calculator: Calculator) -> dict[str, str]:
    """Each measure's rule as loaded, with the ceilings and overlaps that name it and its window."""
    rules = calculator.rules
    caps: dict[str, list] = defaultdict(list)
    overlaps: dict[str, list] = defaultdict(list)
    for c in rules.caps:
        for mid in c.measures:
            caps[mid].append(c.model_dump(mode="json"))
    for o in rules.overlaps:
        for mid in o.measures:
            overlaps[mid].append(o.model_dump(mode="json"))
    return {
        mid: _digest(
            {
                "measure": m.model_dump(mode="json"),
                "caps": caps[mid],
                "overlaps": overlaps[mid],
                "window": rules.window(m).model_dump(mode="json"),
            }
        )
        for mid, m in rules.measures.items()
    }


def document_digests(calculator: Calculator, by_measure: dict[str, str]) -> dict[str, str]:
    per_doc: dict[str, dict[str, str]] = defaultdict(dict)
    for mid, d in by_measure.items():
        per_doc[calculator.rules.measures[mid].doc_id][mid] = d
    return {doc_id: _digest(per_doc.get(doc_id, {})) for doc_id in calculator.corpus.documents}


# -- the scan -----------------------------------------------------------------------------------


@dataclass
class _Item:
    key: str  # the mark that records it was told
    kind: str
    title: str
    body: str
    link: str
    audience: set[tuple[str, str]] = field(default_factory=set)  # (subscription kind, target)


class ScanReport(BaseModel):
    as_of: dt.date
    first: bool  # the first scan of this database: it only recorded what it saw
    skipped: bool  # another scan was running (PostgreSQL): it tells, this one did nothing
    changes: int  # things found (a rule changed, a document ends soon, …)
    told: int  # notifications written
    summary: str


def _audience_of_measure(m: Measure, own_window_only: bool = False) -> set[tuple[str, str]]:
    return {("measure", m.id), ("achievement", m.event)} | (
        set() if own_window_only else {("document", m.doc_id)}
    )


def _items(
    calculator: Calculator, marks: dict[str, str], as_of: dt.date, new_marks: dict[str, str]
) -> list[_Item]:
    """What to tell, and the marks to write (``new_marks``); nothing is told twice for one mark."""
    rules, names = calculator.rules, calculator.names
    first = LAST_DAY not in marks
    last_day = dt.date.fromisoformat(marks[LAST_DAY]) if not first else None
    items: list[_Item] = []
    by_doc: dict[str, list[Measure]] = defaultdict(list)
    for m in rules.measures.values():
        by_doc[m.doc_id].append(m)

    def mtitle(m: Measure) -> str:
        return names.measure(m.id).strip("“”")

    # rules that changed
    m_digests = measure_digests(calculator)
    changed: dict[str, list[Measure]] = defaultdict(list)
    for mid, digest in m_digests.items():
        key = f"digest:measure:{mid}"
        if marks.get(key) == digest:
            continue
        new_marks[key] = digest
        if key in marks:
            m = rules.measures[mid]
            changed[m.doc_id].append(m)
            items.append(
                _Item(
                    f"{key}:{digest}",
                    "rule_changed",
                    "措施规则已更新",
                    f"您关注的“{mtitle(m)}”的计算规则已更新，测算结果可能随之变化，请查看最新规则。",
                    f"/measures/{mid}",
                    {("measure", mid), ("achievement", m.event)},
                )
            )
    for doc_id, digest in document_digests(calculator, m_digests).items():
        key = f"digest:document:{doc_id}"
        if marks.get(key) == digest:
            continue
        new_marks[key] = digest
        if key in marks:
            which = "、".join(f"“{mtitle(m)}”" for m in changed.get(doc_id, [])) or "上限或重叠规则"
            items.append(
                _Item(
                    f"{key}:{digest}",
                    "rule_changed",
                    "政策文件的规则已更新",
                    f"您关注的{names.document(doc_id)}的计算规则已更新（{which}），请查看最新规则。",
                    f"/documents/{doc_id}",
                    {("document", doc_id)},
                )
            )

    # new documents
    for doc_id in calculator.corpus.documents:
        key = f"document:{doc_id}"
        if key in marks:
            continue
        new_marks[key] = as_of.isoformat()
        if not first:
            events = {m.event for m in by_doc.get(doc_id, [])}
            items.append(
                _Item(
                    key,
                    "document_added",
                    "政策库新增文件",
                    f"政策库新增{names.document(doc_id)}，其中有您关注的成果可申请的措施。",
                    f"/documents/{doc_id}",
                    {("achievement", e) for e in events},
                )
            )

    # windows: ends near, starts reached
    windows: list[tuple[str, str, str, dt.date | None, dt.date | None, set[tuple[str, str]]]] = []
    for doc_id, w in rules.windows.items():
        audience = {("document", doc_id)}
        for m in by_doc.get(doc_id, []):
            if m.in_force is None:  # the document's window is the measure's
                audience |= _audience_of_measure(m)
        windows.append(("document", doc_id, names.document(doc_id), w.from_, w.to, audience))
    for m in rules.measures.values():
        if m.in_force is not None:
            w = m.in_force
            windows.append(("measure", m.id, f"“{mtitle(m)}”", w.from_, w.to, _audience_of_measure(m)))
    for kind, ident, name, start, end, audience in windows:
        link = f"/documents/{ident}" if kind == "document" else f"/measures/{ident}"
        in_force = (start is None or start <= as_of) and (end is None or as_of <= end)
        if end is not None and in_force:
            left = (end - as_of).days
            for days in THRESHOLDS:
                key = f"expiry:{kind}:{ident}:{end.isoformat()}:{days}"
                if left <= days and key not in marks:
                    new_marks[key] = as_of.isoformat()
                    items.append(
                        _Item(
                            key,
                            "window_ending",
                            "政策即将到期",
                            f"{name}将于 {end.isoformat()} 到期（还有 {left} 天），到期后不再受理，请及早申报。",
                            link,
                            audience,
                        )
                    )
        if start is not None and last_day is not None and last_day < start <= as_of:
            key = f"opened:{kind}:{ident}:{start.isoformat()}"
            if key not in marks:
                new_marks[key] = as_of.isoformat()
                items.append(
                    _Item(
                        key,
                        "window_opened",
                        "政策开始施行",
                        f"{name}自 {start.isoformat()} 起施行，符合条件的可以申报。",
                        link,
                        audience,
                    )
                )
    new_marks[LAST_DAY] = max(as_of, last_day).isoformat() if last_day else as_of.isoformat()
    return items


def _lock(uow: UnitOfWork) -> bool:
    if uow.backend == "postgresql":
        return bool(uow.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SCAN_LOCK}))
    uow.session.execute(select(ScanMark.key).limit(1))  # SQLite: BEGIN IMMEDIATE: the one writer
    return True


def scan(uow: UnitOfWork, calculator: Calculator, as_of: dt.date | None = None) -> ScanReport:
    """Tell subscribers what changed since the last scan; idempotent (see the module docstring)."""
    as_of = as_of or dt.date.today()
    if not _lock(uow):
        uow.rollback()
        return ScanReport(
            as_of=as_of,
            first=False,
            skipped=True,
            changes=0,
            told=0,
            summary="另一次扫描正在进行，本次未做任何操作",
        )
    marks = {k: v for k, v in uow.session.execute(select(ScanMark.key, ScanMark.value))}
    first = LAST_DAY not in marks
    new_marks: dict[str, str] = {}
    items = _items(calculator, marks, as_of, new_marks)
    told = 0
    wanted = {a for item in items for a in item.audience}
    followers: dict[tuple[str, str], set[int]] = defaultdict(set)
    if wanted:
        rows = uow.session.execute(
            select(Subscription.kind, Subscription.target, Subscription.user_id).where(
                tuple_(Subscription.kind, Subscription.target).in_(sorted(wanted))
            )
        )
        for kind, target, user_id in rows:
            followers[(kind, target)].add(user_id)
    for item in items:
        users = set().union(*(followers.get(a, set()) for a in item.audience)) if item.audience else set()
        if users:
            told += notify(
                uow, users=sorted(users), kind=item.kind, title=item.title, body=item.body, link=item.link
            )
    now = utcnow()
    for key, value in new_marks.items():
        row = uow.session.get(ScanMark, key)
        if row is None:
            uow.session.add(ScanMark(key=key, value=value, updated_at=now))
        else:
            row.value, row.updated_at = value, now
    try:
        uow.commit()
    except IntegrityError:  # another scan recorded the same marks first: it told them
        uow.rollback()
        return ScanReport(
            as_of=as_of,
            first=False,
            skipped=True,
            changes=0,
            told=0,
            summary="另一次扫描已先完成，本次未做任何操作",
        )
    if first:
        summary = f"首次扫描：已记录 {len(calculator.rules.measures)} 项措施的规则和 {len(calculator.corpus.documents)} 份文件，未发通知"
        if items:
            summary += f"；即将到期提醒 {len(items)} 项，通知 {told} 人次"
    else:
        summary = f"发现 {len(items)} 项变化，通知 {told} 人次" if items else "没有新的变化"
    return ScanReport(as_of=as_of, first=first, skipped=False, changes=len(items), told=told, summary=summary)
