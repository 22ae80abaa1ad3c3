"""An approval's ledger check (engine + ledger) on PostgreSQL: 1,000 organisations of 10 awards each.

Run: .venv/bin/python bench/ledger_bench.py [--orgs 1000] [--awards 10] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

A database of its own is created on the server (and dropped at the end), upgraded to the newest
migration, and filled: per organisation 10 awards of xm-2023/m1-clinical over five products and
2024–2026 (1,000,000元 each, so the product and yearly ceilings are all in play) and one application
in review (a class-1 drug's phase III in 2026). The setup writes through the storage models in one
transaction per 100 organisations (audited, as always); it is not timed.

Timed, once per organisation, in its own transaction: what ``applications.approve`` does before it
writes — lock the organisation (``SELECT … FOR UPDATE``), read its awards, build the case and run
the engine (``applications.verdict``); then roll back. p50 / p99 / max in ms. Target: p99 ≤ 50 ms.
Results go to bench/README.md by hand, with the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import uuid
from decimal import Decimal

import psycopg
from sqlalchemy.engine import make_url

from biopolicy.services import applications as apps
from biopolicy.services.calculator import get_calculator
from biopolicy.storage import migrate
from biopolicy.storage.db import Database
from biopolicy.storage.ledger_models import Application, Award
from biopolicy.storage.models import Organisation
from biopolicy.storage.uow import UnitOfWork

CASE = {
    "applicant": {"kind": "enterprise", "name": "厦门某药业", "city": "厦门市"},
    "products": [{"id": f"p{i}", "type": "chemical", "registration_class": "1"} for i in range(1, 7)],
}
EVENT = {
    "id": "e1",
    "type": "clinical_stage_completed",
    "date": "2026-06-01",
    "product_id": "p6",
    "stage": "phase_3",
    "rd_investment": "90000000",
    "transferred_city": "厦门市",
}


def fill(database: Database, orgs: int, awards: int) -> list[tuple[int, int]]:
    """(organisation id, application id) for each organisation created."""
    out = []
    for start in range(0, orgs, 100):
        with UnitOfWork(database, actor="bench") as uow:
            batch = []
            for n in range(start, min(start + 100, orgs)):
                org = Organisation(
                    credit_code=f"91350200{n:010d}", name=f"厦门{n}号药业", kind="enterprise", city="厦门市"
                )
                uow.session.add(org)
                batch.append(org)
            uow.session.flush()
            for n, org in zip(range(start, start + len(batch)), batch, strict=True):
                for k in range(awards):
                    uow.session.add(
                        Award(
                            organisation_id=org.id,
                            product_id=f"p{k % 5 + 1}",
                            subject=f"p{k % 5 + 1}",
                            measure_id="xm-2023/m1-clinical",
                            level="city",
                            amount=Decimal("1000000"),
                            awarded_on=dt.date(2024 + k % 3, 3, 1 + k),
                            evidence="bench",
                        )
                    )
                app = Application(
                    organisation_id=org.id,
                    measure_id="xm-2023/m1-clinical",
                    event={**EVENT, "_case": {**CASE, "applicant": {**CASE["applicant"], "name": org.name}}},
                    event_key=f"bench-{n}",
                    product_id="p6",
                    subject="p6",
                    department="市科技局、市财政局",
                    status="in_review",
                    credit_commitment=True,
                )
                uow.session.add(app)
                uow.session.flush()
                out.append((org.id, app.id))
            uow.commit()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--awards", type=int, default=10)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    name = f"bp_ledger_bench_{uuid.uuid4().hex[:8]}"
    admin = make_url(args.pg).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        database = Database(url)
        calculator = get_calculator()
        t0 = time.perf_counter()
        pairs = fill(database, args.orgs, args.awards)
        print(f"setup: {args.orgs} organisations × {args.awards} awards in {time.perf_counter() - t0:.1f} s")
        today = dt.date(2026, 12, 1)
        times, cpu = [], []
        allowed = set()
        for org_id, app_id in pairs:
            start, cpu_start = time.perf_counter(), time.process_time()
            with UnitOfWork(database, actor="bench") as uow:
                apps.lock_organisation(uow, org_id)
                row = uow.session.get(Application, app_id)
                v = apps.verdict(uow, calculator, row, today)
                uow.rollback()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - cpu_start) * 1000)
            allowed.add(v.allowed)
        times.sort()
        p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
        print(
            f"check (lock + ledger read + engine), {len(times)} organisations: "
            f"p50 {statistics.median(times):.1f} ms, p99 {p(0.99):.1f} ms, max {times[-1]:.1f} ms "
            f"(this process's CPU: p50 {statistics.median(cpu):.1f} ms, p99 {sorted(cpu)[int(0.99 * len(cpu))]:.1f} ms); "
            f"engine allowed {sorted(allowed)}"
        )
        database.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
