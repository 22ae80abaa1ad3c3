# ruff: noqa: F811 - the world fixture is imported and used as an argument
"""A catalogue's publication tells the enterprises whose products entered and the hospitals whose
duty it opens; the product file lists the catalogues the product is on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from tests.services.test_duties import product_of, publish, world  # noqa: F401 - the fixture

from biopolicy.services import watchlist
from biopolicy.storage.notification_models import Notification
from biopolicy.storage.uow import UnitOfWork


def told(database, who) -> list[Notification]:
    with UnitOfWork(database) as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.user_id == who.user_id).order_by(Notification.id)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def test_publishing_tells_the_entered_enterprise_and_the_bound_hospitals(world):
    database, ids, who, _, _ = world
    mab, kit = product_of(database, ids["A"], "某单抗"), product_of(database, ids["A"], "某试剂")
    publish(world, "第一批", [mab], date(2026, 1, 31))
    [entered] = [n for n in told(database, who["enterprise"]) if n.kind == "catalogue_entered"]
    assert "某单抗" in entered.body and "第一批" in entered.body and "2026-01-31" in entered.body
    for staff in ("staff", "staff-2"):  # both hospitals hold the one-month meeting duty
        [duty] = [n for n in told(database, who[staff]) if n.kind == "duty_opened"]
        assert "2026-02-28" in duty.body and duty.link == "/duties"
    assert told(database, who["admin"]) == []  # who published
    assert told(database, who["city-reviewer"]) == []
    publish(world, "第二批", [mab], date(2026, 3, 5))  # nothing newly entered
    assert len([n for n in told(database, who["enterprise"]) if n.kind == "catalogue_entered"]) == 1
    publish(world, "第三批", [mab, kit], date(2026, 5, 5))
    last = [n for n in told(database, who["enterprise"]) if n.kind == "catalogue_entered"][-1]
    assert "某试剂" in last.body and "某单抗" not in last.body


def test_the_product_file_lists_its_catalogues(world):
    database, ids, who, _, _ = world
    mab, kit = product_of(database, ids["A"], "某单抗"), product_of(database, ids["A"], "某试剂")
    for name in ("某单抗", "某试剂"):  # on the watch list: the product file is the watch list's
        with UnitOfWork(database, actor="test") as uow:
            watchlist.watch_product(uow, who["admin"], ids["A"], name, "biologic", "1")
    with UnitOfWork(database, read_only=True) as uow:
        assert (
            watchlist.product_file(uow, who["enterprise"], mab, date(2026, 2, 1)).catalogue_memberships == []
        )
    publish(world, "第一批", [mab], date(2026, 1, 31))
    with UnitOfWork(database, read_only=True) as uow:
        f = watchlist.product_file(uow, who["enterprise"], mab, date(2026, 2, 1))
        other = watchlist.product_file(uow, who["enterprise"], kit, date(2026, 2, 1))
    [m] = f.catalogue_memberships
    assert (m.catalogue, m.label, m.since) == ("厦门市新优药械产品目录", "第一批", date(2026, 1, 31))
    assert m.clauses and len(m.citations) == len(m.clauses)
    assert other.catalogue_memberships == []
