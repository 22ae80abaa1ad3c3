"""The health commission's overview through the service: 300 hospitals' records read from the database,
compliance computed for 3 years, sorted missed first (services/duties.commission_overview).

Run: .venv/bin/python bench/duties_service_bench.py [--hospitals 300] [--reps 5] [--database-url URL]

Same population as bench/compliance_bench.py (one in three in Xiamen; ethics and reception days about
monthly, committees about quarterly, 10% skipped), written straight into a fresh SQLite file (or the
database given, which must be empty at the newest migration), with the two catalogues' versions
published. Today is 2026-12-01; the span starts 2024-01-01. Timed: the whole service call (queries,
engine, sorting, the output models), not the set-up.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta

from biopolicy.domain.places import CITIES
from biopolicy.engine.compliance import add_months
from biopolicy.rules.obligations import Grade, RecordKind
from biopolicy.services import duties
from biopolicy.services.accounts import Principal, RoleView
from biopolicy.services.library import get_library
from biopolicy.storage import migrate
from biopolicy.storage.db import Database
from biopolicy.storage.duty_models import CatalogueVersion, DutyRecord, HospitalProfile
from biopolicy.storage.models import Organisation
from biopolicy.storage.uow import UnitOfWork

TODAY = date(2026, 12, 1)
START = date(2024, 1, 1)
COMMISSION = Principal(
    user_id=0, login="bench", display_name="bench", organisation_id=None, organisation_name=None,
    roles=[RoleView(role="reviewer", label="审核人员", department="市卫健委")],
)  # fmt: skip


def populate(db: Database, n: int) -> int:
    rng = random.Random(12)
    grades = [Grade.tertiary] * 3 + [Grade.secondary] * 4 + [Grade.primary] * 2 + [Grade.ungraded]
    others = [c for c in CITIES if c != "厦门市"]
    pubs = [("national-insurance-drugs", date(2024, 1, 1)), ("national-insurance-drugs", date(2025, 1, 1)),
            ("xm-new-products", date(2025, 9, 30)), ("xm-new-products", date(2026, 1, 31))]  # fmt: skip
    count = 0
    with UnitOfWork(db, actor="bench") as uow:
        for code, on in pubs:
            uow.session.add(CatalogueVersion(catalogue=code, label=on.isoformat(), published_on=on))
        for i in range(n):
            org = Organisation(credit_code=f"B{i:017d}", name=f"医院{i:03d}", kind="medical_institution",
                               province="福建省", city="厦门市" if i % 3 == 0 else rng.choice(others))  # fmt: skip
            uow.session.add(org)
            uow.session.flush()
            uow.session.add(HospitalProfile(organisation_id=org.id, grade=rng.choice(grades).value,
                                            public=rng.random() < 0.8, runs_trials=rng.random() < 0.5))  # fmt: skip
            days: dict[RecordKind, set[date]] = {k: set() for k in RecordKind}
            month = START
            while month < TODAY:
                for kind in (RecordKind.ethics_committee, RecordKind.reception_day):
                    if rng.random() > 0.1:
                        days[kind].add(month + timedelta(days=rng.randrange(28)))
                if month.month in (2, 5, 8, 11):
                    for kind in (RecordKind.pharmacy_committee, RecordKind.device_committee):
                        if rng.random() > 0.1:
                            days[kind].add(month + timedelta(days=rng.randrange(28)))
                month = add_months(month, 1)
            for _, on in pubs:
                if rng.random() > 0.2:
                    days[RecordKind.pharmacy_committee].add(on + timedelta(days=rng.randrange(1, 28)))
            rows = [DutyRecord(organisation_id=org.id, kind=k.value, held_on=d)
                    for k, ds in days.items() for d in sorted(ds) if d < TODAY]  # fmt: skip
            uow.session.add_all(rows)
            count += len(rows)
        uow.commit()
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hospitals", type=int, default=300)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    migrate.upgrade(url)
    db = Database(url)
    corpus = get_library().corpus
    n = populate(db, args.hospitals)

    def run():
        with UnitOfWork(db, actor="bench", read_only=True) as uow:
            return duties.commission_overview(uow, COMMISSION, corpus, on=TODAY, since=START)

    run()  # warm: the rules load once per corpus
    times, cpu = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        view = run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(
        f"{args.hospitals} hospitals, {n} records, {START} to {TODAY}: {len(view.periods)} duty-periods shown"
    )
    print(f"wall: best {min(times):.3f} s, median {statistics.median(times):.3f} s ({db.backend})")
    print(f"cpu:  best {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s (process time)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; counts {view.counts}")


if __name__ == "__main__":
    main()
