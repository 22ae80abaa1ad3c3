"""The access matrix: every route of the app, walked with every role.

``EXPECTED`` says, per route and method, what each of these gets, in this order: anonymous,
applicant of organisation A, applicant of organisation B, reviewer (市科技局), finance, auditor,
administrator — ``+`` allowed, ``L`` sent to log in (pages: 303 to /login; API: 401), ``F`` 403.
Case routes use a case saved by organisation A. A route of the app missing here or in
web/access.py's POLICY fails the test.
"""

from __future__ import annotations

import re

from tests.services.test_cases import CASE
from tests.web.conftest import hidden

from biopolicy.services import cases
from biopolicy.services.calculator import get_calculator
from biopolicy.services.database import unit_of_work
from biopolicy.web import access

PERSONAS = [None, "applicant-a", "applicant-b", "reviewer", "finance", "auditor", "administrator"]
EVERYONE = "+++++++"
MEMBERS = "L++++++"

EXPECTED: dict[tuple[str, str], str] = {
    **{
        (path, "GET"): EVERYONE
        for path in (
            "/openapi.json",
            "/docs",
            "/redoc",
            "/static",
            "/docs-assets",
            "/",
            "/documents",
            "/documents/{doc_id}",
            "/clauses/{clause_id:path}",
            "/search",
            "/measures",
            "/measures/{measure_id:path}",
            "/overview",
            "/calculator",
            "/calculator/result",
            "/calculator/result.json",
            "/calculator/result.xlsx",
            "/calculator/result.pdf",
            "/favicon.ico",
            "/api/v1/",
            "/api/v1/documents",
            "/api/v1/documents/{doc_id}",
            "/api/v1/clauses/{clause_id:path}",
            "/api/v1/search",
            "/api/v1/measures",
            "/api/v1/measures/{measure_id:path}",
            "/api/v1/explanations",
            "/api/v1/explanations/{measure_id:path}",
            "/api/v1/overview",
            "/login",
        )
    },  # fmt: skip
    ("/calculator", "POST"): EVERYONE,
    ("/api/v1/assess", "POST"): EVERYONE,
    ("/login", "POST"): EVERYONE,
    ("/logout", "POST"): MEMBERS,
    ("/account/password", "GET"): MEMBERS,
    ("/account/password", "POST"): MEMBERS,
    ("/api/v1/account", "GET"): MEMBERS,
    # saved cases: own staff; auditors and administrators read; reviewers and finance never see drafts
    ("/cases", "GET"): "L++FF++",
    ("/cases", "POST"): "L++FFFF",
    ("/cases/new", "GET"): "L++FFFF",
    ("/cases/{case_id}", "GET"): "L+FFF++",
    ("/cases/{case_id}/reassess", "POST"): "L+FFFFF",
    ("/api/v1/cases", "GET"): "L++FF++",
    ("/api/v1/cases", "POST"): "L++FFFF",
    ("/api/v1/cases/{case_id}", "GET"): "L+FFF++",
    ("/api/v1/cases/{case_id}/versions", "POST"): "L+FFFFF",
    ("/api/v1/cases/{case_id}/compare", "GET"): "L+FFF++",
    # the watch list (a product of organisation A): the regulator is a 省药监局 reviewer or an
    # administrator (this reviewer is 市科技局's); auditors read; enterprises see their own products
    ("/watchlist", "GET"): "LFFFF++",
    ("/watchlist/mine", "GET"): "LFFFFFF",
    ("/products", "GET"): "L++FF++",
    ("/products/{product_id}", "GET"): "L+FFF++",
    ("/api/v1/watchlist", "GET"): "LFFFF++",
    ("/api/v1/watchlist/mine", "GET"): "LFFFFFF",
    ("/api/v1/watchlist/kinds", "GET"): MEMBERS,
    ("/api/v1/products", "GET"): "L++FF++",
    ("/api/v1/products/{product_id}", "GET"): "L+FFF++",
    ("/api/v1/products/{product_id}/milestones", "POST"): "L+FFFF+",
    ("/api/v1/products/{product_id}/milestones/{milestone_id}/complete", "POST"): "L+FFFF+",
    ("/api/v1/products/{product_id}/notes", "POST"): "LFFFFF+",
    # evidence (the services check whose: tests/services/test_evidence.py)
    ("/api/v1/evidence", "GET"): "L+++F++",
    ("/api/v1/evidence", "POST"): "L+++FF+",
    ("/api/v1/evidence/{evidence_id}/file", "GET"): "L+++F++",
    # 公示 and objections
    ("/api/v1/notices", "GET"): "LFF++++",
    ("/api/v1/notices", "POST"): "LFF+FF+",
    ("/api/v1/notices/{batch_id}", "GET"): "LFF++++",
    ("/api/v1/applications/{application_id}/objections", "GET"): "LFF++++",
    ("/api/v1/applications/{application_id}/objections", "POST"): MEMBERS,
    ("/api/v1/objections/{objection_id}/resolve", "POST"): "LFF+FFF",
    # budgets
    ("/budgets", "GET"): "LFFF+++",
    ("/api/v1/budgets", "GET"): "LFFF+++",
    ("/api/v1/budgets", "POST"): "LFFF+FF",
    # 免申即享
    ("/api/v1/proactive/imports", "POST"): "LFFFFF+",
    ("/proposals", "GET"): "L++FF++",
    ("/proposals/{proposal_id}/confirm", "POST"): "L++FFFF",
    ("/proposals/{proposal_id}/correct", "POST"): "L++FFFF",
    ("/api/v1/proposals", "GET"): "L++FF++",
    ("/api/v1/proposals/{proposal_id}/confirm", "POST"): "L++FFFF",
    ("/api/v1/proposals/{proposal_id}/correct", "POST"): "L++FFFF",
}

SAMPLES = {
    "doc_id": "x",
    "clause_id:path": "x",
    "measure_id:path": "x",
    # no such records: what answers is the access rule (then 404 or 422 for those it lets through)
    "evidence_id": "999999",
    "batch_id": "999999",
    "application_id": "999999",
    "objection_id": "999999",
    "proposal_id": "999999",
}
# bodies that pass validation, so what answers is the access check, not a 422
BODIES = {
    "/cases/{case_id}/reassess": {"base": "1"},
    "/api/v1/cases/{case_id}/versions": {"base_version": 1},
    "/api/v1/products/{product_id}/milestones": {"kind": "preclinical_done", "completed_on": "2025-01-01"},
    "/api/v1/products/{product_id}/milestones/{milestone_id}/complete": {"completed_on": "2025-03-01"},
    "/api/v1/products/{product_id}/notes": {"on": "2025-01-02", "text": "协调检验"},
}


def routes(app) -> list[tuple[str, str, bool]]:
    return sorted(
        (info.path, method, info.enforced) for info in access.app_routes(app) for method in info.methods
    )


def outcome(response) -> str:
    location = response.headers.get("location", "")
    if response.status_code == 401 or (
        response.status_code in (302, 303, 307) and location.startswith("/login?next=")
    ):
        return "L"
    if response.status_code == 403:
        return "F"
    assert response.status_code < 500, response.text[:500]
    return "+"


def test_every_route_has_a_declared_rule_and_an_expectation(site):
    found = routes(site.app)
    assert found, "no routes found"
    missing_rule = [(p, m) for p, m, _ in found if access.rule_for(p, m) is None]
    missing_expectation = [(p, m) for p, m, _ in found if (p, m) not in EXPECTED]
    assert missing_rule == [] and missing_expectation == []
    # a route the app-wide dependency does not reach (mounts, FastAPI's own docs) must be public
    assert [
        (p, m) for p, m, enforced in found if not enforced and access.rule_for(p, m).who != "public"
    ] == []
    assert set(EXPECTED) == {(p, m) for p, m, _ in found}  # no stale expectations either


def test_a_route_without_a_rule_is_refused(site):
    site.app.add_api_route("/undeclared-thing", lambda: {"ok": True}, methods=["GET"])
    site.app.state.route_paths = None
    response = site.client("administrator").get("/undeclared-thing")
    assert response.status_code == 403 and "尚未声明访问规则" in response.text
    assert access.rule_for("/undeclared-thing", "GET") is None


def watched_product(site) -> dict[str, str]:
    """A product of organisation A on the watch list, with a milestone started (tests/web/test_watchlist_pages.py)."""
    from tests.web.test_watchlist_pages import put_on_watch_list

    product_id, milestone_id = put_on_watch_list(site, "A")
    return {"product_id": str(product_id), "milestone_id": str(milestone_id)}


def test_the_access_matrix(site):
    with unit_of_work("test", url=site.url) as uow:
        saved = cases.save_case(uow, site.principals["applicant-a"], get_calculator(), dict(CASE), "甲的测算")
    samples = {**SAMPLES, **watched_product(site)}
    clients = {who: site.client(who) for who in PERSONAS}
    tokens = {
        who: site.csrf(c) if who else hidden(c.get("/login").text, "csrf_token") for who, c in clients.items()
    }
    failures = []
    for path, method, _ in routes(site.app):
        url = re.sub(r"\{([^}]+)\}", lambda m: samples.get(m.group(1), saved.id), path)
        if path == "/static":
            url = "/static/app.css"
        if path == "/docs-assets":
            url = "/docs-assets/swagger-ui.css"
        got = ""
        for who in PERSONAS:
            client, token = clients[who], tokens[who]
            if path == "/logout" and who:  # its own session, so the others stay logged in
                client = site.client(who)
                token = site.csrf(client)
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            elif url.startswith("/api/"):
                headers = {"X-CSRF-Token": token} if token else {}
                body = BODIES.get(path, {})
                response = client.request(method, url, json=body, headers=headers, follow_redirects=False)
            else:
                data = {"csrf_token": token, **BODIES.get(path, {})}
                response = client.request(method, url, data=data, follow_redirects=False)
            got += outcome(response)
        if got != EXPECTED[(path, method)]:
            failures.append(f"{method} {path}: expected {EXPECTED[(path, method)]}, got {got}")
    assert failures == [], "\n".join(failures)
