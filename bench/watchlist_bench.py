"""The watch list's due dates through the service: 10,000 products x 20 milestones each.

Run: .venv/bin/python bench/watchlist_bench.py [--products 10000] [--milestones 20] [--reps 3]

Unlike bench/deadlines_bench.py (the engine alone), this goes through services/watchlist.py:
``Clock.due`` (the rule in force on the start date, resolved once per rule and kept, its citation,
clauses, notes and whether its baseline was confirmed) and ``due_dates`` over rows shaped as the
milestone table gives them (procedure, started, completed, clock stops). Each product has the 20
milestones of a journey; the regulatory ones draw a procedure of the product's regime that has a
limit, start on a random day of 2024-2026, one in five with a clock stop (补正) of one to twelve
weeks, one in ten still paused, one in three completed. Loading the corpus and the rules is not
timed, nor is the database read (measured in bench/storage_bench.py). Results: bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import date, timedelta

from biopolicy.engine.deadlines import ClockStop
from biopolicy.services import watchlist as wl


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    clock = wl.get_clock()
    limits = clock.limits
    with_limit = {
        regime: [
            p
            for p, proc in limits.procedures.items()
            if proc.regime.value == regime
            and (rule := limits.applicable(p, date(2026, 1, 1))) is not None
            and limits.resolve(rule) is not None
        ]
        for regime in ("drug", "device")
    }
    rng = random.Random(11)
    today = date(2026, 12, 1)
    rows = []
    for _ in range(args.products):
        regime = rng.choice(("drug", "device"))
        for _ in range(args.milestones):
            procedure = rng.choice(with_limit[regime])
            started = date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365))
            stops: tuple[ClockStop, ...] = ()
            if rng.random() < 0.2:
                stop = started + timedelta(days=rng.randrange(1, 40))
                paused = rng.random() < 0.1
                stops = (ClockStop(stop, None if paused else stop + timedelta(days=rng.randrange(7, 85))),)
            completed = started + timedelta(days=rng.randrange(20, 300)) if rng.random() < 0.33 else None
            rows.append((procedure, started, completed, stops))

    wl.due_dates(clock, rows, today)  # warm: index the calendar's years, resolve the rules
    times, cpu = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        found = wl.due_dates(clock, rows, today)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    n = len(rows)
    counts: dict[str, int] = {}
    for d in found:
        counts[d.status.value] = counts.get(d.status.value, 0) + 1
    print(f"{n} due dates ({args.products} products x {args.milestones} milestones), {args.reps} runs")
    print(
        f"wall: best {min(times):.3f} s, median {statistics.median(times):.3f} s, {min(times) / n * 1e6:.2f} us each"
    )
    print(f"cpu:  best {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("statuses:", dict(sorted(counts.items())))


if __name__ == "__main__":
    main()
