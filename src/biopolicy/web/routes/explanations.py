"""Law beside logic: each encoded measure with the text of the clauses it cites, its logic in
readable Chinese, its in-force status, and (one measure) its test cases run as worked examples."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from biopolicy.domain.dates import IsoDate
from biopolicy.services.explanations import ExplanationList, MeasureExplanation, explain
from biopolicy.services.finding import Filters, filter_measures
from biopolicy.services.library import InvalidQuery, NotFound
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.errors import ErrorBody
from biopolicy.web.limits import MAX_ID_LENGTH
from biopolicy.web.routes.search import City, Event, Kind, Level, StatusQ

router = APIRouter(tags=["措施"])

_NOT_FOUND = {404: {"model": ErrorBody, "description": "没有这个编号的措施、文件或条款"}}


@router.get("/explanations", summary="措施的条文与逻辑对照（列表）", responses=_NOT_FOUND)
def list_explanations(
    library: LibraryDep,
    calculator: CalculatorDep,
    doc: Annotated[
        str | None, Query(max_length=MAX_ID_LENGTH, description="只列出这份文件的措施，如 xm-2023")
    ] = None,
    clause: Annotated[
        str | None,
        Query(
            max_length=MAX_ID_LENGTH, description="只列出实施这一条款（或其下级段落）的措施，如 xm-2023/m16"
        ),
    ] = None,
    as_of: Annotated[IsoDate | None, Query(description="有效状态的查询日（YYYY-MM-DD），默认今天")] = None,
    level: Level = None,
    city: City = None,
    status: StatusQ = None,
    kind: Kind = None,
    event: Event = None,
) -> ExplanationList:
    """Each measure with its clauses and logic; narrowed by level, city, status on ``as_of``,
    applicant kind and achievement when asked."""
    day = as_of or dt.date.today()
    if clause is not None:
        library.clause(clause)  # an unknown clause is a 404, not an empty list
        measures = [m for m in calculator.measures_citing(clause) if doc is None or m.doc_id == doc]
    else:
        measures = calculator.measures(doc)
    f = Filters(level or None, city or None, status or None, day, kind or None, event or None)
    if f.any:
        for name, message in f.check(calculator).items():
            raise InvalidQuery(message, field=name)
        kept = {m.id for m in filter_measures(calculator, f)}
        measures = [m for m in measures if m.id in kept]
    return ExplanationList(as_of=day, measures=[explain(m, library, calculator, day) for m in measures])


@router.get("/explanations/{measure_id:path}", summary="一项措施的条文与逻辑对照及算例", responses=_NOT_FOUND)
def get_explanation(
    library: LibraryDep,
    calculator: CalculatorDep,
    measure_id: str = Path(
        max_length=MAX_ID_LENGTH,
        description="措施编号，如 xm-2025-1/m15-new-products",
        examples=["xm-2023/m1-clinical"],
    ),
    as_of: Annotated[IsoDate | None, Query(description="有效状态的查询日（YYYY-MM-DD），默认今天")] = None,
) -> MeasureExplanation:
    m = calculator.measure(measure_id)
    return explain(m, library, calculator, as_of or dt.date.today(), with_examples=True)


__all__ = ["NotFound", "explain", "router"]
