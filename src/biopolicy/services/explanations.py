"""Law beside logic: each encoded measure with the text of the clauses it cites, its logic in
readable Chinese, its in-force status, and (one measure) its test cases run as worked examples."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from biopolicy.domain.case import CaseError
from biopolicy.domain.money import decimal_str, yuan
from biopolicy.rules.schema import Measure
from biopolicy.services.calculator import Calculator
from biopolicy.services.describe import MeasureDescription, describe_measure
from biopolicy.services.examples import Example, case_facts, examples_for
from biopolicy.services.guides import GuideView, guide_view
from biopolicy.services.library import Library
from biopolicy.services.models import ClauseOut
from biopolicy.services.overview import WindowStatus
from biopolicy.services.status import window_in_force
from biopolicy.services.wording import amount_text

_ELIGIBILITY = {"yes": "符合", "no": "不符合", "unknown": "待补充信息"}


class ExampleResult(BaseModel):
    """What the calculator answers for one event of the case under this measure."""

    event_id: str
    eligibility: str = Field(description="yes / no / unknown")
    eligibility_label: str
    amount_kind: str
    amount: str | None = Field(description="十进制数字字符串，元；无法算出时为 null")
    amount_text: str = Field(description="金额的中文说明，如“最高可得 1200万元（12,000,000元）”")
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
    guide: GuideView = Field(
        description="申兑指南：责任单位、申报材料、申报时间、联系方式，原文未写明的为“原文未载明”"
    )


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
        guide=guide_view(m.id),
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
    return amount_text(e.amount)
