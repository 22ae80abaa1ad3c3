"""Log-in sessions and CSRF tokens in the browser.

The session cookie (``bp_session``) carries a random token signed with ``secret_key``
(itsdangerous, timed: a cookie older than the session's absolute end is refused before the
database is asked). The database keeps the token's sha256, its CSRF token and its idle and
absolute ends (services.accounts), so any worker can serve any request and a log-out ends the
session everywhere. The cookie is HttpOnly, SameSite=Lax, and Secure whenever the app's
``base_url`` is https (production); over plain http (``make run`` on 127.0.0.1) a Secure cookie
would never come back.

CSRF: every state-changing form carries the session's token in a hidden field ``csrf_token``
(API clients send it in the ``X-CSRF-Token`` header; GET /api/v1/account gives it). Before log-in
(the log-in form itself) the token is a random value kept in a signed cookie ``bp_csrf`` and
repeated in the form (double submit).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from biopolicy.services import accounts
from biopolicy.services.accounts import ActiveSession, SessionExpired
from biopolicy.services.database import unit_of_work
from biopolicy.settings import Settings, get_settings

SESSION_COOKIE = "bp_session"
CSRF_COOKIE = "bp_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PRE_LOGIN_MAX_AGE = 2 * 3600


def settings_of(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


def database_url_of(request: Request) -> str | None:
    """The app's database (``create_app(database_url=…)``), else the settings'."""
    return getattr(request.app.state, "database_url", None)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def uow_for(request: Request, actor: str | None = None):  # noqa: ANN201 - a UnitOfWork
    principal = getattr(request.state, "principal", None)
    who = actor or (principal.actor if principal is not None else "anonymous")
    return unit_of_work(who, client_ip(request), database_url_of(request))


def _signer(request: Request, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings_of(request).secret_key, salt=salt)


def _secure(request: Request) -> bool:
    return settings_of(request).base_url.lower().startswith("https://")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    value = _signer(request, "biopolicy.session").dumps(token)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=int(accounts.ABSOLUTE.total_seconds()),
        httponly=True,
        secure=_secure(request),
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


@dataclass
class Loaded:
    session: ActiveSession | None
    expired: bool  # a session cookie came, but its session is over (or the cookie was tampered with)


def _token(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        return _signer(request, "biopolicy.session").loads(
            raw, max_age=int(accounts.ABSOLUTE.total_seconds())
        )
    except BadSignature:
        return ""


async def load(request: Request) -> Loaded:
    """The request's session, once per request (kept on ``request.state``)."""
    cached = getattr(request.state, "loaded", None)
    if cached is not None:
        return cached
    token = _token(request)
    loaded = Loaded(None, False)
    if token == "":
        loaded = Loaded(None, True)
    elif token:

        def resume() -> ActiveSession | None:
            with uow_for(request, "system") as uow:
                try:
                    return accounts.resume_session(uow, token)
                except SessionExpired:
                    return None

        active = await run_in_threadpool(resume)
        loaded = Loaded(active, active is None)
    request.state.loaded = loaded
    request.state.principal = loaded.session.principal if loaded.session else None
    request.state.csrf = loaded.session.csrf_token if loaded.session else None
    request.state.session_token = token or None
    return loaded


# -- CSRF before log-in ---------------------------------------------------------------------------


def pre_login_csrf(request: Request, response: Response) -> str:
    """The log-in form's token: the one in the signed cookie, or a new one set on ``response``."""
    raw = request.cookies.get(CSRF_COOKIE)
    if raw:
        try:
            return _signer(request, "biopolicy.csrf").loads(raw, max_age=PRE_LOGIN_MAX_AGE)
        except BadSignature:
            pass
    value = secrets.token_urlsafe(32)
    response.set_cookie(
        CSRF_COOKIE,
        _signer(request, "biopolicy.csrf").dumps(value),
        max_age=PRE_LOGIN_MAX_AGE,
        httponly=True,
        secure=_secure(request),
        samesite="lax",
        path="/",
    )
    return value


def expected_csrf(request: Request) -> str | None:
    """The token a state-changing request must carry: the session's, or before log-in the cookie's."""
    csrf = getattr(request.state, "csrf", None)
    if csrf:
        return csrf
    raw = request.cookies.get(CSRF_COOKIE)
    if not raw:
        return None
    try:
        return _signer(request, "biopolicy.csrf").loads(raw, max_age=PRE_LOGIN_MAX_AGE)
    except BadSignature:
        return None


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and secrets.compare_digest(str(expected), str(given))


MAX_FORM_BYTES = 400_000  # a saved case's token travels in the 保存测算 form


async def form_fields(request: Request) -> dict[str, str]:
    """An URL-encoded form's fields (the last of a repeated name), read once; others give {}.

    Read from the body, as the calculator page does; a multipart form (with a file) through Starlette.
    """
    cached = getattr(request.state, "form_fields", None)
    if cached is not None:
        return cached
    fields: dict[str, str] = {}
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        # a page form with a file (the 免申即享 correction): parsed once by Starlette and cached on the
        # request, so the route reads the same form; only its text fields are the CSRF token's
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
    elif request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = await request.body()
        if len(body) <= MAX_FORM_BYTES:
            text = body.decode("utf-8", errors="replace")
            fields = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=5000))
    request.state.form_fields = fields
    return fields
