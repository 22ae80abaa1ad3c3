"""ASGI middleware at the doors: trusted hosts, the body limit, and security headers.

Pure ASGI (no BaseHTTPMiddleware), so a handler can still see its client go
(``request.is_disconnected()``).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette._utils import parse_host_header
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from biopolicy.web.errors import error_body, error_response

# Pages: scripts only from our own files; style attributes are allowed (a chart's height is one),
# <style> elements are not. No frames, no plugins, no <base>, forms post only to us.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# /docs and /redoc: Swagger UI and ReDoc are our own files too, but ReDoc writes <style> elements
# and runs its search in a blob: worker.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Adds a Content-Security-Policy and the other security headers to every response, and drops
    any ``server`` header an inner layer set (uvicorn's own is switched off by --no-server-header)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope.get("path", "") in DOCS_PATHS else PAGE_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                extra = {"content-security-policy": csp, **SECURITY_HEADERS}
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TrustedHosts(TrustedHostMiddleware):
    """Starlette's trusted-host check, answered in Chinese and never redirecting (a redirect would
    build a link from the Host header)."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        super().__init__(app, allowed_hosts=allowed_hosts, www_redirect=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        parsed = parse_host_header(Headers(scope=scope).get("host"))
        host = parsed.host.lower() if parsed is not None else ""
        if parsed is not None and any(
            host == p or (p.startswith("*") and host.endswith(p[1:])) for p in self.allowed_hosts
        ):
            await self.app(scope, receive, send)
            return
        detail = "请求的主机名（Host 请求头）不在本服务允许的范围内；请使用服务的正式地址访问"
        await _refuse(scope, receive, send, 400, detail)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body grows past the limit; the app's HTTPException handler
    answers it (413, in Chinese, as JSON or as a page)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"请求体过大：最多 {limit} 字节")


class BodyLimit:
    """Refuses a request body over ``max_bytes`` (413, in Chinese).

    A Content-Length over the limit is refused before any byte is read; the bytes are also counted
    as they arrive, so a body without a length, or longer than it said, is stopped at the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, wider: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # path -> its own limit (the upload routes); a path may name parameters, as a route does
        self.wider = [(compile_path(path)[0], limit) for path, limit in (wider or {}).items()]

    def limit_for(self, path: str) -> int:
        return next((limit for pattern, limit in self.wider if pattern.match(path)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        if limit != self.max_bytes:
            await BodyLimit(self.app, limit)(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and not declared.strip().isdigit():
            await _refuse(scope, receive, send, 400, "请求头 Content-Length 应为字节数")
            return
        if declared is not None and int(declared) > self.max_bytes:
            detail = f"请求体过大：最多 {self.max_bytes} 字节，本请求声明 {int(declared)} 字节"
            await _refuse(scope, receive, send, 413, detail)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:  # read outside the app's handlers (a middleware, a mount)
            if started:
                raise
            await _refuse(scope, receive, send, 413, str(exc.detail))


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    """The error as JSON, or as a page for a browser asking for one (web/errors.py)."""
    request = Request(scope, receive)
    response = error_response(request, status, error_body(detail)) if "app" in scope else None
    await (response or JSONResponse(error_body(detail), status_code=status))(scope, receive, send)
