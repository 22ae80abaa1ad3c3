"""Browser tests: the real app served by uvicorn on a free port, driven by Playwright in Debian's
headless Chromium (installed by ``make browser-deps``; never ``playwright install``).

Fixtures, for any browser test module:
- ``live_server``: the base URL (``http://127.0.0.1:<port>``) of the app over the real policies,
  started once per session in a thread;
- ``new_database``: ``new_database(name)`` gives the URL of a database of its own at the newest
  migration, for a module's own server (SQLite; PostgreSQL with BIOPOLICY_BROWSER_DB=postgresql);
- ``browser``: one headless Chromium per session;
- ``page``: a fresh desktop page (1280×900), closed after the test;
- ``phone_page``: a fresh phone-sized page (360×740, touch, device scale 2);
- ``any_page``: parametrised over both, for tests that must hold on desktop and on a phone;
- ``body_overflows``: a function, ``body_overflows(page)`` is True when the page scrolls sideways.

Helpers, imported from here:
- ``serve(database_url, **settings)``: a context manager that serves the app on a free port of its
  own (so parallel pytest-xdist workers never collide) in a thread, waits until it answers, gives its
  base URL and stops it on leaving;
- ``new_context`` / ``open_page``: a desktop or phone context (and a page that records its script
  errors in ``page.js_errors``); ``log_in``: through the login form; ``scrolls_sideways``;
  ``screenshot``: into bench/out/.

Every browser test is marked ``browser``. Without Chromium or Playwright they are skipped with the
reason, unless BIOPOLICY_BROWSER_TESTS=required (``make test`` sets it after installing both), in
which case they fail: a broken install must not pass as a skip.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google's hosts, which
# this machine's closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
SIZES = ["desktop", "phone"]
PHONE_OPTIONS = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
PASSWORD = "correct-horse-42"  # every account the browser tests create
OUT = Path(__file__).resolve().parents[2] / "bench" / "out"  # screenshots, not committed
START_SECONDS = 60  # loading the corpus and jieba takes a few seconds; a loaded machine, more
STOP_SECONDS = 10


def chromium_path() -> str | None:
    for candidate in CHROMIUM_PATHS:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _listening_socket() -> socket.socket:
    """A socket bound to a free port of 127.0.0.1, handed to uvicorn as it is: no other process (an
    xdist worker, another agent's tests) can take the port between choosing it and serving on it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("HEAD", "/login")
        connection.getresponse()
        return True  # any status: it answers
    except OSError:
        return False
    finally:
        connection.close()


@contextmanager
def serve(
    database_url: str | None = None,
    *,
    library=None,  # noqa: ANN001 - a Library, else the process's own
    calculator=None,  # noqa: ANN001 - a Calculator, else the process's own
    ready: Callable[[], bool] | None = None,
    **settings,
) -> Iterator[str]:
    """Serve the app on ``database_url`` (None: the settings' own) at 127.0.0.1:<a free port>, in a
    thread of this process; give its base URL once it answers (and ``ready()``, when given, is
    true); stop it on leaving, even when the block raised. ``settings`` are fields of ``Settings``
    (e.g. ``data_dir``); ``base_url`` is set to the served address, so share links point here."""
    import uvicorn

    from biopolicy.settings import Settings
    from biopolicy.web.app import create_app

    sock = _listening_socket()
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(library, calculator, Settings(base_url=base_url, **settings), database_url=database_url)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        server_header=False,  # as `make run`: no server banner
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"live-server-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (server.started and _answers(port) and (ready is None or ready())):
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("测试服务器未能启动" + ("，或未就绪" if ready else ""))
            time.sleep(0.05)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_SECONDS)
        if thread.is_alive():  # a connection that would not close: cut it
            server.force_exit = True
            thread.join(timeout=STOP_SECONDS)
        sock.close()
        if thread.is_alive():
            raise RuntimeError("测试服务器未能停止")


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The app over the real policies on 127.0.0.1:<free port>, in a thread of this process."""
    with serve() as base_url:
        yield base_url


@pytest.fixture(scope="session")
def new_database(request, tmp_path_factory) -> Callable[[str], str]:
    """``new_database(name)``: the URL of a new database at the newest migration, of its own (each
    xdist worker has its own temporary folder and PostgreSQL database names). SQLite, a copy of the
    session's template; with BIOPOLICY_BROWSER_DB=postgresql, a copy of the session's PostgreSQL
    template (tests/databases.py), dropped at the end of the session."""
    backend = os.environ.get("BIOPOLICY_BROWSER_DB") or "sqlite"
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"BIOPOLICY_BROWSER_DB: sqlite or postgresql, not {backend!r}")

    def make(name: str) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp(name) / f"{name}.sqlite3"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
            return f"sqlite:///{path}"
        server = request.getfixturevalue("pg_server")
        if server is None:
            _unavailable(
                "BIOPOLICY_BROWSER_DB=postgresql，但 PostgreSQL 不可用（设置 BIOPOLICY_TEST_PG_URL）"
            )
        return server.url_for(server.create(template=request.getfixturevalue("pg_template")))

    return make


def _unavailable(reason: str) -> None:
    if os.environ.get("BIOPOLICY_BROWSER_TESTS") == "required":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        _unavailable("未安装 Chromium：运行 make browser-deps（apt-get install chromium fonts-wqy-microhei）")
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("未安装 playwright：pip install -e '.[dev]'")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_context(browser, base_url: str, size: str = "desktop", timeout: int = 15_000, **options):
    """A Chinese-locale browser context on ``base_url``: desktop (1280×900) or phone (360×740,
    touch, device scale 2); ``timeout`` in ms for every wait; ``options`` go to Playwright."""
    sized = {"viewport": DESKTOP} if size == "desktop" else PHONE_OPTIONS
    context = browser.new_context(base_url=base_url, locale="zh-CN", **sized, **options)
    context.set_default_timeout(timeout)
    return context


def open_page(browser, base_url: str, size: str = "desktop", timeout: int = 15_000, **options):
    """``(context, page)``: a new context as ``new_context`` and a page in it whose script errors
    collect in ``page.js_errors`` (tests assert it stays empty); close the context when done."""
    context = new_context(browser, base_url, size, timeout, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return context, page


def log_in(page, login: str, path: str, until: str | None = None, password: str = PASSWORD) -> None:
    """Open ``path`` while logged out (it must send to the login form), log in as ``login`` and wait
    until the page is back at ``until`` (a URL pattern; default ``**<path>``)."""
    page.goto(path)
    assert "/login" in page.url  # not logged in: sent to log in first
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(until or f"**{path}")


def scrolls_sideways(page) -> bool:
    """True when the page is wider than its viewport (a wide table must scroll in its own box)."""
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


def screenshot(page, name: str, full_page: bool = True) -> None:
    """bench/out/<name>.png, to look at (not committed)."""
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)


@pytest.fixture
def page(browser, live_server):
    context, p = open_page(browser, live_server, "desktop", timeout=10_000)
    yield p
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context, p = open_page(browser, live_server, "phone", timeout=10_000)
    yield p
    context.close()


@pytest.fixture(params=["desktop", "phone"])
def any_page(request):
    """The same test on a desktop page and on a phone-sized one."""
    return request.getfixturevalue("page" if request.param == "desktop" else "phone_page")


@pytest.fixture
def body_overflows():
    """``body_overflows(page)``: True when the page scrolls sideways (wider than its viewport)."""
    return scrolls_sideways
