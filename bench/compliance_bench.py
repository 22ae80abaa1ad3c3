"""Compliance for the health commission's view: 300 hospitals over 3 years, every duty and period.

Run: .venv/bin/python bench/compliance_bench.py [--hospitals 300] [--reps 5]

Hospitals: one in three in Xiamen (the xm-2025-1 13 duties), the rest spread over the other cities;
grades tertiary / secondary / primary / ungraded in 3:4:2:1, four in five public, half running drug
or device trials. Records from 2024-01-01 to 2026-11-30: ethics meetings and reception days about
monthly, pharmacy and device committees about quarterly, each period skipped with a 10% chance
(so every status occurs), plus a pharmacy meeting within the month after most catalogue
publications (four in the span). Today is 2026-12-01; the view covers 2024-01-01 to today and is
sorted missed first, with reminders for periods ending within 31 days. Loading the corpus and the rules is not timed. Results go to bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import date, timedelta

from biopolicy.corpus.loader import load_corpus
from biopolicy.domain.places import CITIES
from biopolicy.engine.compliance import (
    Institution,
    Publication,
    Record,
    add_months,
    check_records,
    compliance_overview,
    missed_first,
)
from biopolicy.rules.obligations import Grade, RecordKind, load_obligations

TODAY = date(2026, 12, 1)
START = date(2024, 1, 1)


def _months(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d = add_months(d, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hospitals", type=int, default=300)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    rules = load_obligations(load_corpus())
    rng = random.Random(12)
    grades = [Grade.tertiary] * 3 + [Grade.secondary] * 4 + [Grade.primary] * 2 + [Grade.ungraded]
    others = [c for c in CITIES if c != "厦门市"]
    hospitals = [
        Institution(
            id=f"H{i:03d}",
            name=f"医院{i:03d}",
            grade=rng.choice(grades),
            public=rng.random() < 0.8,
            runs_trials=rng.random() < 0.5,
            city="厦门市" if i % 3 == 0 else rng.choice(others),
        )
        for i in range(args.hospitals)
    ]
    publications = [
        Publication("national-insurance-drugs", date(2024, 1, 1), "2023年版"),
        Publication("national-insurance-drugs", date(2025, 1, 1), "2024年版"),
        Publication("xm-new-products", date(2025, 9, 30), "第一批"),
        Publication("xm-new-products", date(2026, 1, 31), "第二批"),
    ]
    records: list[Record] = []
    last = TODAY - timedelta(days=1)
    for h in hospitals:
        days: dict[RecordKind, set[date]] = {k: set() for k in RecordKind}
        for month in _months(START, last):
            for kind in (RecordKind.ethics_committee, RecordKind.reception_day):
                if rng.random() > 0.1:
                    days[kind].add(month + timedelta(days=rng.randrange(28)))
            if month.month in (2, 5, 8, 11):
                for kind in (RecordKind.pharmacy_committee, RecordKind.device_committee):
                    if rng.random() > 0.1:
                        days[kind].add(month + timedelta(days=rng.randrange(28)))
        for p in publications:
            if rng.random() > 0.2:
                days[RecordKind.pharmacy_committee].add(p.date + timedelta(days=rng.randrange(1, 28)))
        records += [Record(h.id, k, d) for k, ds in days.items() for d in sorted(ds) if d <= last]
    check_records(records, on=TODAY, institutions=[h.id for h in hospitals])

    def run():
        view = compliance_overview(
            hospitals, rules, records, publications, on=TODAY, start=START, remind_within=31
        )
        return view, missed_first(view)

    run()  # warm
    times, cpu = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        view, rows = run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    counts: dict[str, int] = {}
    for p in rows:
        counts[p.status.value] = counts.get(p.status.value, 0) + 1
    reminders = sum(len(c.reminders) for c in view)
    print(f"{len(hospitals)} hospitals, {len(records)} records, {START} to {TODAY}: {len(rows)} duty-periods")
    print(f"wall: best {min(times):.3f} s, median {statistics.median(times):.3f} s")
    print(f"cpu:  best {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s (process time)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("statuses:", dict(sorted(counts.items())), "reminders:", reminders)


if __name__ == "__main__":
    main()
