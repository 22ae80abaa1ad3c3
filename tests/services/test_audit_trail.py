"""The auditor reads the trail: newest first, filtered by organisation, user and Beijing date, each
change with its values before and after; nobody else reads it; a filter that cannot be read is
named. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.services.test_cases import people, save  # noqa: F401 - the fixture is used by name

from biopolicy.services import audit, cases
from biopolicy.services.accounts import CHINA
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.uow import UnitOfWork


def trail(database, who, **filters):
    with UnitOfWork(database, actor="test") as uow:
        return audit.trail(uow, who, **filters)


def test_only_auditors_and_administrators_read_the_trail(database, people):  # noqa: F811
    for login in ("a1", "b1", "rev"):
        with pytest.raises(audit.AuditForbidden):
            trail(database, people[login])
    assert trail(database, people["aud"]).total > 0
    assert trail(database, people["adm"]).total > 0
    with pytest.raises(audit.AuditForbidden):
        trail(database, None)


def test_newest_first_with_what_changed_before_and_after(database, people):  # noqa: F811
    saved = save(database, people["a1"])
    with UnitOfWork(database, actor=people["a1"].actor) as uow:
        cases.add_version(uow, people["a1"], get_calculator(), saved.id, 1, None)
    page = trail(database, people["aud"], organisation_id=people["a1"].organisation_id)
    seqs = [r.seq for r in page.items]
    assert seqs == sorted(seqs, reverse=True)
    update = next(r for r in page.items if r.entity == "saved_case" and r.action == "update")
    assert update.action_words == "修改" and update.entity_words == "保存的测算"
    latest = next(c for c in update.changes if c.field == "latest")
    assert (latest.before, latest.after) == (1, 2)
    assert all(c.field != "version" for c in update.changes)  # the lock counter means nothing to a reader
    insert = next(r for r in page.items if r.entity == "saved_case" and r.action == "insert")
    assert insert.actor_words == "用户 u-a1" and insert.organisation_name == "厦门某生物科技有限公司"
    assert insert.at.endswith("（北京时间）")


def test_filters_by_organisation_and_by_user(database, people):  # noqa: F811
    save(database, people["a1"])
    save(database, people["b1"])
    a = trail(database, people["aud"], organisation_id=people["a1"].organisation_id)
    assert a.items and {r.organisation_id for r in a.items} == {people["a1"].organisation_id}
    mine = trail(database, people["aud"], user="u-b1")
    assert mine.total == len(mine.items) > 0
    assert {r.actor for r in mine.items} == {people["b1"].actor}
    assert not any(r.organisation_id == people["a1"].organisation_id for r in mine.items)


def test_dates_are_beijing_days_both_ends_included(database, people):  # noqa: F811
    save(database, people["a1"])
    today = dt.datetime.now(CHINA).date()
    everything = trail(database, people["aud"]).total
    assert trail(database, people["aud"], since=today, until=today).total == everything
    assert trail(database, people["aud"], since=today + dt.timedelta(days=1)).total == 0
    assert trail(database, people["aud"], until=today - dt.timedelta(days=1)).total == 0
    assert trail(database, people["aud"], until=today).total == everything


def test_filters_that_cannot_be_read_are_named(database, people):  # noqa: F811
    with pytest.raises(audit.AuditQueryError) as bad:
        trail(database, people["aud"], user="nobody-here")
    assert bad.value.problems == ["user：没有登录名为“nobody-here”的用户"]
    with pytest.raises(audit.AuditQueryError) as bad:
        trail(database, people["aud"], since=dt.date(2026, 5, 2), until=dt.date(2026, 5, 1))
    assert bad.value.problems[0].startswith("until：截止日期 2026-05-01 早于起始日期 2026-05-02")
    with pytest.raises(audit.AuditQueryError) as bad:
        trail(database, people["aud"], organisation_id=999999)
    assert "organisation_id" in bad.value.problems[0]


def test_pages_of_the_trail(database, people):  # noqa: F811
    for _ in range(3):
        save(database, people["a1"])
    total = trail(database, people["aud"]).total
    first = trail(database, people["aud"], limit=2)
    second = trail(database, people["aud"], offset=2, limit=2)
    assert len(first.items) == 2 and first.total == total
    assert first.items[-1].seq > second.items[0].seq
