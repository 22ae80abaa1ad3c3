"""Assess latency and throughput: in-process and over HTTP.

Run: .venv/bin/python bench/assess_bench.py [--reps 500] [--cases 100000] [--http-reps 300]

- typical case: one Xiamen enterprise, one drug, three events (Phase II, consistency evaluation,
  a talent recruited) and one prior award;
- large case: the same applicant with 30 events over five products and two years, so ceilings,
  overlaps and instalments all work;
- throughput: 100,000 generated cases (random city, applicant kind, one to five events of any
  catalogued type with random attributes), one after another in one process;
- HTTP: POST /api/v1/assess to a uvicorn server started in a subprocess on a free port.
Results go to bench/README.md by hand, with the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from biopolicy.services.calculator import get_calculator

ROOT = Path(__file__).resolve().parents[1]


def typical_case() -> dict:
    return {
        "applicant": {"kind": "enterprise", "name": "厦门甲药业", "city": "厦门市", "district": "海沧区"},
        "products": [
            {"id": "p1", "type": "chemical", "registration_class": "1"},
            {"id": "p2", "type": "chemical", "registration_class": "4"},
        ],
        "events": [
            {
                "id": "e1",
                "type": "clinical_stage_completed",
                "date": "2025-06-30",
                "product_id": "p1",
                "stage": "phase_2",
                "rd_investment": "30000000",
                "transferred_city": "厦门市",
            },
            {
                "id": "e2",
                "type": "consistency_evaluation_passed",
                "date": "2025-08-01",
                "product_id": "p2",
                "rank": "top_three",
                "evaluation_cost": "6000000",
            },
            {
                "id": "e3",
                "type": "talent_recruited",
                "date": "2025-09-01",
                "subject": "张三",
                "recruited_on": "2024-03-01",
            },
        ],
        "prior_awards": [{"measure_id": "xm-2023/m1-clinical", "amount": "4000000", "date": "2025-01-10"}],
        "as_of": "2025-10-01",
    }


def large_case() -> dict:
    case = typical_case()
    case["products"] = [{"id": f"p{i}", "type": "biologic", "registration_class": "1"} for i in range(1, 6)]
    stages = ["preclinical", "phase_1", "phase_2", "phase_3", "overseas_clinical", "phase_3"]
    events = []
    day = date(2025, 1, 5)
    for i in range(30):
        events.append(
            {
                "id": f"e{i:02d}",
                "type": "clinical_stage_completed",
                "date": (day + timedelta(days=23 * i)).isoformat(),
                "product_id": f"p{i % 5 + 1}",
                "stage": stages[i % len(stages)],
                "rd_investment": str(5_000_000 * (i % 7 + 1)),
                "transferred_city": "厦门市",
            }
        )
    case["events"] = events
    case["as_of"] = "2026-12-31"
    return case


def generated_cases(n: int, seed: int = 7):
    calc = get_calculator()
    rng = random.Random(seed)
    types = list(calc.catalogue.events.values())
    cities = ["厦门市", "福州市", "泉州市", "三明市"]
    kinds = ["enterprise", "medical_institution", "association", "platform"]
    for k in range(n):
        events = []
        for i in range(rng.randint(1, 5)):
            et = rng.choice(types)
            event = {
                "id": f"e{i}",
                "type": et.name,
                "date": str(date(2024, 1, 1) + timedelta(days=rng.randint(0, 1000))),
            }
            event["product_id"] = "p1"
            for name, spec in et.attributes.items():
                if rng.random() < 0.2:
                    continue
                event[name] = _value(spec, rng)
            events.append(event)
        yield {
            "applicant": {"kind": rng.choice(kinds), "name": f"申请人{k}", "city": rng.choice(cities)},
            "products": [
                {"id": "p1", "type": "chemical", "registration_class": rng.choice(["1", "2", "3", "4"])}
            ],
            "events": events,
            "as_of": "2025-06-30",
        }


def _value(spec, rng):
    t = spec.type.value
    if t == "money":
        return str(rng.randint(0, 200) * 500_000)
    if t == "int":
        return rng.randint(0, 6)
    if t == "bool":
        return rng.random() < 0.7
    if t == "date":
        return str(date(2022, 1, 1) + timedelta(days=rng.randint(0, 1300)))
    if t == "enum":
        return rng.choice(list(spec.values))
    if t == "decimal":
        return str(rng.randint(0, 100))
    return "x"


def timed(fn, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def row(name: str, values: list[float], note: str = "") -> None:
    print(
        f"| {name:<28} | {len(values):>7} | {statistics.median(values):>9.3f} | {pct(values, 0.99):>9.3f} | {note}"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_bench(reps: int) -> None:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "biopolicy.web.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(url + "/api/v1/documents", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        headers = {"content-type": "application/json"}
        with httpx.Client(base_url=url, timeout=10, headers=headers) as client:
            for name, case in (("typical", typical_case()), ("large (30 events)", large_case())):
                body = json.dumps(case)
                client.post("/api/v1/assess", content=body)
                values = timed(
                    lambda b=body: client.post(
                        "/api/v1/assess", content=b, headers=headers
                    ).raise_for_status(),
                    reps,
                )
                row(f"HTTP {name}", values, "POST /api/v1/assess, one client")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--http-reps", type=int, default=300)
    args = parser.parse_args()
    calc = get_calculator()
    print(
        f"rules {calc.rules.version}: {len(calc.rules.measures)} measures, {len(calc.rules.caps)} caps, {len(calc.rules.overlaps)} overlaps"
    )
    print("| step                         |    runs |    p50 ms |    p99 ms | note")
    print("|------------------------------|---------|-----------|-----------|------")
    for name, case in (("in-process typical", typical_case()), ("in-process large (30 ev.)", large_case())):
        calc.assess(case)
        row(name, timed(lambda c=case: calc.assess(c), args.reps))
    cases = list(generated_cases(args.cases))
    start = time.perf_counter()
    errors = 0
    for case in cases:
        try:
            calc.assess(case)
        except ValueError:
            errors += 1
    elapsed = time.perf_counter() - start
    print(
        f"\nthroughput: {len(cases)} generated cases in {elapsed:.1f} s = {len(cases) / elapsed:,.0f} cases/s ({errors} refused as invalid)\n"
    )
    http_bench(args.http_reps)


if __name__ == "__main__":
    main()
