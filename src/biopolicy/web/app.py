"""The web app: ``uvicorn biopolicy.web.app:create_app --factory``.

A thin shell around the services: the Library (corpus) and the Calculator (rules) are loaded once
at start-up, routers are mounted by resource under /api/v1, and errors are mapped to HTTP in
``errors.py``. The search index and jieba's dictionary are prepared in a background thread after
start (from the cache folder when the corpus has not changed), so the app answers at once; a
search that arrives before they are ready waits for them.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from biopolicy import __version__
from biopolicy.services import subscriptions
from biopolicy.services.calculator import Calculator, get_calculator
from biopolicy.services.database import unit_of_work
from biopolicy.services.library import Library, get_library
from biopolicy.services.models import skipped_rules
from biopolicy.settings import Settings, get_settings
from biopolicy.web import access
from biopolicy.web.assets import CachedStaticFiles, favicon_route
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import install_error_handlers
from biopolicy.web.pages import STATIC_DIR
from biopolicy.web.pages import accounts as account_pages
from biopolicy.web.pages import applications as application_pages
from biopolicy.web.pages import audit as audit_pages
from biopolicy.web.pages import calculator as calculator_page
from biopolicy.web.pages import cases as case_pages
from biopolicy.web.pages import duties as duty_pages
from biopolicy.web.pages import fulfilment as fulfilment_pages
from biopolicy.web.pages import home as home_page
from biopolicy.web.pages import library as library_pages
from biopolicy.web.pages import measures as measure_pages
from biopolicy.web.pages import notifications as notification_pages
from biopolicy.web.pages import overview as overview_page
from biopolicy.web.pages import requests as request_pages
from biopolicy.web.pages import simulate as simulate_page
from biopolicy.web.pages import targets as target_pages
from biopolicy.web.pages import watchlist as watchlist_pages
from biopolicy.web.pages import workbench as workbench_page
from biopolicy.web.routes import applications as application_routes
from biopolicy.web.routes import assess, cases, documents, explanations, measures, overview, search
from biopolicy.web.routes import audit as audit_routes
from biopolicy.web.routes import budgets as budget_routes
from biopolicy.web.routes import duties as duty_routes
from biopolicy.web.routes import evidence as evidence_routes
from biopolicy.web.routes import notices as notice_routes
from biopolicy.web.routes import notifications as notification_routes
from biopolicy.web.routes import proactive as proactive_routes
from biopolicy.web.routes import requests as request_routes
from biopolicy.web.routes import simulate as simulate_routes
from biopolicy.web.routes import targets as target_routes
from biopolicy.web.routes import watchlist as watchlist_routes
from biopolicy.web.security import install_doors

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

# HTML pages (web/pages/): one line per page module, each the twin of an API handler.
PAGE_ROUTERS: list[APIRouter] = [
    home_page.router,
    library_pages.router,
    measure_pages.router,
    overview_page.router,
    calculator_page.router,
    account_pages.router,
    case_pages.router,
    watchlist_pages.router,
    audit_pages.router,
    simulate_page.router,
    notification_pages.router,
    application_pages.router,
    duty_pages.router,
    request_pages.router,
    target_pages.router,
    fulfilment_pages.router,
    workbench_page.router,
]

# One line per resource: add a module under web/routes/ with a `router` and list it here.
API_ROUTERS: list[APIRouter] = [
    documents.router,
    search.router,
    measures.router,
    assess.router,
    explanations.router,
    overview.router,
    cases.router,
    watchlist_routes.router,
    audit_routes.router,
    simulate_routes.router,
    notification_routes.router,
    application_routes.router,
    duty_routes.router,
    request_routes.router,
    target_routes.router,
    evidence_routes.router,
    notice_routes.router,
    budget_routes.router,
    proactive_routes.router,
]

DESCRIPTION = "福建省、厦门市、福州市生物医药产业政策：条款级政策库、规则与测算。接口说明见 docs/api.md。"


def create_app(
    library: Library | None = None,
    calculator: Calculator | None = None,
    settings: Settings | None = None,
    database_url: str | None = None,
) -> FastAPI:
    """The app; pass ``library`` (and ``calculator``) to serve ones already built (tests), else the
    process's own are loaded at start-up. ``settings`` default to the environment's; the database is
    ``database_url``, else the settings'."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "library", None) is None:
            app.state.library = get_library()  # at start-up, so the first request does not pay for it
            if getattr(app.state, "calculator", None) is None:
                app.state.calculator = get_calculator()  # rules are checked against the corpus here
        _report_load(app.state.library)
        if getattr(app.state, "calculator", None) is not None:
            _report_rules(app.state.calculator)
        threading.Thread(
            target=_prepare_search, args=(app.state.library,), name="prepare-search", daemon=True
        ).start()
        if settings.scan_on_start and getattr(app.state, "calculator", None) is not None:
            threading.Thread(
                target=_scan_subscriptions,
                args=(app.state.calculator, app.state.database_url),
                name="scan-subscriptions",
                daemon=True,
            ).start()
        yield

    app = FastAPI(
        title="biopolicy",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from local assets by install_doors
        redoc_url=None,
        dependencies=[Depends(access.enforce)],  # every route's declared access rule (web/access.py)
    )
    app.state.library = library
    app.state.calculator = calculator
    app.state.settings = settings
    app.state.database_url = database_url or settings.db_url
    install_error_handlers(app)
    access.install(app)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/favicon.ico", favicon_route(STATIC_DIR), methods=["GET"], include_in_schema=False)
    for router in PAGE_ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.add_api_route(API_PREFIX + "/", home, methods=["GET"], summary="服务信息", tags=["服务"])
    install_doors(app, settings)  # limits, trusted hosts, security headers, offline docs, true OpenAPI
    app.add_middleware(GZipMiddleware, minimum_size=500)  # pages, JSON and static assets, when asked for
    return app


def home(calculator: CalculatorDep) -> dict[str, Any]:
    """What this is, where the API lives and the rules it assesses with (the documents whose
    measures failed to load are listed, with their problems); the twin of the home page (GET /)."""
    return {
        "name": "biopolicy",
        "version": __version__,
        "description": DESCRIPTION,
        "api": API_PREFIX,
        "docs": "/docs",
        "rules": {
            "version": calculator.rules.version,
            "measures": len(calculator.rules.measures),
            "skipped": [e.model_dump() for e in skipped_rules(calculator.skipped)],
        },
    }


def _prepare_search(library: Library) -> None:
    try:
        library.prepare_search()
    except Exception:  # the first search will try again and report what is wrong
        log.exception("search index not prepared")
    # The corpus, rules, the index and jieba's dictionary live as long as the process: keep the
    # garbage collector from walking them on every full collection (measured in bench/README.md).
    gc.freeze()


def _scan_subscriptions(calculator: Calculator, database_url: str) -> None:
    """Tell subscribers what changed since the last scan (services/subscriptions.py): off the
    start-up path; safe with several workers (the scan is serialised in the database)."""
    try:
        with unit_of_work("system:notify-scan", url=database_url) as uow:
            report = subscriptions.scan(uow, calculator)
        log.info("subscription scan: %s", report.summary)
    except Exception:  # a database not yet upgraded, or down: the next start or `notify scan` tries again
        log.warning("subscription scan at start-up failed", exc_info=True)


def _report_load(library: Library) -> None:
    log.info("policy library loaded: %d documents", len(library.documents()))
    for error in library.errors():
        log.warning("document failed to load: %s: %s", error.path, error.message)


def _report_rules(calculator: Calculator) -> None:
    for doc_id, problems in calculator.skipped.items():
        log.warning("measures of %s skipped: %s", doc_id, "; ".join(problems))
