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
    # the audit trail: auditors and administrators only
    ("/audit", "GET"): "LFFFF++",
    ("/api/v1/audit", "GET"): "LFFFF++",
    # the watch list (a product of organisation A): the regulator is a 省药监局 reviewer or an
    # administrator (this reviewer is 市科技局's); auditors read; enterprises see their own products
    ("/watchlist", "GET"): "LFFFF++",
    ("/watchlist/mine", "GET"): "LFFFFFF",
    ("/products", "GET"): "L++FF++",
    ("/products/{product_id}", "GET"): "L+FFF++",
    ("/products/{product_id}/milestones", "POST"): "L+FFFF+",
    ("/products/{product_id}/milestones/{milestone_id}", "POST"): "L+FFFF+",
    ("/products/{product_id}/notes", "POST"): "LFFFFF+",
    ("/api/v1/watchlist", "GET"): "LFFFF++",
    ("/api/v1/watchlist/mine", "GET"): "LFFFFFF",
    ("/api/v1/watchlist/kinds", "GET"): MEMBERS,
    ("/api/v1/products", "GET"): "L++FF++",
    ("/api/v1/products/{product_id}", "GET"): "L+FFF++",
    ("/api/v1/products/{product_id}/milestones", "POST"): "L+FFFF+",
    ("/api/v1/products/{product_id}/milestones/{milestone_id}/complete", "POST"): "L+FFFF+",
    ("/api/v1/products/{product_id}/notes", "POST"): "LFFFFF+",
    # 费用测算: reviewers, finance, auditors and administrators; enterprises not
    ("/simulate", "GET"): "LFF++++",
    ("/simulate/stream", "GET"): "LFF++++",
    ("/simulate.xlsx", "GET"): "LFF++++",
    ("/api/v1/simulate", "GET"): "LFF++++",
    # notifications and subscriptions: everyone logged in has their own (another's answers 404)
    ("/notifications", "GET"): MEMBERS,
    ("/notifications/read-all", "POST"): MEMBERS,
    ("/notifications/{notification_id}/read", "POST"): MEMBERS,
    ("/subscriptions", "GET"): MEMBERS,
    ("/subscriptions", "POST"): MEMBERS,
    ("/subscriptions/{subscription_id}/delete", "POST"): MEMBERS,
    ("/api/v1/notifications", "GET"): MEMBERS,
    ("/api/v1/notifications/read-all", "POST"): MEMBERS,
    ("/api/v1/notifications/{notification_id}/read", "POST"): MEMBERS,
    ("/api/v1/subscriptions", "GET"): MEMBERS,
    ("/api/v1/subscriptions", "POST"): MEMBERS,
    ("/api/v1/subscriptions/{subscription_id}", "DELETE"): MEMBERS,
    # 兑现 (an application of organisation A, submitted; its measure is 市科技局's): the organisation's
    # staff, the responsible department once submitted, finance once approved, auditors and
    # administrators read; applicant B never (403, as saved cases). Actions without an idempotency key
    # are refused after the access check (422, "+" here), so the matrix changes nothing.
    **{(f"{p}/applications", "GET"): "LFFFF++" for p in ("", "/api/v1")},
    **{(f"{p}/applications", "POST"): "L++FFFF" for p in ("", "/api/v1")},
    **{(f"{p}/applications/mine", "GET"): "L++FFFF" for p in ("", "/api/v1")},
    **{(f"{p}/applications/worklist", "GET"): "LFF+FFF" for p in ("", "/api/v1")},
    **{(f"{p}/applications/payments", "GET"): "LFFF+++" for p in ("", "/api/v1")},
    **{(f"{p}/applications/{{application_id}}", "GET"): "L+F+F++" for p in ("", "/api/v1")},
    **{
        (f"{p}/applications/{{application_id}}/{action}", "POST"): who
        for p in ("", "/api/v1")
        for action, who in {
            "submit": "L+FFFFF",
            "accept": "LFF+FFF",
            "request-more": "LFF+FFF",
            "approve": "LFF+FFF",
            "reject": "LFF+FFF",
            "confirm-override": "LFF+FFF",
            "publish": "LFF+FFF",
            "credit-check": "LFFF+FF",
            "pay": "LFFF+FF",
        }.items()
    },
    ("/applications/notice.{fmt}", "GET"): "LFF++++",
    ("/applications/payments.{fmt}", "GET"): "LFFF+++",
    # hospitals' duties (A and B are enterprises: refused; this reviewer is 市科技局's, not the health
    # commission's); catalogues are read by members and kept by administrators; auditors read
    ("/duties", "GET"): "LFFFF++",
    ("/duties/records", "POST"): "LFFFFF+",
    ("/duties/profile", "POST"): "LFFFFF+",
    ("/duties/records/{record_id}/file", "GET"): "LFFFF++",
    ("/duties/overview", "GET"): "LFFFF++",
    ("/catalogues", "GET"): MEMBERS,
    ("/catalogues/{code}", "GET"): MEMBERS,
    ("/catalogues/{code}/versions", "POST"): "LFFFFF+",
    ("/catalogue-versions/{version_id}/import", "POST"): "LFFFFF+",
    ("/catalogue-versions/{version_id}/publish", "POST"): "LFFFFF+",
    ("/ethics", "GET"): "LFFFF++",
    ("/ethics", "POST"): "LFFFFF+",
    ("/ethics/{approval_id}/recognitions", "POST"): "LFFFFF+",
    ("/api/v1/duties", "GET"): "LFFFF++",
    ("/api/v1/duties/overview", "GET"): "LFFFF++",
    ("/api/v1/duties/profile", "POST"): "LFFFFF+",
    ("/api/v1/duties/records", "POST"): "LFFFFF+",
    ("/api/v1/catalogues", "GET"): MEMBERS,
    ("/api/v1/catalogues/{code}", "GET"): MEMBERS,
    ("/api/v1/catalogues/{code}/versions", "POST"): "LFFFFF+",
    ("/api/v1/catalogue-versions/{version_id}/entries", "POST"): "LFFFFF+",
    ("/api/v1/catalogue-versions/{version_id}/publish", "POST"): "LFFFFF+",
    ("/api/v1/ethics", "GET"): "LFFFF++",
    ("/api/v1/ethics", "POST"): "LFFFFF+",
    ("/api/v1/ethics/{approval_id}/recognitions", "POST"): "LFFFFF+",
    # enterprise requests (a request of organisation A, 临床试验 → 市卫健委, not yet due): enterprises see
    # their own; this reviewer is 市科技局, the coordinating department: it sees all, but answers only
    # escalated requests (403 from the service here); auditors and administrators read; finance nothing
    ("/requests", "GET"): "L+++F++",
    ("/requests", "POST"): "L++FFFF",
    ("/requests/{request_id}", "GET"): "L+F+F++",
    ("/requests/{request_id}/answer", "POST"): "LFFFFFF",
    ("/requests/{request_id}/rating", "POST"): "L+FFFFF",  # A: 422 (not closed yet), B: 403
    ("/api/v1/requests", "GET"): "L+++F++",
    ("/api/v1/requests", "POST"): "L++FFFF",
    ("/api/v1/requests/{request_id}", "GET"): "L+F+F++",
    ("/api/v1/requests/{request_id}/answer", "POST"): "LFFFFFF",
    ("/api/v1/requests/{request_id}/rating", "POST"): "L+FFFFF",
    ("/api/v1/requests/{request_id}/attachments/{attachment_id}", "GET"): "L+F+F++",
    ("/api/v1/requests/{request_id}/attachments", "GET"): "L+F+F++",
    ("/api/v1/requests/{request_id}/attachments", "POST"): "L+FFFFF",  # A: 422 (no file sent), B: 403
    # targets: departments, auditors, administrators; the evaluation: finance too
    ("/targets", "GET"): "LFF+F++",
    ("/targets", "POST"): "LFF+FF+",
    ("/targets/import", "POST"): "LFF+FF+",  # no file: 422 for those allowed
    ("/api/v1/targets", "GET"): "LFF+F++",
    ("/api/v1/targets/actuals", "POST"): "LFF+FF+",
    ("/evaluation", "GET"): "LFF++++",
    ("/evaluation.xlsx", "GET"): "LFF++++",
    ("/api/v1/evaluation", "GET"): "LFF++++",
    # evidence (the services check whose: tests/services/test_evidence.py)
    ("/api/v1/evidence", "GET"): "L+++F++",
    ("/api/v1/evidence", "POST"): "L+++FF+",
    ("/api/v1/evidence/{evidence_id}/file", "GET"): "L+++F++",
    ("/evidence/upload", "POST"): "L+++FF+",  # the application page's form
    ("/applications/{application_id}/object", "POST"): MEMBERS,  # the application page's objection form
    ("/workbench", "GET"): MEMBERS,
    # 公示 and objections
    ("/api/v1/notices", "GET"): "LFF++++",
    ("/api/v1/notices", "POST"): "LFF+FF+",
    ("/api/v1/notices/{batch_id}", "GET"): "LFF++++",
    ("/api/v1/applications/{application_id}/objections", "GET"): "LFF++++",
    ("/api/v1/applications/{application_id}/objections", "POST"): MEMBERS,
    ("/api/v1/prior-awards", "POST"): "LFF+FF+",  # awards paid outside: reviewers and administrators
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
    "doc_id": "x", "clause_id:path": "x", "measure_id:path": "x",
    "notification_id": "1", "subscription_id": "1",
    "code": "xm-new-products", "version_id": "1", "record_id": "1", "approval_id": "1",
    # no such records: what answers is the access rule (then 404 or 422 for those it lets through)
    "evidence_id": "999999", "batch_id": "999999", "objection_id": "999999", "proposal_id": "999999",
}  # fmt: skip
# bodies that pass validation, so what answers is the access check, not a 422
BODIES = {
    "/cases/{case_id}/reassess": {"base": "1"},
    "/api/v1/cases/{case_id}/versions": {"base_version": 1},
    "/api/v1/products/{product_id}/milestones": {"kind": "preclinical_done", "completed_on": "2025-01-01"},
    "/api/v1/products/{product_id}/milestones/{milestone_id}/complete": {"completed_on": "2025-03-01"},
    "/api/v1/products/{product_id}/notes": {"on": "2025-01-02", "text": "协调检验"},
    "/api/v1/subscriptions": {"kind": "document", "target": "xm-2023"},
    "/subscriptions": {"kind": "document", "target": "xm-2023"},
    "/api/v1/applications/{application_id}/submit": {"credit_commitment": True},
    "/api/v1/prior-awards": {
        "organisation_id": 1,
        "level": "city",
        "amount": "1",
        "date": "2025-01-01",
        "evidence": "x",
    },  # fmt: skip
    "/products/{product_id}/milestones": {
        "kind": "preclinical_done",
        "completed_on": "2025-01-01",
        "idempotency_key": "access-m",
    },
    "/products/{product_id}/milestones/{milestone_id}": {
        "completed_on": "2025-03-01",
        "idempotency_key": "access-p",
    },
    "/products/{product_id}/notes": {"on": "2025-01-02", "text": "协调检验", "idempotency_key": "access-n"},
    "/api/v1/duties/profile": {"grade": "tertiary"},
    "/api/v1/catalogues/{code}/versions": {"label": "2026年版"},
    "/api/v1/catalogue-versions/{version_id}/entries": {"entries": [{"name": "建泽泻"}]},
    "/api/v1/catalogue-versions/{version_id}/publish": {"published_on": "2026-01-05"},
    "/api/v1/ethics": {"project": "某单抗Ⅲ期", "approved_on": "2026-01-05"},
    "/api/v1/ethics/{approval_id}/recognitions": {"recognised_on": "2026-01-06"},
    "/requests": {"category": "other", "title": "标题", "text": "内容", "idempotency_key": "k-page"},
    "/api/v1/requests": {"category": "其他", "title": "标题", "text": "内容"},
    "/requests/{request_id}/answer": {"text": "答复", "idempotency_key": "k-answer"},
    "/api/v1/requests/{request_id}/answer": {"text": "答复"},
    "/requests/{request_id}/rating": {"rating": "5", "idempotency_key": "k-rating"},
    "/api/v1/requests/{request_id}/rating": {"rating": 5},
    "/targets": {"target": "fj-2023-7/m1-revenue", "year": "2023", "value": "1000", "source": "统计公报"},
    "/api/v1/targets/actuals": {
        "target": "fj-2023-7/m5-platforms",
        "year": 2023,
        "value": "2",
        "source": "报送",
    },
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


def submitted_application(site) -> dict[str, str]:
    """An application of organisation A under xm-2023 （二十） (市科技局 responsible), submitted."""
    from tests.services.test_applications import talent_case

    from biopolicy.services import applications as apps

    a = site.principals["applicant-a"]
    with unit_of_work("test", url=site.url) as uow:
        case_id = cases.save_case(uow, a, get_calculator(), talent_case(), "人才").id
    with unit_of_work("test", url=site.url) as uow:
        got = apps.start(uow, a, get_calculator(), case_id, "xm-2023/m20-talent", "t1", "access-start")
    with unit_of_work("test", url=site.url) as uow:
        apps.submit(uow, a, got["application_id"], True, "access-submit")
    return {"application_id": str(got["application_id"]), "fmt": "csv"}


def filed_request(site) -> dict[str, str]:
    """A request of organisation A (临床试验, routed to 市卫健委) with a PDF attached, filed today."""
    import datetime as dt

    from biopolicy.services import requests as rq

    with unit_of_work("test", url=site.url) as uow:
        view = rq.file_request(
            uow, site.principals["applicant-a"],
            {"category": "临床试验", "title": "伦理审查排期", "text": "排期过长"}, dt.date.today(), "k-sample",
            [rq.Upload("说明.pdf", b"%PDF-1.4 sample")],
        )  # fmt: skip
    return {"request_id": str(view.id), "attachment_id": str(view.attachments[0].id)}


def test_the_access_matrix(site):
    with unit_of_work("test", url=site.url) as uow:
        saved = cases.save_case(uow, site.principals["applicant-a"], get_calculator(), dict(CASE), "甲的测算")
    samples = {**SAMPLES, **watched_product(site), **submitted_application(site), **filed_request(site)}
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
                headers["Idempotency-Key"] = f"access-{who}-{method}-{path}"[:100]
                body = BODIES.get(path, {})
                response = client.request(method, url, json=body, headers=headers, follow_redirects=False)
            else:
                data = {"csrf_token": token, **BODIES.get(path, {})}
                response = client.request(method, url, data=data, follow_redirects=False)
            got += outcome(response)
        if got != EXPECTED[(path, method)]:
            failures.append(f"{method} {path}: expected {EXPECTED[(path, method)]}, got {got}")
    assert failures == [], "\n".join(failures)
