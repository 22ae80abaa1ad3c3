"""Fixtures for the web tests that need a database: a SQLite file at the newest migration, the app
over it, and people of every role (applicants of organisations A and B, a reviewer, finance, an
auditor, an administrator) with a way to give a TestClient their session."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from tests.services.test_organisations import FACTS, code

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services.accounts import Principal
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work
from biopolicy.settings import get_settings
from biopolicy.web.app import create_app
from biopolicy.web.session import SESSION_COOKIE

PASSWORD = "correct-horse-42"
PEOPLE = {
    # login: (organisation key, roles)
    "applicant-a": ("A", [("applicant", "")]),
    "applicant-b": ("B", [("applicant", "")]),
    "reviewer": (None, [("reviewer", "市科技局")]),
    "finance": (None, [("finance", "")]),
    "auditor": (None, [("auditor", "")]),
    "administrator": (None, [("administrator", "")]),
}


@dataclass
class Site:
    url: str
    app: object
    principals: dict[str, Principal]
    organisations: dict[str, int]

    def client(self, who: str | None = None) -> TestClient:
        """A client of the app, logged in as ``who`` (a session started by the service, no form)."""
        c = TestClient(self.app, raise_server_exceptions=False)
        if who is not None:
            c.cookies.set(SESSION_COOKIE, self.session_cookie(who))
        return c

    def session_cookie(self, who: str) -> str:
        with unit_of_work("test", url=self.url) as uow:
            started = accounts.start_session(uow, self.principals[who])
        return URLSafeTimedSerializer(get_settings().secret_key, salt="biopolicy.session").dumps(
            started.token
        )

    def csrf(self, client: TestClient) -> str:
        return client.get("/api/v1/account").json()["csrf_token"]


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "web.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def site(sqlite_url, real_library) -> Iterator[Site]:
    organisations = {}
    with unit_of_work("test", url=sqlite_url) as uow:
        organisations["A"] = orgs.create(uow, FACTS).id
    with unit_of_work("test", url=sqlite_url) as uow:
        organisations["B"] = orgs.create(uow, {**FACTS, "name": "乙公司", "credit_code": code(2)}).id
    principals = {}
    for login, (org, roles) in PEOPLE.items():
        with unit_of_work("test", url=sqlite_url) as uow:
            accounts.create_user(
                uow, login, login.upper(), password=PASSWORD,
                organisation=organisations[org] if org else None, roles=roles,
            )  # fmt: skip
            principals[login] = accounts.authenticate(uow, login, PASSWORD)
    app = create_app(real_library, get_calculator(), database_url=sqlite_url)
    with TestClient(app):  # runs the start-up
        yield Site(sqlite_url, app, principals, organisations)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)
