"""Several worker processes share one database and nothing else: the audit chain stays one line."""

from __future__ import annotations

import multiprocessing

from biopolicy.domain.credit_code import check_character

WORKERS = 3
EACH = 5


def _worker(url: str, n: int) -> None:
    from biopolicy.services import organisations as orgs
    from biopolicy.storage.db import Database
    from biopolicy.storage.uow import UnitOfWork

    database = Database(url)
    for i in range(EACH):
        body = f"9135020{n:02d}{i:08d}"
        with UnitOfWork(database, actor=f"worker-{n}") as uow:
            orgs.create(
                uow, {"name": f"机构{n}-{i}", "credit_code": body + check_character(body), "kind": "platform"}
            )
    database.dispose()


def test_worker_processes_write_concurrently_and_the_chain_stays_linear(database):
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters, as uvicorn --workers starts them
    procs = [ctx.Process(target=_worker, args=(database.url, n)) for n in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * WORKERS

    from biopolicy.storage.uow import UnitOfWork

    with UnitOfWork(database) as uow:
        report = uow.audit.verify()
        assert uow.organisations.count() == WORKERS * EACH
    assert report.ok and report.rows == WORKERS * EACH
