"""What is in force on a day: every document and measure with its status and window."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from biopolicy.domain.dates import IsoDate
from biopolicy.services.overview import Overview, get_overview
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.errors import ErrorBody

router = APIRouter(tags=["总览"])


@router.get(
    "/overview",
    summary="某日的有效状态总览",
    responses={422: {"model": ErrorBody, "description": "as_of 不是 YYYY-MM-DD 格式的日期"}},
)
def overview(
    library: LibraryDep,
    calculator: CalculatorDep,
    as_of: Annotated[IsoDate | None, Query(description="查询日（YYYY-MM-DD），默认今天")] = None,
) -> Overview:
    """Every document and measure with its in-force window and status on ``as_of``."""
    return get_overview(library, calculator, as_of or dt.date.today())
