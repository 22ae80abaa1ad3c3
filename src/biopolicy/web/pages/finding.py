"""Reading the filters of the search and measure pages from a query string (services/finding.py):
the values a page offers, and each problem by parameter in Chinese."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from biopolicy.domain.case import APPLICANT_KIND_LABELS
from biopolicy.domain.dates import parse_iso_date
from biopolicy.domain.places import CITIES
from biopolicy.services.calculator import Calculator
from biopolicy.services.finding import LEVELS, STATUSES, Filters, event_types_for_kind

FILTER_KEYS = ("level", "city", "status", "as_of", "kind", "event")


def read_filters(params: QueryParams, calculator: Calculator) -> tuple[Filters, dict[str, str]]:
    errors: dict[str, str] = {}
    day = date.today()
    raw_day = params.get("as_of") or ""
    if raw_day:
        try:
            day = parse_iso_date(raw_day)
        except ValueError:
            errors["as_of"] = f"状态日期应为 YYYY-MM-DD，如 2025-06-30，收到“{raw_day[:20]}”"
    f = Filters(
        level=params.get("level") or None,
        city=params.get("city") or None,
        status=params.get("status") or None,
        as_of=day,
        kind=params.get("kind") or None,
        event=params.get("event") or None,
    )
    errors.update(f.check(calculator))
    return f, errors


def choices(calculator: Calculator, kind: str | None) -> dict[str, Any]:
    events = calculator.catalogue.events
    return {
        "levels": list(LEVELS.items()),
        "cities": [c for c in CITIES],
        "statuses": list(STATUSES.items()),
        "kinds": [(k.value, label) for k, label in APPLICANT_KIND_LABELS.items()],
        "events": [(name, events[name].label) for name in event_types_for_kind(calculator, kind)],
    }


def query_without_page(params: QueryParams) -> str:
    """The query string as asked, without ``page``: the base of the pager's links."""
    return urlencode([(k, v) for k, v in params.multi_items() if k != "page" and v])
