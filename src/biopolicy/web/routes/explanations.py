"""Law beside logic: each encoded measure with the text of the clauses it cites, its logic in
readable Chinese, its in-force status, and (one measure) its test cases run as worked examples."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from biopolicy.domain.case import CaseError
from biopolicy.domain.dates import IsoDate
from biopolicy.domain.money import decimal_str, yuan
from biopolicy.rules.schema import Measure
from biopolicy.services.calculator import Calculator
from biopolicy.services.describe import MeasureDescription, describe_measure
from biopolicy.services.examples import Example, case_facts, examples_for
from biopolicy.services.library import Library, NotFound
from biopolicy.services.status import window_in_force
from biopolicy.web.deps import CalculatorDep, LibraryDep
from biopolicy.web.errors import ErrorBody
from biopolicy.web.limits import MAX_ID_LENGTH
from biopolicy.web.routes.overview import WindowStatus
from biopolicy.web.schemas import ClauseOut

router = APIRouter(tags=["措施"])

_NOT_FOUND = {404: {"model": ErrorBody, "description": "没有这个编号的措施、文件或条款"}}

_KIND_WORDS = {"exact": "", "at_most": "最高可得 ", "at_least": "不少于 ", "waiver": "免收 "}
_ELIGIBILITY = {"yes": "符合", "no": "不符合", "unknown": "待补充信息"}


class ExampleResult(BaseModel):
    """What the calculator answers for one event of the case under this measure."""

    event_id: str
    eligibility: str = Field(description="yes / no / unknown")
    eligibility_label: str
    amount_kind: str
    amount: str | None = Field(description="十进制数字字符串，元；无法算出时为 null")
    amount_text: str = Field(description="金额的中文说明，如“最高可得 12,000,000元（1200万元）”")
    reason: str | None
    clauses: list[str] = Field(description="结果及其每一步所引的条款")
    overlap: str | None = Field(description="重叠处理的结果：won / lost / unresolved / excluded")


class WorkedExample(BaseModel):
    name: str = Field(description="案例名：它证明的那句话")
    source: str = Field(description="案例所在文件，如 xm-2025-1/tests.yaml")
    facts: list[list[str]] = Field(description="输入事实，每项为 [名称, 取值]")
    case: dict[str, Any] = Field(description="案例原文（案例格式）")
    results: list[ExampleResult]
    error: str | None = Field(default=None, description="案例本身有误时的中文说明（此时没有结果）")


class MeasureExplanation(BaseModel):
    description: MeasureDescription
    in_force: WindowStatus
    clauses: list[ClauseOut] = Field(description="所引条款的全文")
    examples: list[WorkedExample] = Field(description="以本措施为对象的测试案例；只在单项查询中给出")


class ExplanationList(BaseModel):
    as_of: dt.date
    measures: list[MeasureExplanation]


def explain(
    m: Measure,
    library: Library,
    calculator: Calculator,
    as_of: dt.date,
    with_examples: bool = False,
) -> MeasureExplanation:
    rules = calculator.rules
    return MeasureExplanation(
        description=describe_measure(m, rules, calculator.catalogue),
        in_force=WindowStatus(**WindowStatus.fields_of(window_in_force(rules.window(m), as_of))),
        clauses=[ClauseOut.of(library.clause(c), library.children(c)) for c in m.clauses],
        examples=[worked(e, m.id, calculator) for e in examples_for(m.id)] if with_examples else [],
    )


def worked(example: Example, measure_id: str, calculator: Calculator) -> WorkedExample:
    facts = [[k, v] for k, v in case_facts(example.case, calculator.catalogue)]
    try:
        assessment = calculator.assess(example.case)
    except CaseError as exc:  # a case file being edited: show what is wrong, keep the page up
        return WorkedExample(
            name=example.name,
            source=example.source,
            facts=facts,
            case=example.case,
            results=[],
            error=str(exc),
        )
    events = set(example.events_for(measure_id))
    results = [
        ExampleResult(
            event_id=e.event_id,
            eligibility=e.eligibility.value,
            eligibility_label=_ELIGIBILITY.get(e.eligibility.value, e.eligibility.value),
            amount_kind=e.amount.kind,
            amount=None if e.amount.value is None else decimal_str(e.amount.value),
            amount_text=_amount_text(e),
            reason=e.reason,
            clauses=list(dict.fromkeys([*e.clauses, *(c for s in e.steps for c in s.clauses)])),
            overlap=e.overlap.outcome if e.overlap else None,
        )
        for e in assessment.entitlements
        if e.measure_id == measure_id and e.event_id in events
    ]
    return WorkedExample(
        name=example.name,
        source=example.source,
        facts=facts,
        case=example.case,
        results=results,
    )


def _amount_text(e) -> str:
    if e.eligibility.value == "no":
        return "不适用"
    if e.amount.value is None:
        ceiling = f"（原文上限 {yuan(e.amount.ceiling)}）" if e.amount.ceiling is not None else ""
        return "无法算出具体数额" + ceiling
    return _KIND_WORDS.get(e.amount.kind, "") + yuan(e.amount.value)


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
) -> ExplanationList:
    day = as_of or dt.date.today()
    if clause is not None:
        library.clause(clause)  # an unknown clause is a 404, not an empty list
        measures = [m for m in calculator.measures_citing(clause) if doc is None or m.doc_id == doc]
    else:
        measures = calculator.measures(doc)
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
