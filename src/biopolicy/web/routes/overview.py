"""What is in force on a day: every document and measure with its status and window."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from biopolicy.domain.dates import IsoDate
from biopolicy.services.calculator import Calculator
from biopolicy.services.library import Library
from biopolicy.services.status import LABELS, ORDER, InForce, Status, document_in_force, window_in_force
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.errors import ErrorBody

router = APIRouter(tags=["总览"])


class WindowStatus(BaseModel):
    start: dt.date | None = Field(description="施行日；null 表示原文未写明")
    end: dt.date | None = Field(description="有效期末日；null 表示原文未写明")
    window: str = Field(description="有效期的文字说明，如“2023-11-20 至 2026-12-31”")
    status: Status = Field(
        description="in_force 现行有效 / expired 已失效 / not_yet 尚未施行 / no_window 未规定有效期"
    )
    status_label: str

    @staticmethod
    def fields_of(f: InForce) -> dict:
        return {
            "start": f.start,
            "end": f.end,
            "window": f.window_text,
            "status": f.status,
            "status_label": f.label,
        }


class DocumentStatus(WindowStatus):
    id: str
    title: str
    number: str | None
    note: str | None = Field(description="有效期是如何读出的，或原文未写明")
    measure_count: int = Field(description="已编码的措施数")


class MeasureStatus(WindowStatus):
    id: str
    title: str
    doc_id: str


class StatusCount(BaseModel):
    status: Status
    label: str
    documents: int
    measures: int


class Overview(BaseModel):
    as_of: dt.date
    counts: list[StatusCount] = Field(description="各状态的文件数和措施数")
    documents: list[DocumentStatus]
    measures: list[MeasureStatus]


def get_overview(library: Library, calculator: Calculator, as_of: dt.date) -> Overview:
    rules = calculator.rules
    docs = [
        DocumentStatus(
            id=d.id,
            title=d.title,
            number=d.number,
            note=d.in_force_note,
            measure_count=sum(1 for m in rules.measures.values() if m.doc_id == d.id),
            **WindowStatus.fields_of(document_in_force(d, as_of)),
        )
        for d in library.documents()
    ]
    measures = [
        MeasureStatus(
            id=m.id,
            title=m.title,
            doc_id=m.doc_id,
            **WindowStatus.fields_of(window_in_force(rules.window(m), as_of)),
        )
        for m in calculator.measures()
    ]
    counts = [
        StatusCount(
            status=s,
            label=LABELS[s],
            documents=sum(1 for d in docs if d.status == s),
            measures=sum(1 for m in measures if m.status == s),
        )
        for s in ORDER
    ]
    return Overview(as_of=as_of, counts=counts, documents=docs, measures=measures)


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
