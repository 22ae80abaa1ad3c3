"""The encoded measures: each with its clauses, conditions, amount, ceilings and overlaps."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query

from biopolicy.services.models import MeasureList, MeasureOut
from biopolicy.web.deps import CalculatorDep
from biopolicy.web.errors import ErrorBody
from biopolicy.web.limits import MAX_ID_LENGTH

router = APIRouter(tags=["措施"])

_NOT_FOUND = {404: {"model": ErrorBody, "description": "没有这个编号的措施或文件"}}


@router.get("/measures", summary="措施列表", responses=_NOT_FOUND)
def list_measures(
    calculator: CalculatorDep,
    doc: str | None = Query(None, max_length=MAX_ID_LENGTH, description="只列出这份文件的措施，如 xm-2023"),
) -> MeasureList:
    rules = calculator.rules
    return MeasureList(
        rules_version=rules.version,
        measures=[
            MeasureOut.of(m, rules.window(m), rules.caps, rules.overlaps) for m in calculator.measures(doc)
        ],
    )


@router.get("/measures/{measure_id:path}", summary="一项措施", responses=_NOT_FOUND)
def get_measure(
    calculator: CalculatorDep,
    measure_id: str = Path(
        max_length=MAX_ID_LENGTH,
        description="措施编号，如 xm-2023/m16-national-top-up",
        examples=["xm-2023/m1-clinical"],
    ),
) -> MeasureOut:
    rules = calculator.rules
    m = calculator.measure(measure_id)
    return MeasureOut.of(m, rules.window(m), rules.caps, rules.overlaps)
