"""Judging one measure for one event: applicant, place, in-force window, conditions, raw amount.

Also the top-up of a measure that pays the difference up to a figure, net of what was paid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from biopolicy.domain.assessment import (
    AmountKind,
    Eligibility,
    MissingFact,
    OverlapOutcome,
    OverlapResult,
    Step,
    StepCode,
)
from biopolicy.domain.case import Event
from biopolicy.domain.money import decimal_str
from biopolicy.domain.places import covers
from biopolicy.engine.amounts import compute, in_force, top_up_target
from biopolicy.engine.conditions import evaluate
from biopolicy.engine.facts import Situation
from biopolicy.engine.ledger import PaidAward, PaidLedger
from biopolicy.rules.schema import Measure, OncePer, RuleSet


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
    failure: Step | None = None  # eligibility no: the step that says why
    missing: list[MissingFact] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    overlap: OverlapOutcome | None = None
    ceiling_only: bool = False

    def say(self, code: StepCode, values: dict | None = None, clauses: list[str] | None = None) -> Step:
        """Record a step: what was decided and its values; services/wording.py words it."""
        step = Step(
            code=code, values=values or {}, clauses=clauses if clauses is not None else self.measure.clauses
        )
        self.steps.append(step)
        return step

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
        return fail(
            w, StepCode.applicant_kind, {"kinds": [str(k) for k in m.applicant.kinds], "actual": str(a.kind)}
        )
    if not any(covers(p, a.province, a.city, a.district) for p in m.applicant.places):
        where = "".join(x for x in (a.province, a.city, a.district) if x)
        return fail(w, StepCode.place, {"places": list(m.applicant.places), "where": where})
    window = rules.window(m)
    d = s.event.date
    if window.from_ and d < window.from_:
        return fail(w, StepCode.before_window, {"date": d.isoformat(), "from": window.from_.isoformat()})
    if window.to and d > window.to:
        return fail(w, StepCode.after_window, {"date": d.isoformat(), "to": window.to.isoformat()})
    if not window.from_ and not window.to:
        w.say(StepCode.no_window, {"date": d.isoformat()})
    else:
        w.say(StepCode.in_window, {"date": d.isoformat(), "from": _iso(window.from_), "to": _iso(window.to)})
    if m.conditions is not None:
        verdict = evaluate(m.conditions, s, m.categories)
        if verdict.holds is False:
            return fail(w, StepCode.condition_failed, {"failing": verdict.failing})
        if verdict.holds is None:
            w.eligibility = Eligibility.unknown
            w.missing.extend(verdict.missing)
    raw = compute(m, s)
    if raw.no_row:
        return fail(w, StepCode.no_tier, {"labels": raw.no_row})
    w.kind, w.value, w.ceiling, w.ceiling_only = raw.kind, raw.value, raw.ceiling, raw.ceiling_only
    for code, values in raw.steps:
        w.say(code, values)
    for missing in raw.missing:
        if missing not in w.missing:
            w.missing.append(missing)
    if w.eligibility == Eligibility.yes and raw.missing and raw.value is None:
        w.eligibility = Eligibility.unknown
    w.before_caps = w.value
    return w


def fail(w: Work, code: StepCode, values: dict) -> Work:
    w.eligibility = Eligibility.no
    w.kind, w.value = AmountKind.unknown, None
    w.failure = w.say(code, values)
    return w


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _d(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(value)


def top_up(w: Work, ledger: PaidLedger) -> None:
    """补足至: the difference up to the figure, net of what the same subject was paid under named measures."""
    # the figures in force on the event's date (worded once, by amounts.compute)
    spec, _ = in_force(w.measure.amount_specs()[0], w.measure.changes, w.event.date)
    counted = ledger.for_subject_under(w.event.subject_key, spec.net_of, spec.net_of_programmes)
    target = top_up_target(spec, w.situation, w.measure.categories)  # engine/amounts.py: to, or a share
    for text in target.steps:
        w.say(StepCode.worded, {"text": text})
    w.missing += [m for m in target.missing if m not in w.missing]
    if target.value is None:
        w.kind, w.value = AmountKind.unknown, None
        return
    already = sum((p.value for p in counted), Decimal(0)) + sum((v for _, v in target.paid_facts), Decimal(0))
    w.value = max(target.value - already, Decimal(0))
    w.before_caps = w.value
    exact = all(p.exact for p in counted)
    w.kind = AmountKind.at_most if target.missing else AmountKind.exact if exact else AmountKind.at_least
    counted_values = [{"name": p.name, "measure_id": p.measure_id, "value": _d(p.value)} for p in counted]
    counted_values += [{"name": label, "measure_id": None, "value": _d(v)} for label, v in target.paid_facts]
    w.say(
        StepCode.top_up,
        {"to": _d(target.value), "already": _d(already), "counted": counted_values, "due": _d(w.value)},
    )
    if target.missing:
        w.say(StepCode.worded, {"text": "已得金额或基数未全部提供，补足额最高为上述数额"})
    elif not exact:
        w.say(StepCode.top_up_at_least)


def once_only(w: Work, ledger: PaidLedger, undecided: dict[tuple, Work]) -> None:
    """一次性 / 每个品种: an award already made under this measure for the same product (subject) leaves nothing.

    Awards earlier in this case and prior awards both count. An earlier event whose eligibility is
    still open is named: if it applies, this one does not.
    """
    m, scope = w.measure, w.measure.once_per
    if scope == OncePer.product:
        key = w.event.product_id
        if key is None:
            w.say(StepCode.once_no_product, {"scope": scope.value})
            return
        earlier = ledger.for_measure_product(m.id, key)
    else:
        key = w.event.subject_key
        earlier = ledger.for_measure_subject(m.id, key)
    if earlier:
        first = earlier[0]
        values = {"scope": scope.value, "key": key, "prior": first.prior, "paid_on": _iso(first.paid_on)}
        fail(w, StepCode.once_already, {**values, "value": _d(first.value), "event_id": first.event_id})
        return
    before = undecided.get((m.id, scope, key))
    if before is not None:
        w.say(
            StepCode.once_pending,
            {"scope": scope.value, "event_id": before.event.id, "event_date": before.event.date.isoformat()},
        )
    elif w.eligibility == Eligibility.unknown:
        undecided[(m.id, scope, key)] = w
    else:
        w.say(StepCode.once_first, {"scope": scope.value, "key": key})
