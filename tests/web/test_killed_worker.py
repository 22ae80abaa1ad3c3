"""A worker killed in the middle of requests loses nothing committed and leaves nothing half-done.

The app runs under uvicorn with two worker processes on the test database (SQLite file and
PostgreSQL), as production runs it. Several clients keep saving calculator cases (a case, its first
version and their audit rows: one transaction); then every worker is killed with SIGKILL while
requests are in flight: no clean-up, no rollback from the application. Afterwards:

- every case a client was told was saved (201 with its id) is there, with its version;
- no case without its version, no version without its case, and each saved row has its audit row;
- the audit chain still verifies (no gap, no row half-appended).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select
from tests.services.test_cases import CASE
from tests.services.test_organisations import FACTS
from tests.web.test_server import START_TIMEOUT, free_port

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.storage.models import AuditLog, SavedCase, SavedCaseVersion
from biopolicy.storage.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[2]
SECRET = "kill-test-secret-0123456789abcdef"
CLIENTS = 4
LOAD_SECONDS = 2.0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out.extend(int(c) for c in text)
    return out


def _session_cookie(database, principal) -> str:
    with UnitOfWork(database, actor="test") as uow:
        started = accounts.start_session(uow, principal)
    return URLSafeTimedSerializer(SECRET, salt="biopolicy.session").dumps(started.token)


def _request(base: str, path: str, cookie: str, body: dict | None = None, csrf: str | None = None):
    headers = {"cookie": f"bp_session={cookie}", "content-type": "application/json"}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    data = json.dumps(body).encode() if body is not None else None
    return urllib.request.Request(base + path, data=data, headers=headers, method="POST" if data else "GET")


@pytest.fixture
def applicant(database):
    with UnitOfWork(database, actor="test") as uow:
        org = orgs.create(uow, FACTS)
    with UnitOfWork(database, actor="test") as uow:
        accounts.create_user(
            uow, "kill-a", "甲公司经办人", password="correct-horse-42", organisation=org.id,
            roles=[("applicant", "")],
        )  # fmt: skip
        return accounts.authenticate(uow, "kill-a", "correct-horse-42")


def test_killing_every_worker_mid_request_loses_nothing_committed(database, applicant, tmp_path):
    from biopolicy.web.session import SESSION_COOKIE

    assert SESSION_COOKIE == "bp_session"
    port = free_port()
    env = os.environ | {
        "BIOPOLICY_DATABASE_URL": database.url,
        "BIOPOLICY_SECRET_KEY": SECRET,
        "BIOPOLICY_DATA_DIR": str(tmp_path / "data"),
        "BIOPOLICY_TRUSTED_HOSTS": '["127.0.0.1"]',
    }
    command = [
        sys.executable, "-m", "uvicorn", "biopolicy.web.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-server-header",
    ]  # fmt: skip
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    cookie = _session_cookie(database, applicant)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(_request(base, "/api/v1/account", cookie), timeout=5) as r:
                    csrf = json.loads(r.read())["csrf_token"]
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert server.poll() is None, "the server stopped while starting"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)

        acknowledged: list[str] = []
        cut = [0]  # requests whose connection died under them: in flight when the worker was killed
        stop = threading.Event()
        lock = threading.Lock()

        def client(n: int) -> None:
            k = 0
            while not stop.is_set():
                k += 1
                body = {"title": f"客户{n}-第{k}次", "case": CASE}
                try:
                    with urllib.request.urlopen(
                        _request(base, "/api/v1/cases", cookie, body, csrf), timeout=30
                    ) as r:
                        if r.status == 201:
                            with lock:
                                acknowledged.append(json.loads(r.read())["id"])
                except (http.client.RemoteDisconnected, http.client.IncompleteRead, ConnectionResetError):
                    with lock:
                        cut[0] += 1
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    time.sleep(0.05)  # no worker listening for a moment

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(LOAD_SECONDS)
        while len(acknowledged) < 3:  # a loaded machine: wait until saves are really flowing
            assert time.monotonic() < deadline + 60, "no case was saved under load"
            time.sleep(0.2)
        workers = _children(server.pid)
        assert len(workers) >= 2
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=40)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)

    assert acknowledged, "no request was answered before the kill"
    assert cut[0] >= 1, "no request was in flight when the workers were killed"
    with UnitOfWork(database, actor="test") as uow:
        session = uow.session
        saved = set(session.scalars(select(SavedCase.id)))
        assert set(acknowledged) <= saved, "a case the client was told was saved is missing"
        orphans = session.scalar(select(func.count()).select_from(SavedCase).where(~SavedCase.versions.any()))
        assert orphans == 0, "a case without its first version: half-written"
        versions = session.scalar(select(func.count()).select_from(SavedCaseVersion))
        assert versions == len(saved)
        audited = session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entity == "saved_case", AuditLog.action == "insert")
        )
        assert audited == len(saved), "every saved case has exactly its audit row, and no more"
        report = uow.audit.verify()
    assert report.ok, report
