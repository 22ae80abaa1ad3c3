"""Start-up: how long a user waits for a fresh process.

Run: .venv/bin/python bench/startup_bench.py [--runs 5]

- ``biopolicy assess <case>``: the whole process, from exec to exit (median of ``--runs``);
- ``biopolicy search 临床试验``: the same, with the search index from the cache folder (one warm-up
  run first so the cache exists) and jieba's dictionary from its cache;
- web: uvicorn started in a subprocess; the time from spawning it to the first 200 on
  ``GET /api/v1/`` (the app answering), and to the first 200 on ``GET /api/v1/search?q=临床试验``
  (the search index ready, built in the background after start or loaded from the cache);
- the same two with an empty cache folder (``BIOPOLICY_DATA_DIR`` pointed at a new temporary
  folder), which is what the first start after a corpus change pays.

Bytecode: an installed app reads its modules' compiled bytecode (``__pycache__``) from its second
start on. The children run that way here whatever the calling shell says: ``PYTHONDONTWRITEBYTECODE``
is dropped and the bytecode goes to a temporary folder (``PYTHONPYCACHEPREFIX``, so the checkout is
not written to), filled by warm-up runs that are not counted. ``--no-bytecode`` measures instead
every module compiled from its source at each start (``PYTHONDONTWRITEBYTECODE=1`` and no cache):
about 0.3 s of CPU more for the web app on the 2-core machine of bench/README.md.
``--steps`` picks some of the steps (default all), e.g. ``--steps web`` for the web app alone.

CPU: seconds the process had used (whole run; for the server, at its first 200); "main": the
server's main thread only, without its background threads (the search index, the subscription
scan), which share the interpreter lock and, on a busy machine, get far at once.

Results go to bench/README.md by hand, with the machine, its load and the date.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CASE = ROOT / "docs" / "examples" / "xm-centre-national-top-up.case.json"


def whole_process(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run, exec to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cpu_of(pid: int, main_thread: bool = False) -> float:
    """CPU seconds a running process (or its main thread only) has used so far (Linux /proc)."""
    path = f"/proc/{pid}/task/{pid}/stat" if main_thread else f"/proc/{pid}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(
    client: httpx.Client, url: str, since: float, proc: subprocess.Popen, limit: float = 120
) -> tuple[float, float, float]:
    while time.perf_counter() - since < limit:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if client.get(url).status_code == 200:
                return time.perf_counter() - since, cpu_of(proc.pid), cpu_of(proc.pid, main_thread=True)
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise TimeoutError(url)


def web(env: dict[str, str]) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    port = free_port()
    argv = [str(BIN / "uvicorn"), "biopolicy.web.app:create_app", "--factory", "--port", str(port)]
    argv += ["--log-level", "warning"]
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            up = wait_for(client, "/api/v1/", t, proc)
            searched = wait_for(client, "/api/v1/search?q=临床试验", t, proc)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return up, searched


def row(name: str, runs: list[tuple[float, ...]], note: str = "") -> str:
    """Medians; the main thread's CPU only for the server (its background threads excluded)."""
    wall = [r[0] for r in runs]
    cpu = [r[1] for r in runs]
    main = f"{statistics.median(r[2] for r in runs):>6.2f}" if len(runs[0]) > 2 else "     -"
    return (
        f"| {name:<34} | {len(runs):>4} | {statistics.median(wall):>6.2f} | {min(wall):>6.2f} | "
        f"{max(wall):>6.2f} | {statistics.median(cpu):>6.2f} | {main} | {note}"
    )


STEPS = ("assess", "search", "web", "cold")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-bytecode", action="store_true", help="compile every module at each start")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as pycache:
        env = {
            k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
        }
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env["PYTHONPYCACHEPREFIX"] = pycache
        measure(args, env)


def measure(args: argparse.Namespace, env: dict[str, str]) -> None:
    biopolicy = str(BIN / "biopolicy")
    whole_process([biopolicy, "search", "临床试验"], env)  # fills the cache folder (and the bytecode's)
    if {"web", "cold"} & set(args.steps):
        web(env)  # warm-up, not counted: the web app's modules' bytecode
    rows = []
    if "assess" in args.steps:
        assess = [whole_process([biopolicy, "assess", str(CASE)], env) for _ in range(args.runs)]
        rows.append(row("biopolicy assess <case>", assess, "whole process"))
    if "search" in args.steps:
        search = [whole_process([biopolicy, "search", "临床试验"], env) for _ in range(args.runs)]
        rows.append(row("biopolicy search 临床试验", search, "whole process, index from cache"))
    if "web" in args.steps:
        warm = [web(env) for _ in range(args.runs)]
        rows.append(row("web: first 200 on /api/v1/", [u for u, _ in warm], "from spawning uvicorn"))
        rows.append(row("web: first 200 on /api/v1/search", [s for _, s in warm], "index from cache"))
    if "cold" in args.steps:
        cold = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as empty:
                cold.append(web({**env, "BIOPOLICY_DATA_DIR": empty}))
        rows.append(row("web, empty cache: /api/v1/", [u for u, _ in cold], "from spawning uvicorn"))
        rows.append(
            row("web, empty cache: /api/v1/search", [s for _, s in cold], "index built in background")
        )
    bytecode = "not cached (compiled at each start)" if args.no_bytecode else "cached"
    print(
        f"load average at the end: {os.getloadavg()[0]:.2f}; bytecode {bytecode}; seconds (wall clock, and CPU of the process)"
    )
    print("| step                               | runs | median |    min |    max |    CPU |   main | note")
    print("|------------------------------------|------|--------|--------|--------|--------|--------|-----")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
