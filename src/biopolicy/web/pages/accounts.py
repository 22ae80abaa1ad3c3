"""登录、退出、修改密码: /login, /logout, /account/password (services/accounts.py).

The log-in form is the one state-changing form before a session exists: its CSRF token lives in
a signed cookie (web/session.py). A log-in always starts a new session (no fixation); ``next`` is
followed only when it is a path of this site.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from biopolicy.services import accounts
from biopolicy.services.accounts import AccountError, LoginFailed
from biopolicy.web.pages.render import render
from biopolicy.web.session import (
    CSRF_COOKIE,
    clear_session_cookie,
    client_ip,
    form_fields,
    pre_login_csrf,
    set_session_cookie,
    uow_for,
)

router = APIRouter()


def safe_next(target: str | None, default: str = "/cases") -> str:
    """A local path only: ``/cases/x`` yes; ``//evil.example``, ``https://…``, ``/\\evil`` no."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\n" in target:
        return default
    return target


def _login_page(request: Request, status: int = 200, error: str | None = None, login: str = "") -> Response:
    cookie_carrier = Response()
    token = pre_login_csrf(request, cookie_carrier)
    q = request.query_params
    notice = None
    if q.get("expired"):
        notice = "登录已过期，请重新登录"
    elif q.get("out"):
        notice = "已退出登录"
    elif q.get("next"):
        notice = "请先登录"
    response = render(
        request,
        "login.html",
        status_code=status,
        title="登录",
        csrf_token=token,
        next=safe_next(q.get("next"), ""),
        notice=notice,
        error=error,
        login=login,
    )
    for value in cookie_carrier.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", value)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Response:
    form = await form_fields(request)
    login = str(form.get("login") or "").strip()[:64]
    password = str(form.get("password") or "")[:1024]
    target = safe_next(str(form.get("next") or ""))
    old_token = getattr(request.state, "session_token", None)

    def run() -> accounts.SessionStart:
        with uow_for(request, f"login:{login}") as uow:
            principal = accounts.authenticate(uow, login, password)
        with uow_for(request, principal.actor) as uow:
            if old_token:
                accounts.end_session(uow, old_token)
            return accounts.start_session(uow, principal, client_ip(request))

    try:
        started = await run_in_threadpool(run)
    except LoginFailed as exc:
        return _login_page(request, status=400, error=str(exc), login=login)
    if started.principal.must_change_password:
        target = "/account/password?due=1"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, started.token)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    token = getattr(request.state, "session_token", None)
    if token:
        with uow_for(request) as uow:
            accounts.end_session(uow, token)
    response = RedirectResponse("/login?out=1", status_code=303)
    clear_session_cookie(response)
    return response


def _password_page(
    request: Request, status: int = 200, problems: list[str] | None = None, done: bool = False
) -> Response:
    return render(
        request,
        "account_password.html",
        status_code=status,
        title="修改密码",
        problems=problems or [],
        done=done,
        due=bool(request.query_params.get("due")) or request.state.principal.must_change_password,
        min_length=accounts.MIN_PASSWORD,
    )


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request) -> Response:
    return _password_page(request)


@router.post("/account/password", response_class=HTMLResponse)
async def password_submit(request: Request) -> Response:
    form = await form_fields(request)
    current = str(form.get("current") or "")[:1024]
    new = str(form.get("new") or "")[:1024]
    confirm = str(form.get("confirm") or "")[:1024]
    principal = request.state.principal
    if new != confirm:
        return _password_page(request, 422, ["确认新密码：与新密码不一致"])

    def run() -> None:
        with uow_for(request) as uow:
            accounts.change_password(
                uow, principal.user_id, current, new, keep_session=request.state.session_token
            )

    try:
        await run_in_threadpool(run)
    except AccountError as exc:
        return _password_page(request, 422, exc.problems)
    request.state.principal = principal.model_copy(update={"must_change_password": False})
    return _password_page(request, done=True)
