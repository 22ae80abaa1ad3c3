"""Log-in and listing an organisation's saved cases, at 1,000 organisations with 20 cases each.

Run: .venv/bin/python bench/cases_bench.py [--orgs 1000] [--cases 20] [--reps 300]
                                           [--backend sqlite|postgresql|both]

Set-up (not timed): N organisations imported through services.organisations; one applicant per
organisation; 20 saved cases per organisation. The first user and the first case go through the
services (argon2 hash, a real assessment); the rest are bulk copies of those rows (same password
hash, same version payload, own ids), so the tables hold what 20,000 saves would leave.

Timed, wall p50 / p99 and this process's CPU time p50 over --reps random organisations:
- log-in: services.accounts.authenticate (argon2 verification, lock-out bookkeeping) + start_session,
  one unit of work each, as POST /login does;
- list (service): services.cases.list_cases for one organisation's member (a page of 50 = all 20);
- list (HTTP): GET /api/v1/cases through the app (session cookie resumed, JSON rendered), in-process.
PostgreSQL: BIOPOLICY_TEST_PG_URL, else postgresql://postgres@127.0.0.1:5432/postgres; the bench makes
its own database and drops it. Results go to bench/README.md by hand.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from biopolicy.services import accounts, cases
from biopolicy.services import organisations as orgs
from biopolicy.services.calculator import get_calculator
from biopolicy.storage import migrate
from biopolicy.storage.db import Database
from biopolicy.storage.models import RoleAssignment, SavedCase, SavedCaseVersion, User
from biopolicy.storage.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-42"
CASE = json.loads((ROOT / "docs/examples/xm-enterprise-phase2-talent.case.json").read_text())


def code(n: int) -> str:
    from biopolicy.domain.credit_code import check_character

    body = f"913502{n:011d}"
    return body + check_character(body)


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def timed(fn, reps: int) -> tuple[float, float, float]:
    """Wall p50 and p99, and this process's CPU time p50 (ms): on a shared machine the wall figures
    follow the load; the CPU figure does not (the database server's own work is not in it)."""
    samples, cpu = [], []
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        fn()
        samples.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return pct(samples, 50), pct(samples, 99), pct(cpu, 50)


def populate(db: Database, folder: Path, n: int, per: int) -> list[int]:
    csv = folder / "orgs.csv"
    lines = ["名称,统一社会信用代码,类型,市,区,产品"]
    lines += [f"机构{i},{code(i)},企业,厦门市,海沧区,药{i}|chemical|1" for i in range(n)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with UnitOfWork(db, actor="bench") as uow:
        report = orgs.import_file(uow, csv, all_or_nothing=True)
        assert report.imported == n, report.summary
        org_ids = [o.id for o in orgs.list_organisations(uow, offset=0, limit=n).items]
    with UnitOfWork(db, actor="bench") as uow:
        accounts.create_user(
            uow, "user0", "用户0", password=PASSWORD, organisation=org_ids[0], roles=[("applicant", "")]
        )
    with UnitOfWork(db, actor="bench") as uow:
        first = accounts.authenticate(uow, "user0", PASSWORD)
        saved = cases.save_case(uow, first, get_calculator(), copy.deepcopy(CASE), "样例")
    with UnitOfWork(db, actor="bench") as uow:
        s = uow.session
        user = s.scalar(select(User).where(User.login == "user0"))
        version = s.scalar(select(SavedCaseVersion).where(SavedCaseVersion.case_id == saved.id))
        users = [
            {"login": f"user{i}", "display_name": f"用户{i}", "password_hash": user.password_hash,
             "organisation_id": org_ids[i]}
            for i in range(1, n)
        ]  # fmt: skip
        if users:
            s.execute(insert(User), users)
        ids = dict(s.execute(select(User.login, User.id)).all())
        s.execute(
            insert(RoleAssignment),
            [{"user_id": ids[f"user{i}"], "role": "applicant", "department": ""} for i in range(1, n)],
        )
        rows, versions = [], []
        for i in range(n):
            for k in range(per if i else per - 1):
                cid = cases.new_case_id()
                rows.append({"id": cid, "organisation_id": org_ids[i], "owner_id": ids[f"user{i}"],
                             "title": f"测算{k}", "latest": 1})  # fmt: skip
                versions.append({"case_id": cid, "organisation_id": org_ids[i], "n": 1,
                                 "case": version.case, "rules_version": version.rules_version,
                                 "summary": version.summary, "created_by": ids[f"user{i}"]})  # fmt: skip
        for start in range(0, len(rows), 2000):
            s.execute(insert(SavedCase), rows[start : start + 2000])
            s.execute(insert(SavedCaseVersion), versions[start : start + 2000])
        uow.commit()
    return org_ids


def run(url: str, n: int, per: int, reps: int, folder: Path) -> list[tuple[str, str]]:
    from fastapi.testclient import TestClient
    from itsdangerous import URLSafeTimedSerializer

    from biopolicy.services.library import get_library
    from biopolicy.settings import get_settings
    from biopolicy.web.app import create_app
    from biopolicy.web.session import SESSION_COOKIE

    migrate.upgrade(url)
    db = Database(url)
    t = time.perf_counter()
    populate(db, folder, n, per)
    out = [
        (f"set-up: {n} organisations, {n} users, {n * per} saved cases", f"{time.perf_counter() - t:.1f} s")
    ]

    principals = {}

    def login() -> None:
        i = random.randrange(n)
        with UnitOfWork(db, actor=f"user{i}") as uow:
            principal = accounts.authenticate(uow, f"user{i}", PASSWORD)
        with UnitOfWork(db, actor=f"user{i}") as uow:
            principals[i] = (principal, accounts.start_session(uow, principal).token)

    def listing() -> None:
        i = random.choice(list(principals))
        with UnitOfWork(db) as uow:
            page = cases.list_cases(uow, principals[i][0])
        assert page.total == per and len(page.items) == per

    app = create_app(get_library(), get_calculator(), database_url=url)
    signer = URLSafeTimedSerializer(get_settings().secret_key, salt="biopolicy.session")
    with TestClient(app) as client:

        def http_listing() -> None:
            i = random.choice(list(principals))
            client.cookies.set(SESSION_COOKIE, signer.dumps(principals[i][1]))
            r = client.get("/api/v1/cases")
            assert r.status_code == 200 and r.json()["total"] == per, r.text

        for name, fn in (
            ("log-in (argon2 verify + session)", login),
            ("list an organisation's cases (service)", listing),
            ("GET /api/v1/cases (HTTP, in-process)", http_listing),
        ):
            fn()  # warm
            p50, p99, cpu = timed(fn, reps)
            out.append((name, f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (CPU p50 {cpu:.1f} ms)"))
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            print("## SQLite")
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
            for name, value in run(url, args.orgs, args.cases, args.reps, folder):
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
                for row_name, value in run(url, args.orgs, args.cases, args.reps, folder):
                    print(f"| {row_name} | {value} |")
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
