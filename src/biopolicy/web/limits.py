"""Limits on what one request may ask of the engine (settings.max_events)."""

from __future__ import annotations

from typing import Any

from biopolicy.domain.case import CaseError
from biopolicy.domain.validation import Problem
from biopolicy.settings import Settings

MAX_ID_LENGTH = 200  # a document, clause or measure id in a query (the longest today is about 40)


def check_case_size(case: Any, settings: Settings) -> None:
    """A case with more events than ``settings.max_events`` is refused (422 naming ``events``)."""
    events = case.get("events") if isinstance(case, dict) else None
    if isinstance(events, list) and len(events) > settings.max_events:
        raise CaseError(
            [
                Problem(
                    ("events",),
                    f"一个案例最多 {settings.max_events} 项成果，收到 {len(events)} 项；请分批测算",
                )
            ]
        )
