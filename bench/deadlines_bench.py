"""Due dates for the watch list: 10,000 products with 20 milestones each (200,000 procedures).

Run: .venv/bin/python bench/deadlines_bench.py [--products 10000] [--milestones 20] [--reps 3]

Each milestone is a regulatory procedure drawn at random from those with a limit (local or
national), started on a random day of 2024-2026, one in five with a clock stop (补正) of one to
twelve weeks, one in ten still paused, one in three completed. As the watch list will, each rule is
resolved once per (procedure, rule); the clock runs per milestone on the shared working-day
calendar, without the Chinese steps (a list shows dates and statuses; a product page explains one). Loading the corpus and the rules is not timed. Results go to bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import date, timedelta

from biopolicy.corpus.loader import load_corpus
from biopolicy.engine.calendar import WorkingCalendar
from biopolicy.engine.deadlines import ClockStop, Status, deadline_for
from biopolicy.rules.calendar import load_schedules
from biopolicy.rules.time_limits import load_time_limits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    limits = load_time_limits(load_corpus())
    calendar = WorkingCalendar(load_schedules())
    procedures = [
        p
        for p in limits.procedures
        if (rule := limits.applicable(p, date(2026, 1, 1))) is not None and limits.resolve(rule) is not None
    ]
    rng = random.Random(11)
    today = date(2026, 12, 1)
    work = []
    for _ in range(args.products * args.milestones):
        procedure = rng.choice(procedures)
        started = date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        stops = ()
        if rng.random() < 0.2:
            stop = started + timedelta(days=rng.randrange(1, 40))
            paused = rng.random() < 0.1
            stops = (ClockStop(stop, None if paused else stop + timedelta(days=rng.randrange(7, 85))),)
        completed = started + timedelta(days=rng.randrange(20, 300)) if rng.random() < 0.33 else None
        work.append((procedure, started, stops, completed))

    resolved = {}  # (procedure, rule id) -> (resolved limit, supplement, citation)

    def run() -> dict[Status, int]:
        counts: dict[Status, int] = {}
        for procedure, started, stops, completed in work:
            rule = limits.applicable(procedure, started)
            key = (procedure, rule.id)
            if key not in resolved:
                resolved[key] = (limits.resolve(rule), limits.supplement_of(rule), rule.id)
            limit, supplement, rule_id = resolved[key]
            d = deadline_for(
                calendar,
                limit,
                started,
                on=today,
                stops=stops,
                completed=completed,
                supplement=supplement,
                procedure=procedure,
                rule_id=rule_id,
                explain=False,
            )
            counts[d.status] = counts.get(d.status, 0) + 1
        return counts

    run()  # warm: index the calendar's years
    times, cpu = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        counts = run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    n = len(work)
    print(f"{n} due dates ({args.products} products x {args.milestones} milestones), {args.reps} runs")
    print(
        f"wall: best {min(times):.3f} s, median {statistics.median(times):.3f} s, {min(times) / n * 1e6:.2f} us each"
    )
    print(
        f"cpu:  best {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s (process time: what the load of others does not add)"
    )
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("statuses:", {s.value: c for s, c in sorted(counts.items())})


if __name__ == "__main__":
    main()
