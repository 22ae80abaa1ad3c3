"""The app under uvicorn as `make run` starts it: no server banner, and a prompt exit on SIGTERM,
even with an assessment in flight."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRACE = 2  # --timeout-graceful-shutdown: seconds in-flight requests get before they are cancelled
START_TIMEOUT = 120  # a loaded machine takes long to load the policies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_run_flags() -> list[str]:
    """The uvicorn flags of `make run`, so the test runs the server the way it is run."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = text.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    return [f for f in ("--no-server-header", "--timeout-graceful-shutdown") if f in run]


@pytest.fixture
def server():
    port = free_port()
    assert make_run_flags() == ["--no-server-header", "--timeout-graceful-shutdown"]
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "biopolicy.web.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-server-header",
        "--timeout-graceful-shutdown",
        str(GRACE),
    ]
    env = os.environ | {"BIOPOLICY_TRUSTED_HOSTS": '["127.0.0.1"]'}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(base + "/api/v1/", timeout=2):
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(
                    "the server did not start: " + process.stdout.read().decode(errors="replace")[-2000:]
                )
            time.sleep(0.2)
    yield process, base
    if process.poll() is None:
        process.kill()
        process.wait()


def test_no_server_banner_and_sigterm_stops_an_idle_server_within_seconds(server):
    process, base = server
    with urllib.request.urlopen(base + "/api/v1/") as response:
        assert response.headers.get("server") is None
        assert response.headers["x-content-type-options"] == "nosniff"
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    assert time.monotonic() - started < 3


def test_sigterm_stops_the_server_with_an_assessment_in_flight(server):
    process, base = server
    event = {
        "type": "talent_recruited",
        "date": "2025-08-01",
        "recruited_on": "2024-03-01",
        "role": "research",
    }
    case = {
        "applicant": {"kind": "enterprise", "name": "甲", "city": "厦门市", "district": "海沧区"},
        "events": [dict(event, id=f"e{k}", subject=f"人{k}") for k in range(2000)],
        "as_of": "2025-09-30",
    }
    request = urllib.request.Request(
        base + "/api/v1/assess", data=json.dumps(case).encode(), headers={"content-type": "application/json"}
    )

    def post() -> None:
        with contextlib.suppress(Exception):  # the server going away mid-answer is what this test causes
            urllib.request.urlopen(request, timeout=60).read()

    threading.Thread(target=post, daemon=True).start()
    time.sleep(0.5)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=GRACE + 15)
    assert time.monotonic() - started < GRACE + 3
