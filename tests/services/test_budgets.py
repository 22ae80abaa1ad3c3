# ruff: noqa: F811 - the people fixture is imported and used as an argument
"""Budgets: an approval commits against its budget or queues (never cut); raising releases in order.

Scenario: xm-2023 （一） (xm-2023/m1-clinical), paid by the city (xm-2023 names no other payer): a
phase III with 90,000,000元 of R&D brings 30,000,000元 (40%, at most 30,000,000元; see
tests/services/test_applications.py). Budgets are finance's figures, not the policy's: the test picks
them around those awards to sit on both sides of "exactly reached".
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from tests.services.test_applications import (
    TODAY,
    approve,
    call,
    case_with,
    in_review,
    key,
    people,  # noqa: F401 - the fixture
    phase3,
    saved,
    status,
)
from tests.services.test_organisations import FACTS, code

from biopolicy.services import applications as apps
from biopolicy.services import budgets
from biopolicy.services import organisations as orgs
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.fulfilment_models import Budget, BudgetLine
from biopolicy.storage.ledger_models import Application, ReviewAction
from biopolicy.storage.models import AuditLog, utcnow
from biopolicy.storage.uow import UnitOfWork

MEASURE = "xm-2023/m1-clinical"
AWARD = Decimal("30000000")


def set_budget(database, people, amount, year=2026, level="city", measure=MEASURE, k=None):  # noqa: F811
    return call(
        database,
        people["fin"],
        budgets.set_budget,
        get_calculator(),
        measure,
        year,
        level,
        amount,
        k or key(),
    )


def three_in_review(database, people):  # noqa: F811
    case_id = saved(database, people["a1"], case_with(*(phase3(f"e{i}", f"p{i}") for i in (1, 2, 3))))
    return [in_review(database, people, case_id, f"e{i}") for i in (1, 2, 3)]


def overview(database, people):  # noqa: F811
    with UnitOfWork(database) as uow:
        return budgets.overview(uow, people["fin"], get_calculator())


def test_exactly_reaching_the_budget_commits_and_the_next_approval_queues_with_its_place(database, people):  # noqa: F811
    set_budget(database, people, "60000000")
    a, b, c = three_in_review(database, people)
    assert approve(database, people["rev"], a, AWARD)["status"] == "approved"
    assert approve(database, people["rev"], b, AWARD)["status"] == "approved"  # 60,000,000: exactly reached
    got = approve(database, people["rev"], c, AWARD)
    assert got["status"] == "queued" and status(database, c) == "queued"
    with UnitOfWork(database) as uow:
        assert budgets.queue_place(uow, c) == 1
        row = uow.session.get(Application, c)
        assert row.approved_amount == AWARD  # never cut
        assert apps.view(uow, row).status_label == "已核定，预算排队中"
    [view] = overview(database, people)
    assert (view.amount, view.committed, view.remaining, view.queued) == (
        Decimal("60000000"),
        Decimal("60000000"),
        Decimal(0),
        AWARD,
    )
    assert [(q.place, q.application_id) for q in view.queue] == [(1, c)]


def test_one_cent_over_the_budget_queues(database, people):  # noqa: F811
    set_budget(database, people, "59999999.99")
    a, b, _ = three_in_review(database, people)
    assert approve(database, people["rev"], a, AWARD)["status"] == "approved"
    assert approve(database, people["rev"], b, AWARD)["status"] == "queued"
    [view] = overview(database, people)
    assert view.committed == AWARD and view.remaining == Decimal("29999999.99")


def test_raising_the_budget_releases_the_queue_in_order_without_overtaking(database, people):  # noqa: F811
    set_budget(database, people, "30000000")
    a, b, c = three_in_review(database, people)
    approve(database, people["rev"], a, AWARD)
    assert approve(database, people["rev"], b, AWARD)["status"] == "queued"
    assert approve(database, people["rev"], c, "10000000")["status"] == "queued"
    # 10,000,000 more would fit c, but b is first in line and does not fit: nothing moves
    assert set_budget(database, people, "40000000")["released"] == []
    assert status(database, c) == "queued"
    # enough for b only
    got = set_budget(database, people, "69999999.99")
    assert got["released"] == [b] and status(database, b) == "approved" and status(database, c) == "queued"
    assert set_budget(database, people, "70000000")["released"] == [c]
    with UnitOfWork(database) as uow:
        actions = uow.session.scalars(
            select(ReviewAction.action).where(ReviewAction.application_id == b).order_by(ReviewAction.id)
        ).all()
        assert actions[-2:] == ["budget_queue", "budget_release"]
        assert uow.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.entity == "budget")
        )


def test_lowering_a_budget_below_what_is_committed_is_refused_and_nothing_changes(database, people):  # noqa: F811
    set_budget(database, people, "60000000")
    a, _, _ = three_in_review(database, people)
    approve(database, people["rev"], a, AWARD)
    with pytest.raises(apps.ApplicationError, match="已承诺 3000万元（30,000,000元），不能调低到"):
        set_budget(database, people, "29999999.99")
    assert set_budget(database, people, "30000000")["amount"] == "30000000"
    with UnitOfWork(database) as uow:
        assert uow.session.scalar(select(Budget.amount)) == Decimal("30000000")


def test_bad_budget_input_names_the_field_and_writes_nothing(database, people):  # noqa: F811
    with pytest.raises(apps.ApplicationError) as exc:
        set_budget(database, people, "-1", year=1999, level="province", measure=MEASURE)
    text = str(exc.value)
    assert "fiscal_year" in text and "level：此措施由 city（市级） 出资" in text and "amount" in text
    with pytest.raises(apps.ApplicationError, match="measure_id：没有措施"):
        set_budget(database, people, "1", measure="no/such")
    with pytest.raises(apps.ApplicationForbidden):
        call(database, people["rev"], budgets.set_budget, get_calculator(), MEASURE, 2026, "city", "1", key())
    with UnitOfWork(database) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Budget)) == 0


def test_a_shared_payer_names_both_levels_and_the_approval_draws_on_the_city():
    calc = get_calculator()
    shared = next(m for m in calc.rules.measures.values() if m.doc_id == "xm-2025-1")
    assert budgets.paying_levels(calc, shared) == ["city", "district"]
    provincial = next(m for m in calc.rules.measures.values() if m.doc_id == "fj-2023-7")
    assert budgets.paying_levels(calc, provincial) == ["province", "city"]  # Xiamen pays its own applicants


def test_replaying_a_budget_change_changes_nothing(database, people):  # noqa: F811
    k = key()
    first = set_budget(database, people, "1000", k=k)
    again = set_budget(database, people, "1000", k=k)
    assert again == {**first, "replayed": True}
    with pytest.raises(apps.IdempotencyConflict):
        set_budget(database, people, "2000", k=k)


def test_no_budget_set_means_the_approval_is_not_held_back(database, people):  # noqa: F811
    a, _, _ = three_in_review(database, people)
    assert approve(database, people["rev"], a, AWARD)["status"] == "approved"
    with UnitOfWork(database) as uow:
        assert uow.session.scalar(select(func.count()).select_from(BudgetLine)) == 0


# -- concurrency ----------------------------------------------------------------------------------

N = 6


def _in_review_for(database, n: int) -> list[int]:
    """N organisations, each with one application in review (its case kept with it, as 免申即享 does)."""
    ids = []
    for i in range(n):
        with UnitOfWork(database, actor="test") as uow:
            org = orgs.create(uow, {**FACTS, "name": f"并发公司{i}", "credit_code": code(100 + i)})
        event = phase3("e1", "p1")
        case = case_with(event, products=1)
        with UnitOfWork(database, actor="test") as uow:
            row = Application(
                organisation_id=org.id,
                measure_id=MEASURE,
                event={**event, "_case": case},
                event_key=apps._event_key(event),
                product_id="p1",
                subject="p1",
                department="市科技局、市财政局",
                status="in_review",
                submitted_facts=apps._facts(event),
                credit_commitment=True,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            uow.session.add(row)
            uow.session.flush()
            ids.append(row.id)
            uow.commit()
    return ids


def test_concurrent_approvals_of_many_organisations_never_over_commit_one_budget(database, people):  # noqa: F811
    set_budget(database, people, "90000000")  # room for three of the six
    app_ids = _in_review_for(database, N)
    barrier = threading.Barrier(N)
    results: list = [None] * N

    def run(i, app_id):
        barrier.wait()
        try:
            with UnitOfWork(database, actor="test") as uow:
                results[i] = apps.approve(
                    uow, people["rev"], get_calculator(), app_id, AWARD, f"conc-{app_id}", today=TODAY
                )
        except Exception as exc:  # noqa: BLE001 - the result
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(app_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(isinstance(r, dict) for r in results), results
    assert sorted(r["status"] for r in results) == ["approved"] * 3 + ["queued"] * 3
    [view] = overview(database, people)
    assert view.committed == Decimal("90000000") and view.queued == Decimal("90000000")
    assert [q.place for q in view.queue] == [1, 2, 3]


def test_approvals_and_budget_raises_at_once_never_deadlock_nor_over_commit(database, people):
    set_budget(database, people, "30000000")
    app_ids = _in_review_for(database, 4)
    jobs = [
        (apps.approve, (get_calculator(), a, AWARD, f"mix-{a}"), {"today": TODAY}, people["rev"])
        for a in app_ids
    ] + [
        (
            budgets.set_budget,
            (get_calculator(), MEASURE, 2026, "city", amount, f"raise-{amount}"),
            {},
            people["fin"],
        )
        for amount in ("60000000", "90000000")
    ]
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, fn, args, kw, who):
        barrier.wait()
        try:
            with UnitOfWork(database, actor="test") as uow:
                results[i] = fn(uow, who, *args, **kw)
        except apps.ApplicationError as exc:  # a raise to 60,000,000 after the one to 90,000,000 committed
            results[i] = exc
        except Exception as exc:  # noqa: BLE001 - a deadlock or anything else: the test fails on it
            results[i] = ("unexpected", exc)

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not [r for r in results if isinstance(r, tuple)], results
    [view] = overview(database, people)
    assert view.committed <= view.amount
    # nothing left waiting that the budget could take: the release ran after every raise
    assert not view.queue or view.remaining < view.queue[0].amount
    assert view.committed + view.queued == 4 * AWARD


def test_finance_sees_what_was_paid_against_the_budget(database, people):
    import datetime as dt

    set_budget(database, people, "60000000")
    a, _, _ = three_in_review(database, people)
    approve(database, people["rev"], a, AWARD)
    call(database, people["fin"], apps.credit_check, a, key())
    got = call(
        database, people["fin"], apps.pay, get_calculator(), a, "SJ-9", key(), paid_on=dt.date(2026, 12, 2)
    )
    [view] = overview(database, people)
    assert view.paid == Decimal(got["amount"]) > 0 and view.committed == AWARD
    assert view.remaining == Decimal("30000000")
