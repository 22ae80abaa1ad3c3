"""Judging one measure for one event: applicant, place, in-force window, conditions, raw amount.

Also the top-up of a measure that pays the difference up to a figure, net of what was paid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from biopolicy.domain.assessment import AmountKind, Eligibility, OverlapOutcome, OverlapResult, Step
from biopolicy.domain.case import APPLICANT_KIND_LABELS, Event
from biopolicy.domain.money import yuan
from biopolicy.domain.places import covers
from biopolicy.engine.amounts import compute, top_up_target
from biopolicy.engine.conditions import evaluate
from biopolicy.engine.facts import Situation
from biopolicy.engine.ledger import PaidAward, PaidLedger
from biopolicy.rules.schema import Measure, OncePer, RuleSet, Window


@dataclass
class Work:
    """An entitlement being worked out."""

    measure: Measure
    event: Event
    situation: Situation
    eligibility: Eligibility
    kind: AmountKind = AmountKind.unknown
    value: Decimal | None = None
    ceiling: Decimal | None = None
    before_caps: Decimal | None = None
    reason: str | None = None
    missing: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    overlap: OverlapOutcome | None = None
    ceiling_only: bool = False

    def say(self, text: str, clauses: list[str] | None = None) -> None:
        self.steps.append(Step(text=text, clauses=clauses if clauses is not None else self.measure.clauses))

    @property
    def pays(self) -> bool:
        return self.eligibility == Eligibility.yes and (
            self.overlap is None or self.overlap.outcome == OverlapResult.won
        )

    def paid(self) -> PaidAward:
        """The record of this award in the ledger."""
        return PaidAward(
            measure_id=self.measure.id,
            programme=None,
            subject=self.event.subject_key,
            product_id=self.event.product_id,
            event_id=self.event.id,
            year=self.event.date.year,
            value=self.value,
            exact=self.kind in (AmountKind.exact, AmountKind.waiver),
            situation=self.situation,
            paid_on=self.event.date,
        )


def judge(m: Measure, s: Situation, rules: RuleSet) -> Work:
    w = Work(measure=m, event=s.event, situation=s, eligibility=Eligibility.yes)
    a = s.applicant
    if a.kind not in m.applicant.kinds:
        kinds = "、".join(APPLICANT_KIND_LABELS[k] for k in m.applicant.kinds)
        return fail(w, f"申请人类型应为{kinds}，实际为{APPLICANT_KIND_LABELS[a.kind]}")
    if not any(covers(p, a.province, a.city, a.district) for p in m.applicant.places):
        where = "".join(x for x in (a.province, a.city, a.district) if x)
        return fail(w, f"本措施适用于{'、'.join(m.applicant.places)}，申请人所在地为{where}")
    window = rules.window(m)
    d = s.event.date
    if window.from_ and d < window.from_:
        return fail(w, f"事件日期 {d} 早于本措施施行日 {window.from_}")
    if window.to and d > window.to:
        return fail(w, f"事件日期 {d} 晚于本措施有效期截止日 {window.to}，届时已失效")
    w.say(_window_text(window, d))
    if m.conditions is not None:
        verdict = evaluate(m.conditions, s, m.categories)
        if verdict.holds is False:
            return fail(w, f"不满足条件：{verdict.failing}")
        if verdict.holds is None:
            w.eligibility = Eligibility.unknown
            w.missing.extend(verdict.missing)
    raw = compute(m, s)
    if raw.no_row:
        return fail(w, raw.no_row)
    w.kind, w.value, w.ceiling, w.ceiling_only = raw.kind, raw.value, raw.ceiling, raw.ceiling_only
    for text in raw.steps:
        w.say(text)
    for missing in raw.missing:
        if missing not in w.missing:
            w.missing.append(missing)
    if w.eligibility == Eligibility.yes and raw.missing and raw.value is None:
        w.eligibility = Eligibility.unknown
    w.before_caps = w.value
    return w


def fail(w: Work, reason: str) -> Work:
    w.eligibility = Eligibility.no
    w.reason = reason
    w.kind, w.value = AmountKind.unknown, None
    w.say(f"不适用：{reason}")
    return w


def _window_text(window: Window, d: date) -> str:
    start = str(window.from_) if window.from_ else "未规定"
    end = str(window.to) if window.to else "原文未规定截止日，继续适用"
    if not window.from_ and not window.to:
        return f"原文未规定有效期；按事件日期 {d} 视为适用"
    return f"事件日期 {d} 在有效期（{start} 至 {end}）内"


def top_up(w: Work, ledger: PaidLedger) -> None:
    """补足至: the difference up to the figure, net of what the same subject was paid under named measures."""
    spec = w.measure.amount_specs()[0]
    counted = ledger.for_subject_under(w.event.subject_key, spec.net_of, spec.net_of_programmes)
    target = top_up_target(spec, w.situation, w.measure.categories)  # engine/amounts.py: to, or a share
    for text in target.steps:
        w.say(text)
    w.missing += target.missing
    if target.value is None:
        w.kind, w.value = AmountKind.unknown, None
        return
    already = sum((p.value for p in counted), Decimal(0)) + sum((v for _, v in target.paid_facts), Decimal(0))
    w.value = max(target.value - already, Decimal(0))
    w.before_caps = w.value
    exact = all(p.exact for p in counted)
    w.kind = AmountKind.at_most if target.missing else AmountKind.exact if exact else AmountKind.at_least
    detail = "、".join(
        [f"{p.name} {yuan(p.value)}" for p in counted]
        + [f"{label} {yuan(v)}" for label, v in target.paid_facts]
    )
    w.say(
        f"补足至 {yuan(target.value)}：同一事项已计 {yuan(already)}（{detail or '无'}），应补 {yuan(w.value)}"
    )
    if target.missing:
        w.say("已得金额或基数未全部提供，补足额最高为上述数额")
    elif not exact:
        w.say("已计金额中含“最高可得”，实际已得可能更少，故补足额至少为上述数额")


ONCE_WORDS = {OncePer.product: "同一产品（品种）", OncePer.subject: "同一事项"}


def once_only(w: Work, ledger: PaidLedger, undecided: dict[tuple, Work]) -> None:
    """一次性 / 每个品种: an award already made under this measure for the same product (subject) leaves nothing.

    Awards earlier in this case and prior awards both count. An earlier event whose eligibility is
    still open is named: if it applies, this one does not.
    """
    m, scope = w.measure, w.measure.once_per
    words = ONCE_WORDS[scope]
    if scope == OncePer.product:
        key = w.event.product_id
        if key is None:
            w.say(f"本措施对{words}只给予一次；本事件未写明产品（product_id），无法核对此前是否已获")
            return
        earlier = ledger.for_measure_product(m.id, key)
    else:
        key = w.event.subject_key
        earlier = ledger.for_measure_subject(m.id, key)
    if earlier:
        first = earlier[0]
        if first.prior:
            how = f"已获奖励（{first.paid_on}，{yuan(first.value)}）"
        else:
            how = f"事件 {first.event_id}（{first.paid_on}）已计本项奖励"
        fail(w, f"本措施对{words}只给予一次：“{key}”{how}，本事件不再给予")
        return
    before = undecided.get((m.id, scope, key))
    if before is not None:
        w.say(
            f"本措施对{words}只给予一次：事件 {before.event.id}（{before.event.date}）是否适用待补充信息；"
            "如该事件适用，本事件不再给予"
        )
    elif w.eligibility == Eligibility.unknown:
        undecided[(m.id, scope, key)] = w
    else:
        w.say(f"本措施对{words}只给予一次：“{key}”此前未获本项奖励")
