"""Storage: import, look-up, listing and audit verification on SQLite and PostgreSQL.

Run: .venv/bin/python bench/storage_bench.py [--orgs 1000] [--reps 300] [--backend sqlite|postgresql|both]

- import: a CSV of N organisations with two products each, through services.organisations
  (checks, duplicates, one transaction, an audit row per organisation and product);
- get: one organisation by credit code with its products (a unit of work per call);
- list: a page of 50 organisations with their products, at a random offset;
- create: one organisation with one product, committed (audit append under its lock);
- verify: recompute the whole audit chain (3 rows per imported organisation plus the creates).
PostgreSQL: the server at BIOPOLICY_TEST_PG_URL, else postgresql://postgres@127.0.0.1:5432/postgres;
the bench makes its own database and drops it. Results go to bench/README.md by hand.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from biopolicy.domain.credit_code import check_character
from biopolicy.services import organisations as orgs
from biopolicy.storage import migrate
from biopolicy.storage.db import Database
from biopolicy.storage.uow import UnitOfWork


def code(n: int) -> str:
    body = f"913502{n:011d}"
    return body + check_character(body)


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def timed(fn, reps: int) -> tuple[float, float]:
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return pct(samples, 50), pct(samples, 99)


def run(url: str, n: int, reps: int, folder: Path) -> list[tuple[str, str]]:
    migrate.upgrade(url)
    db = Database(url)
    csv = folder / "orgs.csv"
    lines = ["名称,统一社会信用代码,类型,市,产品"]
    lines += [f"机构{i},{code(i)},企业,厦门市,药{i}|chemical|1;械{i}|device|II" for i in range(n)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = []

    t = time.perf_counter()
    with UnitOfWork(db, actor="bench") as uow:
        report = orgs.import_file(uow, csv, all_or_nothing=True)
    assert report.imported == n, report.summary
    rows.append((f"import {n} organisations (CSV, one transaction)", f"{time.perf_counter() - t:.2f} s"))

    def get() -> None:
        with UnitOfWork(db) as uow:
            orgs.get(uow, code(random.randrange(n)))

    def page() -> None:
        with UnitOfWork(db) as uow:
            orgs.list_organisations(uow, offset=random.randrange(max(1, n - 50)), limit=50)

    counter = iter(range(n, n + reps + 1))

    def create() -> None:
        i = next(counter)
        with UnitOfWork(db, actor="bench") as uow:
            orgs.create(uow, {"name": f"新机构{i}", "credit_code": code(i), "kind": "enterprise",
                              "products": [{"name": "药", "type": "chemical"}]})  # fmt: skip

    for name, fn in (
        ("get by credit code", get),
        ("list a page of 50", page),
        ("create (commit + audit)", create),
    ):
        p50, p99 = timed(fn, reps)
        rows.append((name, f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"))

    t = time.perf_counter()
    with UnitOfWork(db) as uow:
        chain = uow.audit.verify()
    assert chain.ok
    rows.append((f"audit verify ({chain.rows} rows)", f"{time.perf_counter() - t:.2f} s"))
    db.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            print("## SQLite")
            for name, value in run(f"sqlite:///{folder / 'bench.sqlite3'}", args.orgs, args.reps, folder):
                print(f"| {name} | {value} |")
        if args.backend in ("postgresql", "both"):
            import psycopg

            server = os.environ.get("BIOPOLICY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
            server = make_url(server).set(drivername="postgresql")
            name = f"bp_bench_{uuid.uuid4().hex[:8]}"
            admin = server.render_as_string(hide_password=False)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                print("## PostgreSQL")
                url = server.set(database=name).render_as_string(hide_password=False)
                for row_name, value in run(url, args.orgs, args.reps, folder):
                    print(f"| {row_name} | {value} |")
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
