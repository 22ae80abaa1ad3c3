"""Subscriptions and their scan: what is told, to whom, once; both databases.

Dates from the policies: xm-2023 and xm-2025-1 are in force until 2026-12-31 (so the 90-day
warning starts on 2026-10-02), xm-2025-1 from 2025-04-29.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.services.test_organisations import FACTS

from biopolicy.corpus.loader import default_policies_dir, load_corpus
from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services import subscriptions as subs
from biopolicy.services.calculator import Calculator, get_calculator
from biopolicy.storage.notification_models import Notification, Subscription
from biopolicy.storage.uow import UnitOfWork

PASSWORD = "correct-horse-42"
MEASURE = "xm-2023/m1-clinical"
EVENT = "clinical_stage_completed"
END = dt.date(2026, 12, 31)


@pytest.fixture
def users(database):
    with UnitOfWork(database, actor="test") as uow:
        org = orgs.create(uow, FACTS).id
    out = {}
    for login in ("measure-fan", "doc-fan", "event-fan", "nobody"):
        with UnitOfWork(database, actor="test") as uow:
            accounts.create_user(
                uow, login, login, password=PASSWORD, organisation=org, roles=[("applicant", "")]
            )
            out[login] = accounts.authenticate(uow, login, PASSWORD)
    return out


def follow(database, who, kind, target, calculator=None):
    with UnitOfWork(database, actor=who.actor) as uow:
        return subs.subscribe(uow, who, calculator or get_calculator(), kind, target)


def scan(database, calculator, day):
    with UnitOfWork(database, actor="test") as uow:
        return subs.scan(uow, calculator, day)


def told(database, who) -> list[tuple[str, str]]:
    with UnitOfWork(database) as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.user_id == who.user_id).order_by(Notification.id)
        )
        return [(n.kind, n.link) for n in rows]


def total(database) -> int:
    with UnitOfWork(database) as uow:
        return uow.session.scalar(select(func.count()).select_from(Notification))


@pytest.fixture(scope="module")
def changed_calculator(tmp_path_factory) -> Calculator:
    """The policies with one note of xm-2023 （一） reworded: that measure's rule changed."""
    root = tmp_path_factory.mktemp("policies") / "policies"
    shutil.copytree(default_policies_dir(), root)
    path = root / "xm-2023" / "measures.yaml"
    text = path.read_text(encoding="utf-8")
    old = "“在本市进行转化”"
    assert text.count(old) == 1
    path.write_text(text.replace(old, "“在本市转化”"), encoding="utf-8")
    return Calculator.load(load_corpus(root), root)


def without(tmp_path: Path, doc_id: str) -> Calculator:
    root = tmp_path / "policies"
    shutil.copytree(default_policies_dir(), root)
    shutil.rmtree(root / doc_id)
    return Calculator.load(load_corpus(root), root)


def test_subscribing_checks_what_is_followed_and_twice_is_once(database, users):
    who = users["measure-fan"]
    with pytest.raises(subs.SubscriptionError, match="kind：应为 document"):
        follow(database, who, "rumour", MEASURE)
    with pytest.raises(subs.SubscriptionError, match="target：政策库中没有这个措施"):
        follow(database, who, "measure", "xm-2023/nothing")
    first = follow(database, who, "measure", MEASURE)
    assert first.label and "m1" not in first.label and first.link == f"/measures/{MEASURE}"
    assert follow(database, who, "measure", MEASURE).id == first.id
    ev = follow(database, who, "achievement", EVENT)
    assert ev.label == "完成临床研究阶段" and ev.kind_label == "成果"
    with UnitOfWork(database) as uow:
        assert [s.id for s in subs.mine(uow, who, get_calculator())] == [first.id, ev.id]
        with pytest.raises(subs.SubscriptionNotFound):
            subs.unsubscribe(uow, users["nobody"], first.id)
    with UnitOfWork(database) as uow:
        subs.unsubscribe(uow, who, first.id)
    with UnitOfWork(database) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Subscription)) == 1


def test_a_changed_rule_is_told_to_its_followers_once(database, users, changed_calculator):
    follow(database, users["measure-fan"], "measure", MEASURE)
    follow(database, users["doc-fan"], "document", "xm-2023")
    follow(database, users["event-fan"], "achievement", EVENT)
    follow(database, users["nobody"], "measure", "xm-2023/m2-drug")
    day = dt.date(2026, 6, 1)  # no document ends within 90 days, none starts
    first = scan(database, get_calculator(), day)
    assert first.first and first.told == 0 and total(database) == 0
    again = scan(database, get_calculator(), day)
    assert not again.first and again.changes == 0 and again.summary == "没有新的变化"
    got = scan(database, changed_calculator, day)
    assert got.changes == 2 and got.told == 3  # the measure (2 followers), the document (1)
    assert told(database, users["measure-fan"]) == [("rule_changed", f"/measures/{MEASURE}")]
    assert told(database, users["event-fan"]) == [("rule_changed", f"/measures/{MEASURE}")]
    assert told(database, users["doc-fan"]) == [("rule_changed", "/documents/xm-2023")]
    assert told(database, users["nobody"]) == []
    with UnitOfWork(database) as uow:
        body = uow.session.scalars(select(Notification.body)).first()
    assert "计算规则已更新" in body and "m1-clinical" not in body
    assert scan(database, changed_calculator, day).told == 0  # twice tells nobody twice


def test_a_document_ending_within_90_days_is_told_once_per_threshold(database, users):
    follow(database, users["doc-fan"], "document", "xm-2023")
    follow(database, users["measure-fan"], "measure", MEASURE)  # its window is its document's
    follow(database, users["nobody"], "document", "fj-2023-7")  # ended 2025-12-31
    assert scan(database, get_calculator(), END - dt.timedelta(days=91)).told == 0
    got = scan(database, get_calculator(), END - dt.timedelta(days=90))
    assert got.told == 2
    assert told(database, users["doc-fan"]) == [("window_ending", "/documents/xm-2023")]
    assert told(database, users["measure-fan"]) == [("window_ending", "/documents/xm-2023")]
    assert scan(database, get_calculator(), END - dt.timedelta(days=10)).told == 0
    with UnitOfWork(database) as uow:
        body = uow.session.scalars(select(Notification.body)).first()
    assert "2026-12-31 到期（还有 90 天）" in body
    assert told(database, users["nobody"]) == []


def test_a_window_opening_after_the_last_scan_is_told(database, users):
    follow(database, users["doc-fan"], "document", "xm-2025-1")
    start = dt.date(2025, 4, 29)
    assert scan(database, get_calculator(), start - dt.timedelta(days=1)).told == 0
    assert scan(database, get_calculator(), start).told == 1
    assert told(database, users["doc-fan"]) == [("window_opened", "/documents/xm-2025-1")]
    assert scan(database, get_calculator(), start + dt.timedelta(days=1)).told == 0


def test_a_new_document_is_told_to_followers_of_an_achievement_it_rewards(database, users, tmp_path):
    follow(database, users["event-fan"], "achievement", "talent_recruited")  # xm-2023 （二十）
    follow(database, users["nobody"], "achievement", "fee_due")  # fj-2023-7 only
    day = dt.date(2026, 6, 1)
    scan(database, without(tmp_path, "xm-2023"), day)
    got = scan(database, get_calculator(), day)
    assert ("document_added", "/documents/xm-2023") in told(database, users["event-fan"])
    assert told(database, users["nobody"]) == [] and got.told >= 1


def test_two_scans_at_once_tell_each_follower_once(database, users, changed_calculator):
    follow(database, users["measure-fan"], "measure", MEASURE)
    day = dt.date(2026, 6, 1)
    scan(database, get_calculator(), day)
    reports, errors = [], []

    def run() -> None:
        try:
            reports.append(scan(database, changed_calculator, day))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert told(database, users["measure-fan"]) == [("rule_changed", f"/measures/{MEASURE}")]
    assert sum(r.told for r in reports) == 1
