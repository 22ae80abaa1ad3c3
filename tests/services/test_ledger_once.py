"""Exactly once: concurrent approvals never pass a ceiling nor pay twice; any order of approvals,
replays and payments keeps the ledger within every ceiling, pays no more than approved, each
instalment exactly its share and not before its year, and a replay changes nothing.

Ceiling used: xm-2023/interp/5 — one enterprise's clinical awards in a year at most 100,000,000元
(the engine's applicant_year cap on xm-2023/m1-clinical). A prior award of 95,000,000元 in 2026
leaves 5,000,000元 for the year, whatever the product.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from tests.services.test_applications import (
    TODAY,
    call,
    case_with,
    in_review,
    key,
    people,  # noqa: F401 - the fixture
    phase3,
    prior,
    saved,
    talent_case,
)

from biopolicy.services import applications as apps
from biopolicy.services.calculator import get_calculator
from biopolicy.storage.db import Database
from biopolicy.storage.ledger_models import Application, Award, Payment
from biopolicy.storage.models import AuditLog
from biopolicy.storage.uow import UnitOfWork

YEAR_CAP = Decimal("100000000")
PRODUCT_CAP = Decimal("60000000")
THREADS = 8


def _run_at_once(jobs):
    """Run the callables in threads released together; each result or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - the refusal is the result
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _approver(database, who, app_id, amount, k):
    def job():
        with UnitOfWork(database, actor=who.actor) as uow:
            return apps.approve(uow, who, get_calculator(), app_id, amount, k, today=TODAY)

    return job


def _awarded(database) -> Decimal:
    with UnitOfWork(database) as uow:
        return uow.session.scalar(select(func.coalesce(func.sum(Award.amount), 0)))


def test_concurrent_approvals_for_one_organisation_never_pass_the_yearly_ceiling(database, people):  # noqa: F811
    prior(database, people, "95000000", date="2026-01-15", product="p8")
    case_id = saved(database, people["a1"], case_with(*(phase3(f"e{i}", f"p{i}") for i in range(1, THREADS))))
    app_ids = [in_review(database, people, case_id, f"e{i}") for i in range(1, THREADS)]
    # seven reviewers' approvals of 5,000,000 each, one per product, and a double click on the first
    jobs = [_approver(database, people["rev"], a, "5000000", key()) for a in app_ids]
    jobs.append(_approver(database, people["rev2"], app_ids[0], "5000000", key()))
    results = _run_at_once(jobs)
    approved = [r for r in results if isinstance(r, dict) and r["status"] == "approved"]
    refused = [r for r in results if isinstance(r, apps.ApplicationError)]
    assert len(approved) == 1 and len(refused) == THREADS - 1, results
    assert _awarded(database) == Decimal("100000000")  # 95,000,000 prior + 5,000,000: the cap, not past it


def test_a_double_clicked_approval_and_a_retried_payment_write_once(database, people):  # noqa: F811
    case_id = saved(database, people["a1"], talent_case())
    app_id = in_review(database, people, case_id, "t1", measure="xm-2023/m20-talent")
    k = key()
    results = _run_at_once([_approver(database, people["rev"], app_id, "800000", k) for _ in range(THREADS)])
    assert all(isinstance(r, dict) for r in results), results
    assert sorted(r["replayed"] for r in results) == [False] + [True] * (THREADS - 1)
    assert _awarded(database) == Decimal("800000")
    call(database, people["fin"], apps.credit_check, app_id, key())
    k = key()

    def pay():
        with UnitOfWork(database, actor=people["fin"].actor) as uow:
            return apps.pay(uow, people["fin"], get_calculator(), app_id, "SJ-1", k)

    results = _run_at_once([pay for _ in range(THREADS)])
    assert all(isinstance(r, dict) and r["instalment"] == 1 for r in results), results
    with UnitOfWork(database) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Payment)) == 1


# -- the property -------------------------------------------------------------------------------

APPS = 4
_built: dict[str, tuple[Path, list[int]]] = {}


@pytest.fixture
def ledger_template(sqlite_template, tmp_path_factory):
    """A SQLite database with four applications in review (three clinical awards, one talent subsidy
    paid in three instalments) and 90,000,000元 of 2026 awards (built once)."""
    if "db" not in _built:
        path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"
        shutil.copyfile(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        staff = _people(database)
        prior(database, staff, "90000000", date="2026-01-15", product="p8")
        case_id = saved(
            database, staff["a1"], case_with(*(phase3(f"e{i}", f"p{i}") for i in range(1, APPS + 1)))
        )
        ids = [in_review(database, staff, case_id, f"e{i}") for i in range(1, APPS)]
        # the last: xm-2023 （二十） 40% / 30% / 30% over 2026, 2027 and 2028 (the event is of 2026)
        talent = saved(database, staff["a1"], talent_case())
        ids.append(in_review(database, staff, talent, "t1", measure="xm-2023/m20-talent"))
        database.dispose()
        _built["db"] = (path, ids)
        _built["people"] = staff
    return _built["db"], _built["people"]


def _people(database):
    from tests.services.test_organisations import FACTS

    from biopolicy.services import accounts
    from biopolicy.services import organisations as orgs

    with UnitOfWork(database, actor="test") as uow:
        a = orgs.create(uow, FACTS)
    out = {"org_a": a.id}
    for login, org, roles in [
        ("a1", a.id, [("applicant", "")]),
        ("rev", None, [("reviewer", "市科技局")]),
        ("fin", None, [("finance", "")]),
        ("adm", None, [("administrator", "")]),
    ]:
        with UnitOfWork(database, actor="test") as uow:
            accounts.create_user(
                uow, f"u-{login}", login, password="correct-horse-42", organisation=org, roles=roles
            )
            out[login] = accounts.authenticate(uow, f"u-{login}", "correct-horse-42")
    return out


# payment dates on both sides of each instalment year's first day
PAY_DAYS = [dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2027, 12, 31), dt.date(2028, 1, 1)]
operation = st.one_of(
    st.tuples(
        st.just("approve"),
        st.integers(0, APPS - 1),
        st.sampled_from(["500000", "800000", "1000000", "4000000", "6000000"]),
    ),
    st.tuples(st.just("pay"), st.integers(0, APPS - 1), st.sampled_from(PAY_DAYS)),
    st.tuples(st.just("replay"), st.integers(0, 50), st.just("")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_any_order_of_approvals_replays_and_payments_keeps_every_ceiling(ledger_template, tmp_path, ops):
    (template, ids), staff = ledger_template
    path = tmp_path / f"example-{key()}.sqlite3"
    shutil.copyfile(template, path)
    database = Database(f"sqlite:///{path}")
    done: list[tuple] = []  # (callable, first answer) of requests that succeeded
    try:
        for op, i, amount in ops:
            if op == "replay":
                if not done:
                    continue
                again, first = done[i % len(done)]
                before = _count(database, AuditLog)
                assert again() == {**first, "replayed": True}
                assert _count(database, AuditLog) == before
                continue
            if op == "approve":
                k = key()

                def request(a=ids[i], amt=amount, k=k):
                    with UnitOfWork(database, actor="rev") as uow:
                        return apps.approve(uow, staff["rev"], get_calculator(), a, amt, k, today=TODAY)

            else:
                with contextlib.suppress(apps.ApplicationError):  # refused unless payable
                    call(database, staff["fin"], apps.credit_check, ids[i], key())
                k = key()

                def request(a=ids[i], k=k, on=amount):
                    with UnitOfWork(database, actor="fin") as uow:
                        return apps.pay(
                            uow, staff["fin"], get_calculator(), a, f"SJ-{k}", k, paid_on=on, today=on
                        )

            with contextlib.suppress(apps.ApplicationError):  # a refusal is an outcome too
                done.append((request, request()))
            _invariants(database)
    finally:
        database.dispose()
        path.unlink(missing_ok=True)


def _count(database, model) -> int:
    with UnitOfWork(database) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def _invariants(database) -> None:
    with UnitOfWork(database) as uow:
        awards = uow.session.scalars(select(Award)).all()
        in_2026 = sum((a.amount for a in awards if a.awarded_on.year == 2026), Decimal(0))
        assert in_2026 <= YEAR_CAP
        for product in {a.product_id for a in awards if a.application_id}:
            assert sum((a.amount for a in awards if a.product_id == product), Decimal(0)) <= PRODUCT_CAP
        approved = {a.application_id: a.amount for a in awards if a.application_id}
        paid: dict[int, Decimal] = {}
        for p in uow.session.scalars(select(Payment)):
            paid[p.application_id] = paid.get(p.application_id, Decimal(0)) + p.amount
            # an instalment is its share of the approved amount, paid no earlier than its year
            row = uow.session.get(Application, p.application_id)
            plan = apps.instalment_plan(get_calculator().rules.measures[row.measure_id], approved[row.id])
            assert p.amount == plan[p.instalment - 1]
            year = apps.instalment_year(row.event, p.instalment, len(plan))
            assert year is None or p.paid_on.year >= year
        for app_id, total in paid.items():
            assert total <= approved[app_id]
