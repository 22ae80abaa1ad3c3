"""The doors of the web app, installed by ``install_doors(app, settings)`` from ``create_app``.

- trusted hosts (``settings.trusted_hosts``), answered in Chinese;
- the body limit (``settings.max_body_bytes``): refused from its Content-Length before reading,
  and counted as it arrives;
- security headers on every response: Content-Security-Policy, nosniff, frame-ancestors 'none'
  and X-Frame-Options, Referrer-Policy; no server banner;
- /docs and /redoc from the app's own copies of Swagger UI and ReDoc (the fastapi-offline
  package ships them), so they work without internet and under the CSP;
- the OpenAPI document corrected to say what the API really answers (web/openapi.py).

Middleware order, outermost first: security headers (outside even Starlette's error middleware,
so that a 500 has them too), then Starlette's stack with trusted hosts and the body limit.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from biopolicy.services.requests import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from biopolicy.settings import Settings
from biopolicy.web.middleware import BodyLimit, SecurityHeaders, TrustedHosts
from biopolicy.web.openapi import truthful_openapi

DOCS_ASSETS = "/docs-assets"
# the routes that take a file: evidence, 免申即享 imports, meeting minutes, a request's attachment
UPLOAD_PATHS = (
    "/api/v1/evidence",
    "/evidence/upload",
    "/api/v1/proactive/imports",
    "/duties/records",
    "/api/v1/duties/records",
    "/api/v1/requests/{request_id}/attachments",
)
MULTIPART_OVERHEAD = 65_536  # the form's boundaries and its few small fields


def docs_assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def install_doors(app: FastAPI, settings: Settings) -> None:
    # a file may be larger than any other body: the evidence limit, on the upload routes only
    wider = {path: settings.evidence_max_bytes + MULTIPART_OVERHEAD for path in UPLOAD_PATHS}
    # the request form carries its attachments with it: as many files as a request may have
    wider["/requests"] = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + MULTIPART_OVERHEAD
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, wider=wider)
    app.add_middleware(TrustedHosts, allowed_hosts=settings.trusted_hosts)
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build())  # type: ignore[method-assign]

    app.mount(DOCS_ASSETS, StaticFiles(directory=docs_assets_dir()), name="docs-assets")
    app.add_api_route("/docs", swagger_page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc_page, methods=["GET"], include_in_schema=False)
    app.openapi = lambda: truthful_openapi(app, settings.max_body_bytes)  # type: ignore[method-assign]


def swagger_page(request: Request) -> HTMLResponse:
    from biopolicy.web.pages import templates

    return templates.TemplateResponse(request, "docs_swagger.html", {})


def redoc_page(request: Request) -> HTMLResponse:
    from biopolicy.web.pages import templates

    return templates.TemplateResponse(request, "docs_redoc.html", {})
