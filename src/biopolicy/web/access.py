"""Who may call what: one declared rule per route and method, enforced for every route.

``POLICY`` maps a route's path (as declared, with the API prefix) and method to a ``Rule``:
``PUBLIC`` (the policy library and the calculator: anyone), ``LOGGED_IN`` (anyone logged in) or
``require(role, …)`` (one of those roles). ``enforce`` runs before every route (an app-wide
dependency): a route without a rule is refused (403) and fails tests/web/test_access.py, which
walks every route of the app with every role. What a rule cannot see — whose organisation a saved
case belongs to — the services check (services/cases.py) and answer 403 the same way.

Refusals: not logged in → a page redirects to /login (``?next=`` the page, with a notice when the
session expired), the API answers 401; logged in without the role → 403 (a Chinese page, or JSON);
a state-changing request (POST, PUT, PATCH, DELETE) without the right CSRF token → 403 and
nothing is written. ``csrf=False`` marks the few POSTs that change nothing (the calculator).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from biopolicy.services.accounts import AccountError, Role
from biopolicy.services.audit import AuditForbidden
from biopolicy.services.cases import CaseForbidden, CaseNotFound, SavedCaseError, VersionConflict
from biopolicy.web.errors import error_body, problem_items
from biopolicy.web.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    clear_session_cookie,
    csrf_matches,
    expected_csrf,
    form_fields,
    load,
)

API_PREFIX = "/api/v1"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Rule:
    who: str  # public / login / roles
    roles: frozenset[Role] = frozenset()
    csrf: bool = True  # a state-changing method must carry the CSRF token
    while_password_due: bool = False  # reachable while a password change is due

    def allows(self, principal: Any) -> bool:
        if self.who == "public":
            return True
        if principal is None:
            return False
        return self.who == "login" or principal.has(*self.roles)


PUBLIC = Rule("public")
COMPUTES_ONLY = Rule("public", csrf=False)  # a POST that writes nothing (the calculator)
LOGGED_IN = Rule("login")


def require(*roles: Role) -> Rule:
    return Rule("roles", frozenset(roles))


AUDIT_READERS = require(Role.auditor, Role.administrator)
CASE_READERS = require(Role.applicant, Role.auditor, Role.administrator)
CASE_WRITERS = require(Role.applicant)
# the watch list (services/watchlist.py checks whose product and which department): the regulator is an
# administrator or a 省药监局 reviewer; auditors read; service officers and enterprises see their own
WATCH_REGULATOR = require(Role.reviewer, Role.administrator, Role.auditor)
WATCH_READERS = require(Role.applicant, Role.service_officer, Role.reviewer, Role.administrator, Role.auditor)
WATCH_WRITERS = require(Role.applicant, Role.service_officer, Role.reviewer, Role.administrator)
# 费用测算 (what the measures cost, what a reform would change): the policy makers — the departments
# that review, finance (it sets the budgets the need is set against), auditors and administrators;
# enterprises and anonymous visitors not (the database population holds every organisation's facts)
POLICY_MAKERS = require(Role.reviewer, Role.finance, Role.auditor, Role.administrator)
# 兑现 (services/applications.py and services/fulfilment.py check whose application and which department)
APPLICANTS = require(Role.applicant)
APPLICATION_READERS = require(Role.applicant, Role.reviewer, Role.finance, Role.auditor, Role.administrator)
REVIEWERS = require(Role.reviewer)
FINANCE = require(Role.finance)
EVERY_APPLICATION = require(Role.auditor, Role.administrator)
PAYMENT_READERS = require(Role.finance, Role.auditor, Role.administrator)
NOTICE_READERS = require(Role.reviewer, Role.finance, Role.auditor, Role.administrator)
APPLICATION_ACTIONS = {
    "submit": APPLICANTS,
    "accept": REVIEWERS,
    "request-more": REVIEWERS,
    "approve": REVIEWERS,
    "reject": REVIEWERS,
    "confirm-override": REVIEWERS,
    "publish": REVIEWERS,
    "credit-check": FINANCE,
    "pay": FINANCE,
}

# duties, catalogues, the ethics registry (services/duties.py checks whose hospital and which department):
# hospitals' staff (applicants of a medical institution) their own; the health commission (省卫健委,
# 市卫健委 reviewers) and administrators all; auditors read; enterprises' staff are refused by the service
DUTY_READERS = require(Role.applicant, Role.reviewer, Role.administrator, Role.auditor)
DUTY_WRITERS = require(Role.applicant, Role.reviewer, Role.administrator)
DUTY_COMMISSION = require(Role.reviewer, Role.administrator, Role.auditor)
CATALOGUE_EDITORS = require(Role.administrator)

# enterprise requests (services/requests.py checks whose request and which department): enterprises
# file and rate their own; departments see and answer those routed to them; the coordinating
# department (市科技局), auditors and administrators see all
REQUEST_READERS = require(Role.applicant, Role.reviewer, Role.auditor, Role.administrator)
# targets: the departments, auditors, administrators read; departments and administrators enter values.
# the yearly evaluation: also finance (the amounts paid are theirs)
TARGET_READERS = require(Role.reviewer, Role.auditor, Role.administrator)
TARGET_WRITERS = require(Role.reviewer, Role.administrator)
EVALUATION_READERS = require(Role.reviewer, Role.finance, Role.auditor, Role.administrator)

# fulfilment (services check whose application, award or proposal, and which department)
EVIDENCE_READERS = require(Role.applicant, Role.reviewer, Role.auditor, Role.administrator)
EVIDENCE_WRITERS = require(Role.applicant, Role.reviewer, Role.administrator)
NOTICE_READERS = require(Role.reviewer, Role.finance, Role.auditor, Role.administrator)
BUDGET_READERS = require(Role.finance, Role.auditor, Role.administrator)
PROPOSAL_READERS = require(Role.applicant, Role.auditor, Role.administrator)

POLICY: dict[str, dict[str, Rule]] = {
    # FastAPI's own documentation of the API
    "/openapi.json": {"GET": PUBLIC},
    "/docs": {"GET": PUBLIC},
    "/redoc": {"GET": PUBLIC},
    "/static": {"GET": PUBLIC},
    "/docs-assets": {"GET": PUBLIC},  # Swagger UI and ReDoc files, served offline
    # the policy library, measures and the calculator: public, as before
    "/": {"GET": PUBLIC},
    "/documents": {"GET": PUBLIC},
    "/documents/{doc_id}": {"GET": PUBLIC},
    "/clauses/{clause_id:path}": {"GET": PUBLIC},
    "/search": {"GET": PUBLIC},
    "/measures": {"GET": PUBLIC},
    "/measures/{measure_id:path}": {"GET": PUBLIC},
    "/overview": {"GET": PUBLIC},
    "/calculator": {"GET": PUBLIC, "POST": COMPUTES_ONLY},
    "/calculator/result": {"GET": PUBLIC},
    "/calculator/result.json": {"GET": PUBLIC},
    "/calculator/result.xlsx": {"GET": PUBLIC},  # 测算单: the anonymous result, as a file
    "/calculator/result.pdf": {"GET": PUBLIC},
    "/favicon.ico": {"GET": PUBLIC},
    "/api/v1/": {"GET": PUBLIC},
    "/api/v1/documents": {"GET": PUBLIC},
    "/api/v1/documents/{doc_id}": {"GET": PUBLIC},
    "/api/v1/clauses/{clause_id:path}": {"GET": PUBLIC},
    "/api/v1/search": {"GET": PUBLIC},
    "/api/v1/measures": {"GET": PUBLIC},
    "/api/v1/measures/{measure_id:path}": {"GET": PUBLIC},
    "/api/v1/assess": {"POST": COMPUTES_ONLY},
    "/api/v1/explanations": {"GET": PUBLIC},
    "/api/v1/explanations/{measure_id:path}": {"GET": PUBLIC},
    "/api/v1/overview": {"GET": PUBLIC},
    # log-in, log-out, password
    "/login": {"GET": PUBLIC, "POST": PUBLIC},
    "/logout": {"POST": Rule("login", while_password_due=True)},
    "/account/password": {
        "GET": Rule("login", while_password_due=True),
        "POST": Rule("login", while_password_due=True),
    },
    "/api/v1/account": {"GET": Rule("login", while_password_due=True)},
    # 工作台: every page the reader's roles open (web/pages/workbench.py)
    "/workbench": {"GET": LOGGED_IN},
    # saved cases: the organisation's staff; auditors and administrators read (services check whose)
    "/cases": {"GET": CASE_READERS, "POST": CASE_WRITERS},
    "/cases/new": {"GET": CASE_WRITERS},
    "/cases/{case_id}": {"GET": CASE_READERS},
    "/cases/{case_id}/reassess": {"POST": CASE_WRITERS},
    "/api/v1/cases": {"GET": CASE_READERS, "POST": CASE_WRITERS},
    "/api/v1/cases/{case_id}": {"GET": CASE_READERS},
    "/api/v1/cases/{case_id}/versions": {"POST": CASE_WRITERS},
    "/api/v1/cases/{case_id}/compare": {"GET": CASE_READERS},
    # the watch list and one file per product
    "/watchlist": {"GET": WATCH_REGULATOR},
    "/watchlist/mine": {"GET": require(Role.service_officer)},
    "/products": {"GET": WATCH_READERS},
    "/products/{product_id}": {"GET": WATCH_READERS},
    # the product file's forms (no-JS twins of the API's POSTs; the service checks whose product)
    "/products/{product_id}/milestones": {"POST": WATCH_WRITERS},
    "/products/{product_id}/milestones/{milestone_id}": {"POST": WATCH_WRITERS},
    "/products/{product_id}/notes": {
        "POST": require(Role.service_officer, Role.reviewer, Role.administrator)
    },
    "/api/v1/watchlist": {"GET": WATCH_REGULATOR},
    "/api/v1/watchlist/mine": {"GET": require(Role.service_officer)},
    "/api/v1/watchlist/kinds": {"GET": LOGGED_IN},
    "/api/v1/products": {"GET": WATCH_READERS},
    "/api/v1/products/{product_id}": {"GET": WATCH_READERS},
    "/api/v1/products/{product_id}/milestones": {"POST": WATCH_WRITERS},
    "/api/v1/products/{product_id}/milestones/{milestone_id}/complete": {"POST": WATCH_WRITERS},
    # the audit trail: auditors and administrators read it (services/audit.py checks again)
    "/audit": {"GET": AUDIT_READERS},
    "/api/v1/audit": {"GET": AUDIT_READERS},
    "/api/v1/products/{product_id}/notes": {
        "POST": require(Role.service_officer, Role.reviewer, Role.administrator)
    },
    # 费用测算: the page, its progress stream, its workbook and its JSON twin
    "/simulate": {"GET": POLICY_MAKERS},
    "/simulate/stream": {"GET": POLICY_MAKERS},
    "/simulate.xlsx": {"GET": POLICY_MAKERS},
    "/api/v1/simulate": {"GET": POLICY_MAKERS},
    # notifications and subscriptions: everyone logged in has their own (the services check whose)
    "/notifications": {"GET": LOGGED_IN},
    "/notifications/read-all": {"POST": LOGGED_IN},
    "/notifications/{notification_id}/read": {"POST": LOGGED_IN},
    "/subscriptions": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "/subscriptions/{subscription_id}/delete": {"POST": LOGGED_IN},
    "/api/v1/notifications": {"GET": LOGGED_IN},
    "/api/v1/notifications/read-all": {"POST": LOGGED_IN},
    "/api/v1/notifications/{notification_id}/read": {"POST": LOGGED_IN},
    "/api/v1/subscriptions": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "/api/v1/subscriptions/{subscription_id}": {"DELETE": LOGGED_IN},
    # 兑现: applications, review, payment; pages and their JSON twins
    "/applications": {"GET": EVERY_APPLICATION, "POST": APPLICANTS},
    "/applications/mine": {"GET": APPLICANTS},
    "/applications/worklist": {"GET": REVIEWERS},
    "/applications/payments": {"GET": PAYMENT_READERS},
    "/applications/notice.{fmt}": {"GET": NOTICE_READERS},
    "/applications/payments.{fmt}": {"GET": PAYMENT_READERS},
    "/applications/{application_id}": {"GET": APPLICATION_READERS},
    "/api/v1/applications": {"GET": EVERY_APPLICATION, "POST": APPLICANTS},
    "/api/v1/applications/mine": {"GET": APPLICANTS},
    "/api/v1/applications/worklist": {"GET": REVIEWERS},
    "/api/v1/applications/payments": {"GET": PAYMENT_READERS},
    "/api/v1/applications/{application_id}": {"GET": APPLICATION_READERS},
    "/api/v1/prior-awards": {"POST": require(Role.reviewer, Role.administrator)},
    **{
        f"{prefix}/applications/{{application_id}}/{action}": {"POST": rule}
        for prefix in ("", API_PREFIX)
        for action, rule in APPLICATION_ACTIONS.items()
    },
    # hospitals' duties, catalogues, ethics-review mutual recognition
    "/duties": {"GET": DUTY_READERS},
    "/duties/records": {"POST": DUTY_WRITERS},
    "/duties/profile": {"POST": DUTY_WRITERS},
    "/duties/records/{record_id}/file": {"GET": DUTY_READERS},
    "/duties/overview": {"GET": DUTY_COMMISSION},
    "/catalogues": {"GET": LOGGED_IN},
    "/catalogues/{code}": {"GET": LOGGED_IN},
    "/catalogues/{code}/versions": {"POST": CATALOGUE_EDITORS},
    "/catalogue-versions/{version_id}/import": {"POST": CATALOGUE_EDITORS},
    "/catalogue-versions/{version_id}/publish": {"POST": CATALOGUE_EDITORS},
    "/ethics": {"GET": DUTY_READERS, "POST": DUTY_WRITERS},
    "/ethics/{approval_id}/recognitions": {"POST": DUTY_WRITERS},
    "/api/v1/duties": {"GET": DUTY_READERS},
    "/api/v1/duties/overview": {"GET": DUTY_COMMISSION},
    "/api/v1/duties/profile": {"POST": DUTY_WRITERS},
    "/api/v1/duties/records": {"POST": DUTY_WRITERS},
    "/api/v1/catalogues": {"GET": LOGGED_IN},
    "/api/v1/catalogues/{code}": {"GET": LOGGED_IN},
    "/api/v1/catalogues/{code}/versions": {"POST": CATALOGUE_EDITORS},
    "/api/v1/catalogue-versions/{version_id}/entries": {"POST": CATALOGUE_EDITORS},
    "/api/v1/catalogue-versions/{version_id}/publish": {"POST": CATALOGUE_EDITORS},
    "/api/v1/ethics": {"GET": DUTY_READERS, "POST": DUTY_WRITERS},
    "/api/v1/ethics/{approval_id}/recognitions": {"POST": DUTY_WRITERS},
    # enterprise requests (诉求)
    "/requests": {"GET": REQUEST_READERS, "POST": require(Role.applicant)},
    "/requests/{request_id}": {"GET": REQUEST_READERS},
    "/requests/{request_id}/answer": {"POST": require(Role.reviewer)},
    "/requests/{request_id}/rating": {"POST": require(Role.applicant)},
    "/api/v1/requests": {"GET": REQUEST_READERS, "POST": require(Role.applicant)},
    "/api/v1/requests/{request_id}": {"GET": REQUEST_READERS},
    "/api/v1/requests/{request_id}/answer": {"POST": require(Role.reviewer)},
    "/api/v1/requests/{request_id}/rating": {"POST": require(Role.applicant)},
    "/api/v1/requests/{request_id}/attachments": {"GET": REQUEST_READERS, "POST": require(Role.applicant)},
    "/api/v1/requests/{request_id}/attachments/{attachment_id}": {"GET": REQUEST_READERS},
    # targets and the yearly evaluation
    "/targets": {"GET": TARGET_READERS, "POST": TARGET_WRITERS},
    "/targets/import": {"POST": TARGET_WRITERS},
    "/api/v1/targets": {"GET": TARGET_READERS},
    "/api/v1/targets/actuals": {"POST": TARGET_WRITERS},
    "/evaluation": {"GET": EVALUATION_READERS},
    "/evaluation.xlsx": {"GET": EVALUATION_READERS},
    "/api/v1/evaluation": {"GET": EVALUATION_READERS},
    # evidence files: own staff upload (prior awards: reviewers, administrators too); the reviewing
    # department, auditors and administrators read
    "/api/v1/evidence": {"GET": EVIDENCE_READERS, "POST": EVIDENCE_WRITERS},
    "/api/v1/evidence/{evidence_id}/file": {"GET": EVIDENCE_READERS},
    "/evidence/upload": {"POST": EVIDENCE_WRITERS},  # the application page's form
    "/applications/{application_id}/object": {"POST": LOGGED_IN},  # the application page's form
    # 公示: departments publish, anyone logged in objects, the responsible department resolves
    "/api/v1/notices": {"GET": NOTICE_READERS, "POST": require(Role.reviewer, Role.administrator)},
    "/api/v1/notices/{batch_id}": {"GET": NOTICE_READERS},
    "/api/v1/applications/{application_id}/objections": {"GET": NOTICE_READERS, "POST": LOGGED_IN},
    "/api/v1/objections/{objection_id}/resolve": {"POST": require(Role.reviewer)},
    # budgets: finance sets; finance, auditors and administrators read
    "/budgets": {"GET": BUDGET_READERS},
    "/api/v1/budgets": {"GET": BUDGET_READERS, "POST": require(Role.finance)},
    # 免申即享: administrators import; the organisation's staff confirm or correct
    "/api/v1/proactive/imports": {"POST": require(Role.administrator)},
    "/proposals": {"GET": PROPOSAL_READERS},
    "/proposals/{proposal_id}/confirm": {"POST": CASE_WRITERS},
    "/proposals/{proposal_id}/correct": {"POST": CASE_WRITERS},
    "/api/v1/proposals": {"GET": PROPOSAL_READERS},
    "/api/v1/proposals/{proposal_id}/confirm": {"POST": CASE_WRITERS},
    "/api/v1/proposals/{proposal_id}/correct": {"POST": CASE_WRITERS},
}


def rule_for(path: str, method: str) -> Rule | None:
    methods = POLICY.get(path, {})
    return methods.get("GET" if method == "HEAD" else method)


# -- the routes of an app, as declared --------------------------------------------------------------


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    enforced: bool  # an API route (the app-wide dependency runs); others must be public
    route: Any


def app_routes(app: FastAPI) -> Iterator[RouteInfo]:
    """Every route of ``app`` with its full path (routers included under a prefix are expanded)."""
    for r in app.routes:
        contexts = getattr(r, "effective_route_contexts", None)
        if contexts is not None:  # FastAPI ≥ 0.16x: an included router
            for c in contexts():
                yield RouteInfo(c.path, frozenset(c.methods or ()), True, c.original_route)
        else:
            methods = getattr(r, "methods", None) or {"GET"}
            yield RouteInfo(r.path, frozenset(methods) - {"HEAD"}, hasattr(r, "dependant"), r)


def _full_paths(app: FastAPI) -> dict[int, str]:
    table = getattr(app.state, "route_paths", None)
    if table is None:
        table = {id(info.route): info.path for info in app_routes(app)}
        app.state.route_paths = table
    return table


# -- enforcing ---------------------------------------------------------------------------------------


class LoginRequired(Exception):
    def __init__(self, expired: bool) -> None:
        self.expired = expired


class AccessDenied(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfRejected(Exception):
    pass


class PasswordDue(Exception):
    pass


async def enforce(request: Request) -> None:
    """The app-wide dependency: the route's rule, the session, the CSRF token."""
    route = request.scope.get("route")
    path = _full_paths(request.app).get(id(route), getattr(route, "path", request.url.path))
    rule = rule_for(path, request.method)
    loaded = await load(request)
    if rule is None:
        raise AccessDenied(f"此地址（{request.method} {path}）尚未声明访问规则，暂不开放")
    principal = request.state.principal
    if not rule.allows(principal):
        if principal is None:
            raise LoginRequired(loaded.expired)
        raise AccessDenied("您的账号没有访问此页面的权限")
    if principal is not None and principal.must_change_password and not rule.while_password_due:
        raise PasswordDue
    if request.method in UNSAFE and rule.csrf:
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            given = (await form_fields(request)).get(CSRF_FIELD)
        if not csrf_matches(expected_csrf(request), given):
            raise CsrfRejected


# -- answering refusals ------------------------------------------------------------------------------


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _page(request: Request, status: int, title: str, message: str, back: tuple[str, str]) -> Response:
    from biopolicy.web.pages.render import render

    return render(request, "error.html", status_code=status, title=title, message=message, back=back)


def _json(status: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content=error_body(message))


async def _login_required(request: Request, exc: LoginRequired) -> Response:
    message = "登录已过期，请重新登录" if exc.expired else "请先登录"
    if _is_api(request):
        response: Response = _json(401, message)
    else:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = f"next={quote(target, safe='')}" + ("&expired=1" if exc.expired else "")
        response = RedirectResponse(f"/login?{query}", status_code=303)
    if exc.expired:
        clear_session_cookie(response)
    return response


async def _denied(request: Request, exc: AccessDenied | CaseForbidden | AuditForbidden) -> Response:
    message = getattr(exc, "message", None) or str(exc)
    if _is_api(request):
        return _json(403, message)
    return _page(request, 403, "无权访问", message, ("/", "返回首页"))


async def _csrf(request: Request, exc: CsrfRejected) -> Response:
    message = (
        "表单缺少有效的防伪令牌（可能已过期，或来自其他网站），未做任何更改。请返回上一页，刷新后重新提交。"
    )
    if _is_api(request):
        return _json(403, f"缺少或错误的 {CSRF_HEADER} 请求头：未做任何更改（令牌见 GET /api/v1/account）")
    return _page(request, 403, "请求被拒绝", message, ("/", "返回首页"))


async def _password_due(request: Request, exc: PasswordDue) -> Response:
    if _is_api(request):
        return _json(403, "请先修改密码（管理员重置的一次性密码须修改后才能使用）")
    return RedirectResponse("/account/password?due=1", status_code=303)


async def _case_not_found(request: Request, exc: CaseNotFound) -> Response:
    if _is_api(request):
        return _json(404, str(exc))
    return _page(request, 404, "未找到", str(exc), ("/cases", "返回我的测算"))


async def _conflict(request: Request, exc: VersionConflict) -> Response:
    if _is_api(request):
        return _json(409, str(exc))
    return _page(request, 409, "未保存：测算已被他人更新", str(exc), ("/cases", "返回我的测算"))


async def _bad_input(request: Request, exc: AccountError | SavedCaseError) -> Response:
    if _is_api(request):
        return JSONResponse(status_code=422, content=error_body(str(exc), problem_items(exc.problems)))
    return _page(request, 422, "无法保存", str(exc), ("/cases", "返回我的测算"))


def install(app: FastAPI) -> None:
    """The answers to refusals; ``enforce`` itself is the app's dependency (web/app.py)."""
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(AccessDenied, _denied)
    app.add_exception_handler(CaseForbidden, _denied)
    app.add_exception_handler(AuditForbidden, _denied)
    app.add_exception_handler(CsrfRejected, _csrf)
    app.add_exception_handler(PasswordDue, _password_due)
    app.add_exception_handler(CaseNotFound, _case_not_found)
    app.add_exception_handler(VersionConflict, _conflict)
    app.add_exception_handler(AccountError, _bad_input)
    app.add_exception_handler(SavedCaseError, _bad_input)
