"""The browser tests' own server (``serve`` in conftest.py), on SQLite and on PostgreSQL: each serves
the database it is given on a port of its own, two at once (as pytest-xdist workers do) never share
one, and the port is closed once the block is left."""

from __future__ import annotations

import socket

import pytest
from tests.browser.conftest import PASSWORD, log_in, open_page, serve
from tests.databases import BACKENDS

from biopolicy.services import accounts
from biopolicy.services.database import unit_of_work


def _port(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def _log_in_fails(browser, base_url: str, login: str) -> str:
    """Log in as ``login`` on ``base_url``; the refusal the login page shows."""
    context, page = open_page(browser, base_url)
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    refusal = page.inner_text("#login-error")
    assert "/login" in page.url and page.js_errors == []
    context.close()
    return refusal


@pytest.mark.parametrize(
    ("database_url", "empty_database_url"), [(b, b) for b in BACKENDS], indirect=True, ids=BACKENDS
)
def test_each_server_serves_its_own_database_on_its_own_port_and_stops(
    browser, database_url, empty_database_url
):
    from biopolicy.storage import migrate

    migrate.upgrade(empty_database_url)  # a second database, without the account
    with unit_of_work("test", url=database_url) as uow:
        accounts.create_user(uow, "clerk", "经办人", password=PASSWORD, roles=[("auditor", "")])
    with serve(database_url) as mine, serve(empty_database_url) as other:
        assert mine.startswith("http://127.0.0.1:") and _port(mine) != _port(other)
        context, page = open_page(browser, mine)
        log_in(page, "clerk", "/audit")  # the account is in this server's database
        assert page.js_errors == []
        context.close()
        assert "登录名或密码" in _log_in_fails(browser, other, "clerk")  # and not in the other's
    for base_url in (mine, other):
        with pytest.raises(OSError):  # stopped: nothing listens there any more
            socket.create_connection(("127.0.0.1", _port(base_url)), timeout=2).close()
