"""The one place where the engine's structured results become Chinese.

The engine records what it decided as steps (``StepCode`` + values + clauses); this module writes
the sentence of each step, the words of each amount kind, overlap outcomes, the reason an
entitlement does not apply, and the one-sentence summary of an assessment. The CLI, the pages
(a Jinja filter / global registered from here) and the API all read these words, so each is
written once. Measures are named by their title and clauses by the document's short name and
label ("厦门市2023年若干措施（一）"); ids stay in the JSON for machines, never in the words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from biopolicy.domain import Corpus
from biopolicy.domain.assessment import AmountKind, AmountResult, Assessment, OverlapResult, Step, StepCode
from biopolicy.domain.case import APPLICANT_KIND_LABELS, ApplicantKind
from biopolicy.domain.money import percent
from biopolicy.domain.money import yuan as yuan  # the one written form of money, re-exported
from biopolicy.domain.money import yuan_parts as yuan_parts  # its halves, for pages that set them apart

# ---------------------------------------------------------------- amount kinds

KIND_WORDS = {  # the kind of a figure, as a column heading or a label
    AmountKind.exact: "确定金额",
    AmountKind.at_most: "最高可得",
    AmountKind.at_least: "至少",
    AmountKind.unknown: "金额无法算出",
    AmountKind.waiver: "免收费用",
    AmountKind.top_up: "补足至",
}
KIND_WORDS_BY_VALUE = {k.value: w for k, w in KIND_WORDS.items()} | {"mixed": "多种"}
_KIND_PREFIX = {  # before a figure: "最高可得 1200万元（12,000,000元）"
    AmountKind.exact: "",
    AmountKind.at_most: "最高可得 ",
    AmountKind.at_least: "不少于 ",
    AmountKind.waiver: "免收 ",
}
_RATE_WORD = {"at_most": "最高", "at_least": "不少于", "exact": ""}
_GIVE_WORD = {"exact": "给予", "at_most": "最高给予", "at_least": "不少于"}
ELIGIBILITY_WORDS = {"yes": "符合", "no": "不符合", "unknown": "待补充信息"}
OUTCOME_WORDS = {  # the badge of an overlap outcome on a card
    OverlapResult.won: "与其他措施不重复时取高：本项计入",
    OverlapResult.lost: "另一项措施金额更高，本项不另行给予",
    OverlapResult.unresolved: "与另一项措施只能择一享受，由主管部门审核时确定",
    OverlapResult.excluded: "已享受同类措施，本项不重复享受",
}
ONCE_SCOPE = {"product": "同一产品（品种）", "subject": "同一事项"}
CAP_SCOPE = {
    "product": "同一产品",
    "subject": "同一事项",
    "subject_year": "同一事项{year}年",
    "applicant_year": "{year}年",
    "applicant": "累计",
}
EXPIRY_NOTICE_DAYS = 90  # a document ending within this many days of the query date says so


def kind_word(kind: AmountKind | str) -> str:
    """The name of an amount kind: 确定金额 / 最高可得 / 至少 / 金额无法算出 / 免收费用."""
    try:
        return KIND_WORDS[AmountKind(kind)]
    except ValueError:
        return "多种" if kind == "mixed" else str(kind)


def amount_text(
    amount: AmountResult | None = None, *, kind: AmountKind | str | None = None, value=None
) -> str:
    """A figure with its kind: "最高可得 1200万元（12,000,000元）", "金额无法算出（原文上限 …）"."""
    if amount is not None:
        kind, value, ceiling = amount.kind, amount.value, amount.ceiling
    else:
        ceiling = None
    kind = AmountKind(kind) if kind is not None else AmountKind.unknown
    if value is None:
        text = "金额无法算出"
        return text + (f"（原文上限 {yuan(Decimal(ceiling))}）" if ceiling else "")
    return _KIND_PREFIX.get(kind, "") + yuan(Decimal(value))


# ---------------------------------------------------------------- names instead of ids


@dataclass
class Names:
    """How measures, documents and clauses are named to a user; ids only as a last resort."""

    measure_titles: dict[str, str] = field(default_factory=dict)
    corpus: Corpus | None = None

    def measure(self, measure_id: str | None, programme: str | None = None) -> str:
        if measure_id is None:
            return programme or "其他奖励"
        return f"“{self.measure_titles.get(measure_id, measure_id)}”"

    def measures(self, ids: list[str], sep: str = "、") -> str:
        return sep.join(self.measure(i) for i in ids)

    def document(self, doc_id: str) -> str:
        d = self.corpus.documents.get(doc_id) if self.corpus else None
        if d is None:
            return doc_id
        return d.short_name or d.title

    def document_title(self, doc_id: str) -> str:
        """The full title with its 文号, for the hover of a short name."""
        d = self.corpus.documents.get(doc_id) if self.corpus else None
        if d is None:
            return ""
        return f"《{d.title}》（{d.number}）" if d.number else f"《{d.title}》"

    def clause(self, clause_id: str) -> str:
        """ "厦门市2023年若干措施（一）": the document's short name and the clause's printed label."""
        doc_id = clause_id.split("/", 1)[0]
        c = self.corpus.clause(clause_id) if self.corpus and hasattr(self.corpus, "clause") else None
        if c is None and self.corpus is not None:
            d = self.corpus.documents.get(doc_id)
            c = next((x for x in d.clauses if x.id == clause_id), None) if d else None
        if c is None:
            return self.document(doc_id)
        label = (c.label or c.title or "").strip()
        if not label:
            parent = c.parent_id and self.clause(c.parent_id)
            return parent or self.document(doc_id)
        if c.parent_id and c.kind.value in ("paragraph",):
            return f"{self.clause(c.parent_id)}{label}"
        return f"{self.document(doc_id)}{_cited_label(label, c.kind.value)}"


_NUMERAL = re.compile(r"[0-9一二三四五六七八九十百]+")


def _cited_label(label: str, kind: str) -> str:
    """A printed label as it is cited after the document's name: "（十六）" stays; a measure printed
    "12." or "二十、" is cited "第12条" / "第二十条", never with the list's trailing dot or comma."""
    bare = label.rstrip("、.．，, ")
    if kind == "measure" and _NUMERAL.fullmatch(bare):
        return f"第{bare}条"
    return bare


# ---------------------------------------------------------------- steps


def _y(v: Any) -> str:
    return yuan(Decimal(v))


def _rate(v: dict) -> str:
    return f"{v['ratio']}配套" if v.get("ratio") else percent(Decimal(v["rate"]))


def _held(v: dict, n: Names) -> str:
    shown = []
    for h in v["holders"]:
        where = f"已获奖励 {h['paid_on']}" if h["prior"] else f"成果 {h['event_id']}"
        shown.append(f"{n.measure(h['measure_id'], h['programme'])}（{where}，{_y(h['value'])}）")
    more = f"等{v['count']}项" if v["count"] > 3 else ""
    return f"此前计入该上限的 {_y(v['taken'])} 来自：{'、'.join(shown)}{more}"


def _side(side: list[dict], n: Names) -> str:
    def shown(m: dict) -> str:
        if m["value"] is None:
            return "金额无法算出"
        if m["ceiling_only"]:
            return f"只有上限 {_y(m['value'])}，具体金额无法算出"
        return {"at_least": "不少于", "at_most": "最高 "}.get(m["kind"], "") + _y(m["value"])

    return " + ".join(f"{n.measure(m['measure_id'])}（{shown(m)}）" for m in side)


def _won(v: dict, n: Names) -> str:
    text = f"{v['excerpt']}：同一事项在 {n.measures(v['measures'])} 中取最高，本项最高"
    if v["together"]:
        text = (
            f"{v['excerpt']}：同一事项在 {n.measures(v['measures'])} 中取最高，"
            f"{n.measures(v['together'])} 可同时享受，合计最高"
        )
    if v["pending"]:
        text += f"（{n.measures(v['pending'])} 是否适用待补充信息，如适用且更高，以其为准）"
    if v["already"]:
        text += f"；已获 {_y(v['already'])}，只补差额 {_y(v['net'])}"
    return text


def _window(v: dict) -> str:
    start = v["from"] or "未规定"
    end = v["to"] or "原文未规定截止日，继续适用"
    return f"成果日期 {v['date']} 在有效期（{start} 至 {end}）内"


def _failure(code: StepCode, v: dict, n: Names) -> str:
    """The reason a measure does not apply (the entitlement's ``reason``)."""
    if code == StepCode.applicant_kind:
        kinds = "、".join(APPLICANT_KIND_LABELS[ApplicantKind(k)] for k in v["kinds"])
        return f"申请人类型应为{kinds}，实际为{APPLICANT_KIND_LABELS[ApplicantKind(v['actual'])]}"
    if code == StepCode.place:
        return f"本措施适用于{'、'.join(v['places'])}，申请人所在地为{v['where']}"
    if code == StepCode.before_window:
        return f"成果日期 {v['date']} 早于本措施施行日 {v['from']}"
    if code == StepCode.after_window:
        return f"成果日期 {v['date']} 晚于本措施有效期截止日 {v['to']}，届时已失效"
    if code == StepCode.condition_failed:
        return f"不满足条件：{v['failing']}"
    if code == StepCode.no_tier:
        return f"不属于本措施所列任何一档（{'、'.join(v['labels'])}）"
    if code == StepCode.once_already:
        scope = ONCE_SCOPE[v["scope"]]
        if v["prior"]:
            how = f"已获奖励（{v['paid_on']}，{_y(v['value'])}）"
        else:
            how = f"成果 {v['event_id']}（{v['paid_on']}）已计本项奖励"
        return f"本措施对{scope}只给予一次：“{v['key']}”{how}，本成果不再给予"
    raise KeyError(code)


FAILURES = {
    StepCode.applicant_kind,
    StepCode.place,
    StepCode.before_window,
    StepCode.after_window,
    StepCode.condition_failed,
    StepCode.no_tier,
    StepCode.once_already,
}

_STEPS: dict[StepCode, Callable[[dict, Names], str]] = {
    StepCode.in_window: lambda v, n: _window(v),
    StepCode.no_window: lambda v, n: f"原文未规定有效期；按成果日期 {v['date']} 视为适用",
    StepCode.tier: lambda v, n: f"适用“{v['label']}”一档",
    StepCode.unknown_amount: lambda v, n: (
        f"金额{v['basis']}，无法算出具体数额" + (f"；原文上限 {_y(v['cap'])}" if v["cap"] else "")
    ),
    StepCode.per_unit: lambda v, n: f"{_y(v['unit'])} × {v['count']}（{v['per_label']}）= {_y(v['value'])}",
    StepCode.fixed: lambda v, n: f"{_GIVE_WORD.get(v['kind'], '')}{_y(v['value'])}",
    StepCode.ceiling_only: lambda v, n: f"原文只规定上限：最高 {_y(v['cap'])}，未规定具体计算方法",
    StepCode.waiver: lambda v, n: (
        f"免收{v['label']}；未提供金额，无法算出免收数额"
        if v["value"] is None
        else f"免收{v['label']} {_y(v['value'])}"
    ),
    StepCode.headroom_missing: lambda v, n: f"{v['label']}：未提供{'、'.join(v['missing_labels'])}，无法核对",
    StepCode.headroom_cut: lambda v, n: (
        f"{v['label']}：余额 {_y(v['room'])}，本项由 {_y(v['from'])} 核减为 {_y(v['room'])}"
    ),
    StepCode.headroom_ok: lambda v, n: f"{v['label']}：余额 {_y(v['room'])}，未超过",
    StepCode.rate_missing: lambda v, n: (
        f"未提供{v['label']}，按单项上限 {_y(v['cap'])} 计最高可得"
        if v["cap"]
        else f"未提供{v['label']}，无法按 {_RATE_WORD[v['kind']]}{_rate(v)} 计算"
    ),
    StepCode.rated: lambda v, n: (
        f"{v['label']} {_y(v['amount'])} × {_RATE_WORD[v['kind']]}{_rate(v)} = {_y(v['value'])}"
    ),
    StepCode.item_cap_cut: lambda v, n: f"超过单项上限 {_y(v['cap'])}，按上限计 {_y(v['cap'])}",
    StepCode.item_cap_ok: lambda v, n: f"未超过单项上限 {_y(v['cap'])}",
    StepCode.once_no_product: lambda v, n: (
        f"本措施对{ONCE_SCOPE[v['scope']]}只给予一次；本成果未写明是哪个产品，无法核对此前是否已获"
    ),
    StepCode.once_pending: lambda v, n: (
        f"本措施对{ONCE_SCOPE[v['scope']]}只给予一次：成果 {v['event_id']}（{v['event_date']}）是否适用待补充信息；"
        "如该成果适用，本成果不再给予"
    ),
    StepCode.once_first: lambda v, n: (
        f"本措施对{ONCE_SCOPE[v['scope']]}只给予一次：“{v['key']}”此前未获本项奖励"
    ),
    StepCode.top_up: lambda v, n: (
        f"补足至 {_y(v['to'])}：同一事项已计 {_y(v['already'])}（"
        + (
            "、".join(f"{n.measure(c['measure_id'], c['name'])} {_y(c['value'])}" for c in v["counted"])
            or "无"
        )
        + f"），应补 {_y(v['due'])}"
    ),
    StepCode.top_up_at_least: lambda v, n: "已计金额中含“最高可得”，实际已得可能更少，故补足额至少为上述数额",
    StepCode.cap_cut: lambda v, n: (
        f"{v['label']}：{CAP_SCOPE[v['scope']].format(year=v['year'])}上限 {_y(v['amount'])}，"
        f"此前已计 {_y(v['taken'])}，本项由 {_y(v['from'])} 核减为 {_y(v['to'])}"
    ),
    StepCode.cap_held_by: _held,
    StepCode.cap_at_most: lambda v, n: "此前已计金额中含“最高可得”，实际余额可能更多，故本项为最高可得",
    StepCode.cap_ok: lambda v, n: (
        f"{v['label']}：{CAP_SCOPE[v['scope']].format(year=v['year'])}上限 {_y(v['amount'])}，"
        f"此前已计 {_y(v['taken'])}，未超过"
    ),
    StepCode.overlap_together: lambda v, n: (
        f"{v['excerpt']}：{n.measures(v['measures'])} 可同时享受，相加计算"
    ),
    StepCode.overlap_unresolved: lambda v, n: (
        f"{v['excerpt']}：{'、'.join(_side(s, n) for s in v['sides'])} 针对同一事项只能择一享受；"
        "其中有一项金额要由主管部门核定，合计只计其中一项，审核时确定"
    ),
    StepCode.overlap_lost: lambda v, n: (
        f"{v['excerpt']}：与 {n.measures(v['best'], ' + ')}（{_y(v['best_total'])}）就高取其一，本项不计"
    ),
    StepCode.overlap_won: _won,
    StepCode.overlap_excluded: lambda v, n: (
        f"{v['excerpt']}：同一事项已享受 {n.measures(v['earlier'])}，本项不重复享受"
    ),
    StepCode.instalment: lambda v, n: (
        f"第{v['n']}期（{v['year']}年）发放 {percent(Decimal(v['share']))}"
        + (f"：{_y(v['amount'])}" if v["amount"] is not None else "")
    ),
    StepCode.funding: lambda v, n: f"资金来源：{v['excerpt']}",
    StepCode.note: lambda v, n: v["text"],
    StepCode.worded: lambda v, n: v["text"],
}


def word_step(step: Step, names: Names | None = None) -> str:
    """The Chinese sentence of one step."""
    n = names or Names()
    if step.code in FAILURES:
        return f"不适用：{_failure(step.code, step.values, n)}"
    return _STEPS[step.code](step.values, n)


def word_assessment(a: Assessment, names: Names | None = None) -> Assessment:
    """Fill every text of an assessment from its structured steps (in place; returned for chaining)."""
    n = names or Names()
    for e in a.entitlements:
        for s in (*e.steps, *e.notes):
            s.text = word_step(s, n)
        if e.failure is not None:
            e.failure.text = word_step(e.failure, n)
            e.reason = _failure(e.failure.code, e.failure.values, n)
        if e.overlap is not None:
            step = next((s for s in reversed(e.steps) if s.code.value.startswith("overlap_")), None)
            e.overlap.reason = step.text if step is not None else ""
    return a


# ---------------------------------------------------------------- the summary and expiry


def summary(total, unknown_titles: list[str], pending: int, unresolved: int) -> str:
    """One sentence: what the applicant can count on, the most it may get, what is still open."""
    exact, most = Decimal(total.exact), Decimal(total.max_obtainable)
    parts = [f"按所填信息，可以确定获得 {yuan(exact)}" if exact else "按所填信息，尚没有可以确定的金额"]
    if most > exact:
        parts.append(f"最多可能获得 {yuan(most)}")
    if Decimal(total.at_least):
        parts.append(f"另有至少 {yuan(Decimal(total.at_least))} 未定上限")
    open_ = []
    if unresolved:
        open_.append(f"{unresolved} 组只能择一享受的措施待主管部门审核确定")
    if unknown_titles:
        open_.append(f"{len(unknown_titles)} 项措施的金额要由主管部门核定")
    if pending:
        open_.append(f"{pending} 项措施还需补充信息才能判断")
    text = "，".join(parts)
    if open_:
        text += "；" + "，".join(open_)
    return text + "。"


def expiry_notice(in_force_to: date | None, as_of: date) -> str | None:
    """ "所属文件已于 2025-12-31 失效" / "所属文件将于 2026-03-01 到期（还有 40 天）"; None otherwise."""
    if in_force_to is None:
        return None
    if in_force_to < as_of:
        return f"所属文件已于 {in_force_to.isoformat()} 到期失效"
    days = (in_force_to - as_of).days
    if days <= EXPIRY_NOTICE_DAYS:
        return f"所属文件将于 {in_force_to.isoformat()} 到期（距查询日还有 {days} 天），请及早申报"
    return None


def names_for(rules, corpus: Corpus | None) -> Names:
    return Names(measure_titles={m.id: m.title for m in rules.measures.values()}, corpus=corpus)
