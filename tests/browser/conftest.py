"""Browser tests: the real app served by uvicorn on a free port, driven by Playwright in Debian's
headless Chromium (installed by ``make browser-deps``; never ``playwright install``).

Fixtures, for any browser test module:
- ``live_server``: the base URL (``http://127.0.0.1:<port>``) of the app over the real policies,
  started once per session in a thread;
- ``browser``: one headless Chromium per session;
- ``page``: a fresh desktop page (1280×900), closed after the test;
- ``phone_page``: a fresh phone-sized page (360×740, touch, device scale 2);
- ``any_page``: parametrised over both, for tests that must hold on desktop and on a phone;
- ``body_overflows``: a function, ``body_overflows(page)`` is True when the page scrolls sideways.

Every browser test is marked ``browser``. Without Chromium or Playwright they are skipped with the
reason, unless BIOPOLICY_BROWSER_TESTS=required (``make test`` sets it after installing both), in
which case they fail: a broken install must not pass as a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The app over the real policies on 127.0.0.1:<free port>, in a thread of this process."""
    import uvicorn

    from biopolicy.settings import Settings
    from biopolicy.web.app import create_app

    port = _free_port()
    app = create_app(settings=Settings(base_url=f"http://127.0.0.1:{port}"))  # share links point here
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
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # loading the corpus and jieba takes a few seconds
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("测试服务器未能启动")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


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


def _new_page(browser, live_server: str, **options):
    context = browser.new_context(base_url=live_server, locale="zh-CN", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # tests assert a page ran without script errors
    return context, page


@pytest.fixture
def page(browser, live_server):
    context, p = _new_page(browser, live_server, viewport=DESKTOP)
    yield p
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context, p = _new_page(
        browser, live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield p
    context.close()


@pytest.fixture(params=["desktop", "phone"])
def any_page(request):
    """The same test on a desktop page and on a phone-sized one."""
    return request.getfixturevalue("page" if request.param == "desktop" else "phone_page")


def _overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


@pytest.fixture
def body_overflows():
    """``body_overflows(page)``: True when the page scrolls sideways (wider than its viewport)."""
    return _overflows
