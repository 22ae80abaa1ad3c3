"""Dates as ISO calendar dates only.

pydantic reads a date leniently: an integer (``0``, ``1735689600``) as seconds since 1970, a
datetime string (``2025-01-01T00:00``) as its day. A case, a query parameter or a share link that
says ``as_of=0`` is a mistake, not 1970-01-01: ``IsoDate`` takes a ``date`` (YAML gives those) or
a ``YYYY-MM-DD`` string and refuses everything else with a Chinese message.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_MESSAGE = "应为 YYYY-MM-DD 格式的日期（如 2025-06-30）"


def parse_iso_date(text: str) -> date:
    """``2025-06-30`` and nothing else (not ``20250630``, ``2025-W26-1`` or ``2025-6-30``)."""
    if not ISO_DATE.fullmatch(text):
        raise ValueError(DATE_MESSAGE)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"不是存在的日期（{text}），{DATE_MESSAGE}") from None


def iso_date(value: Any) -> date:
    """The pydantic validator of ``IsoDate``."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_iso_date(value)
        except ValueError as exc:
            raise PydanticCustomError("date_format", str(exc)) from None
    raise PydanticCustomError("date_format", DATE_MESSAGE)


IsoDate = Annotated[date, BeforeValidator(iso_date)]
