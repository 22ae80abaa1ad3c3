"""A measure in readable Chinese: who, which event, conditions, amount, ceilings, overlaps,
interpretation notes and in-force window; the logic of a rule shown beside the law it encodes.

Pure functions over the rule objects and the event catalogue (no I/O): the measure page, its JSON
twin and the calculator page all word a measure the same way. Conditions are worded by
``engine.conditions.describe``, as in the calculator's trace.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from biopolicy.domain.case import APPLICANT_KIND_LABELS
from biopolicy.domain.events import Catalogue
from biopolicy.domain.money import percent, yuan
from biopolicy.engine.conditions import describe as describe_condition
from biopolicy.engine.facts import FactLabels
from biopolicy.rules.schema import (
    All,
    AmountKind,
    AmountSpec,
    AmountTable,
    Cap,
    CapScope,
    Condition,
    Measure,
    Overlap,
    OverlapKind,
    RuleSet,
)

SCOPE_LABELS = {
    CapScope.product: "每个产品（各阶段、各年合计）",
    CapScope.subject: "每个事项（平台、中心或人员）合计",
    CapScope.subject_year: "每个事项每年",
    CapScope.applicant_year: "每个申请人每年",
    CapScope.applicant: "每个申请人合计",
}

OVERLAP_LABELS = {
    OverlapKind.highest_only: "就高从优，不重复享受（同一成果只取其中最高一项）",
    OverlapKind.excludes: "不重复享受（同一事项只能享受其中一项，先获者为准）",
}


class Line(BaseModel):
    """One readable sentence, with a label where it belongs to a named part (a table row, a category)."""

    label: str | None = None
    text: str


class CeilingText(BaseModel):
    id: str
    label: str
    scope: str = Field(description="上限按什么计，如“每个申请人每年”")
    amount: str
    excerpt: str
    clauses: list[str]
    notes: list[str]


class OverlapText(BaseModel):
    id: str
    kind: str
    rule: str = Field(description="重叠规则的中文说明")
    others: list[Line] = Field(description="同组的其他措施：label 为措施编号，text 为标题")
    excerpt: str
    clauses: list[str]
    notes: list[str]


class WindowText(BaseModel):
    start: str | None
    end: str | None
    text: str
    own: bool = Field(description="true：措施自己的有效期；false：沿用所属文件的有效期")


class MeasureDescription(BaseModel):
    """What a measure says, in Chinese sentences, each part citing where it comes from."""

    id: str
    title: str
    doc_id: str
    clauses: list[str]
    excerpts: list[str]
    who: str
    event: str
    event_description: str
    conditions: list[str]
    categories: list[Line]
    amount: list[Line]
    instalments: str | None
    ceilings: list[CeilingText]
    overlaps: list[OverlapText]
    notes: list[str]
    payers: list[str]
    in_force: WindowText


def describe_measure(m: Measure, rules: RuleSet, catalogue: Catalogue) -> MeasureDescription:
    labels = FactLabels(catalogue, m.event)
    event = catalogue.events.get(m.event)
    return MeasureDescription(
        id=m.id,
        title=m.title,
        doc_id=m.doc_id,
        clauses=list(m.clauses),
        excerpts=m.excerpts,
        who=who(m),
        event=event.label if event is not None else m.event,
        event_description=event.description if event is not None else "",
        conditions=conditions(m.conditions, labels, m.categories),
        categories=[
            # the category's own label names it; its condition, worded in full, says what it takes
            Line(label=cond.label or name, text=describe_condition(_unlabelled(cond), labels, m.categories))
            for name, cond in m.categories.items()
        ],
        amount=amount_lines(m, labels, rules),
        instalments=instalments(m),
        ceilings=[ceiling(c) for c in rules.caps if m.id in c.measures],
        overlaps=[overlap(o, m, rules) for o in rules.overlaps if m.id in o.measures],
        notes=[n.text for n in m.notes],
        payers=[
            (f"{'、'.join(f.places)}的申请人" if f.places else "所有申请人") + f"：由{f.payer}承担"
            for f in rules.funding.get(m.doc_id, [])
        ],
        in_force=window(m, rules),
    )


def who(m: Measure) -> str:
    kinds = "、".join(APPLICANT_KIND_LABELS.get(k, str(k)) for k in m.applicant.kinds)
    return f"{'、'.join(m.applicant.places)}的{kinds}"


def _unlabelled(cond: Condition) -> Condition:
    return cond.model_copy(update={"label": None}) if getattr(cond, "label", None) else cond


def conditions(cond: Condition | None, labels: FactLabels, categories: dict[str, Condition]) -> list[str]:
    """One sentence per condition that must all hold; an empty list means no further condition."""
    if cond is None:
        return []
    if isinstance(cond, All) and not cond.label:
        return [describe_condition(c, labels, categories) for c in cond.all]
    return [describe_condition(cond, labels, categories)]


def amount_lines(m: Measure, labels: FactLabels, rules: RuleSet) -> list[Line]:
    if isinstance(m.amount, AmountTable):
        return [Line(label=row.label, text=amount_text(row.amount, labels, rules)) for row in m.amount.table]
    return [Line(text=amount_text(m.amount, labels, rules))]


def amount_text(spec: AmountSpec, labels: FactLabels, rules: RuleSet) -> str:
    text = _figure_text(spec, labels, rules)
    if spec.per is not None and spec.kind not in (AmountKind.top_up, AmountKind.waiver, AmountKind.unknown):
        text = f"每{labels.label(spec.per)}计：{text}"
    if spec.headroom is not None:
        text += f"；另须满足：{spec.headroom.label}"
    return text


def _figure_text(spec: AmountSpec, labels: FactLabels, rules: RuleSet) -> str:
    cap = f"，单项最高 {yuan(spec.cap)}" if spec.cap is not None else ""
    if spec.kind == AmountKind.unknown:
        return f"{spec.basis}，无法算出具体数额" + (f"；原文上限 {yuan(spec.cap)}" if spec.cap else "")
    if spec.kind == AmountKind.waiver:
        return f"免收{labels.label(spec.base)}，免收的数额即该项费用"
    if spec.kind == AmountKind.top_up:
        text = f"补足至 {yuan(spec.to)}：扣除同一事项此前已获的"
        named = [rules.measures[i].title if i in rules.measures else i for i in spec.net_of]
        parts = ["、".join(named)] if named else []
        if spec.net_of_programmes:
            parts.append("外部项目资助")
        return text + ("及".join(parts) or "奖励") + "，只补差额"
    if spec.effective_rate is not None:
        base = labels.label(spec.base)
        rate = f"{spec.ratio}的比例配套" if spec.ratio is not None else percent(spec.rate)
        word = {AmountKind.at_most: "最高", AmountKind.at_least: "不少于"}.get(spec.kind, "")
        return f"按{base}的{word}{rate}给予{cap}"
    if spec.value is not None:
        word = {AmountKind.at_most: "最高给予", AmountKind.at_least: "不少于"}.get(spec.kind, "给予")
        return f"{word} {yuan(spec.value)}{cap}"
    return f"最高 {yuan(spec.cap or Decimal(0))}（原文只规定上限，未规定具体计算方法）"


def instalments(m: Measure) -> str | None:
    if m.instalments is None:
        return None
    shares = "、".join(percent(s) for s in m.instalments.shares)
    text = f"分{len(m.instalments.shares)}年拨付，各年比例 {shares}（首笔在成果当年）"
    return text + (f"；{m.instalments.note}" if m.instalments.note else "")


def ceiling(c: Cap) -> CeilingText:
    return CeilingText(
        id=c.id,
        label=c.label,
        scope=SCOPE_LABELS.get(c.scope, str(c.scope)),
        amount=yuan(c.amount),
        excerpt=c.excerpt,
        clauses=list(c.clauses),
        notes=[n.text for n in c.notes],
    )


def overlap(o: Overlap, m: Measure, rules: RuleSet) -> OverlapText:
    others = [i for i in o.measures if i != m.id]
    return OverlapText(
        id=o.id,
        kind=str(o.kind),
        rule=OVERLAP_LABELS.get(o.kind, str(o.kind)),
        others=[Line(label=i, text=rules.measures[i].title if i in rules.measures else i) for i in others],
        excerpt=o.excerpt,
        clauses=list(o.clauses),
        notes=[n.text for n in o.notes],
    )


def window(m: Measure, rules: RuleSet) -> WindowText:
    w = rules.window(m)
    start, end = w.from_, w.to
    if start and end:
        text = f"{start.isoformat()} 至 {end.isoformat()}"
    elif end:
        text = f"至 {end.isoformat()}"
    elif start:
        text = f"自 {start.isoformat()} 起"
    else:
        text = "未规定有效期"
    return WindowText(
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
        text=text + ("" if m.in_force is not None else "（沿用所属文件的有效期）"),
        own=m.in_force is not None,
    )


def fact_label(catalogue: Catalogue, event_type: str, path: str) -> str:
    """The Chinese name of a fact a measure reads (``product.registration_class`` -> 注册分类)."""
    return FactLabels(catalogue, event_type).label(path)


def is_table(m: Measure) -> bool:
    """Whether the measure's amount is a table by category or stage (分档)."""
    return isinstance(m.amount, AmountTable)
