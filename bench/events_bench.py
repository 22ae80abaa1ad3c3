"""Per-event cost of assessing one case as its events grow: 10 / 100 / 1,000 / 2,000 events.

Run: .venv/bin/python bench/events_bench.py [--runs 5] [--sizes 10,100,1000,2000]

One Xiamen enterprise; half its events are clinical stages of five products (so the awards of
one product share per-product and per-year ceilings, overlaps and once-per-product measures), the
other half cycle through every catalogued event type with attributes drawn from a fixed seed over
one product per five events; the events span four calendar years; two prior awards. The engine's ``assess`` is called in-process on the parsed case (the same rules and
catalogue every time); each size is assessed ``--runs`` times and the median is reported, divided
by the number of events. The ratios compare each size's per-event cost with the smallest size's.
Target (issue 8 §3): per-event cost at 10 / 100 / 1,000 events within 1.5x of each other.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from datetime import date, timedelta

from biopolicy.engine.assess import assess
from biopolicy.services.calculator import get_calculator, parse_case


def _value(spec, rng: random.Random):
    t = spec.type.value
    if t == "money":
        return str(rng.randint(1, 200) * 500_000)
    if t == "int":
        return rng.randint(0, 6)
    if t == "bool":
        return rng.random() < 0.7
    if t == "date":
        return str(date(2022, 1, 1) + timedelta(days=rng.randint(0, 1300)))
    if t == "enum":
        return rng.choice(sorted(spec.values))
    if t == "decimal":
        return str(rng.randint(0, 100))
    return "x"


def case_with(n: int, seed: int = 11) -> dict:
    calc = get_calculator()
    rng = random.Random(seed)
    types = sorted(calc.catalogue.events.values(), key=lambda t: t.name)
    classes = ["1", "2", "3", "4", "III"]
    kinds = ["chemical", "biologic", "tcm", "chemical", "device"]
    products = [
        {"id": f"p{i}", "type": kinds[i % 5], "registration_class": classes[i % 5]}
        for i in range(max(5, n // 5))
    ]
    stages = ["preclinical", "phase_1", "phase_2", "phase_3", "overseas_clinical", "phase_3"]
    events = []
    for i in range(n):
        when = str(date(2024, 1, 1) + timedelta(days=(i * 1461) // max(n, 1)))
        if i % 2 == 0:  # half: clinical stages of five products, so their awards share buckets
            events.append(
                {
                    "id": f"e{i:05d}",
                    "type": "clinical_stage_completed",
                    "date": when,
                    "product_id": f"p{i % 5}",
                    "stage": stages[(i // 2) % len(stages)],
                    "rd_investment": str(5_000_000 * (i % 7 + 1)),
                    "transferred_city": "厦门市",
                }
            )
            continue
        et = types[(i // 2) % len(types)]
        event = {
            "id": f"e{i:05d}",
            "type": et.name,
            "date": when,
            "product_id": products[i % len(products)]["id"],
        }
        for name, spec in et.attributes.items():
            if rng.random() < 0.9:
                event[name] = _value(spec, rng)
        events.append(event)
    prior = [
        {"measure_id": "xm-2023/m1-clinical", "amount": "4000000", "date": "2024-01-10", "product_id": "p0"},
        {"programme": "国家重大新药创制专项", "amount": "1000000", "date": "2024-02-01", "subject": "p0"},
    ]
    return {
        "applicant": {"kind": "enterprise", "name": "厦门甲药业", "city": "厦门市", "district": "海沧区"},
        "products": products,
        "events": events,
        "prior_awards": prior,
        "as_of": "2027-12-31",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10,100,1000,2000")
    args = parser.parse_args()
    calc = get_calculator()
    gc.collect()
    gc.freeze()  # as the app does after loading: collections then skip the corpus and the rules
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"rules {calc.rules.version}: {len(calc.rules.measures)} measures, {len(calc.rules.caps)} caps")
    print("| events | runs | median s | per event ms | ratio to first |")
    print("|-------:|-----:|---------:|-------------:|---------------:|")
    first = None
    for n in sizes:
        case = parse_case(case_with(n))
        assess(case, calc.rules, calc.catalogue)  # warm-up
        runs = []
        for _ in range(max(1, args.runs if n <= 1000 else max(1, args.runs // 2 + 1))):
            gc.collect()  # each run starts without the previous run's garbage
            start = time.perf_counter()
            assess(case, calc.rules, calc.catalogue)
            runs.append(time.perf_counter() - start)
        median = statistics.median(runs)
        per_event = median / n * 1000
        first = first or per_event
        print(
            f"| {n:>6} | {len(runs):>4} | {median:>8.3f} | {per_event:>12.3f} | {per_event / first:>14.2f} |"
        )


if __name__ == "__main__":
    main()
