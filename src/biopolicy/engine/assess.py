"""Assess one case: every measure an event could trigger, with amounts, ceilings, overlaps and a trace.

Order of work (each step cites its clause):
1. for each event in date order (ties by event id), judge every measure of that event type:
   applicant kind and place, in-force window on the event's date, conditions, raw amount;
2. work out top-ups against what was already paid for the same subject;
3. resolve declared overlaps between the candidates of one achievement (就高从优不重复) and
   exclusions (不重复享受) against what was paid before;
4. apply shared ceilings (per product, per subject, per applicant per year, in total) in date
   order, reporting each cut, and record what each award takes from them;
5. spread instalments over years and add up totals per year.
The engine does no I/O: it takes the case and the rules and returns the assessment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from biopolicy.domain.assessment import (
    AmountResult,
    Assessment,
    Eligibility,
    Entitlement,
    Instalment,
    OverlapOutcome,
    Step,
    YearTotal,
)
from biopolicy.domain.case import APPLICANT_KIND_LABELS, Case, Event
from biopolicy.domain.events import Catalogue
from biopolicy.domain.money import percent, yuan
from biopolicy.domain.places import PROVINCE, covers
from biopolicy.engine.amounts import compute, top_up_target
from biopolicy.engine.check import check_case
from biopolicy.engine.conditions import evaluate
from biopolicy.engine.facts import Situation
from biopolicy.rules.schema import AmountKind, Cap, CapScope, Measure, Overlap, OverlapKind, RuleSet


@dataclass
class Paid:
    """An award that takes from ceilings and counts for overlaps: prior, or earlier in this case."""

    measure_id: str | None
    programme: str | None
    subject: str | None
    product_id: str | None
    event_id: str | None
    year: int
    value: Decimal
    exact: bool
    situation: Situation | None = None  # None for prior awards: their event's facts are unknown
    _memo: dict = field(default_factory=dict)  # cap id -> bucket key or None: worked out once

    def bucket(self, cap: Cap) -> tuple | None:
        """The bucket of ``cap`` this award takes from, or None when the cap does not cover it."""
        if cap.id not in self._memo:
            covered = _applies(cap, self.situation, self.measure_id)
            self._memo[cap.id] = _bucket(cap, self.year, self.product_id, self.subject) if covered else None
        return self._memo[cap.id]


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
        return self.eligibility == Eligibility.yes and (self.overlap is None or self.overlap.outcome == "won")


def assess(case: Case, rules: RuleSet, catalogue: Catalogue, as_of: date | None = None) -> Assessment:
    as_of = as_of or case.as_of
    case = check_case(case, rules, catalogue)
    notes: list[str] = []
    covered = any(
        covers(place, case.applicant.province, case.applicant.city, case.applicant.district)
        for m in rules.measures.values()
        for place in m.applicant.places
    )
    if not covered:
        where = "".join(
            p for p in (case.applicant.province, case.applicant.city, case.applicant.district) if p
        )
        return Assessment(
            as_of=as_of.isoformat(),
            rules_version=rules.version,
            applicant=case.applicant.name,
            covered=False,
            coverage_note=f"本平台收录的政策只适用于{PROVINCE}及其城市；申请人所在地“{where or '未填写'}”不在其中，没有措施覆盖。",
            entitlements=[],
            totals=[YearTotal(year=None)],
        )
    paid = _prior(case, as_of, notes)
    works: list[Work] = []
    for event in sorted(case.events, key=lambda e: (e.date, e.id)):
        situation = Situation(case.applicant, event, case.product(event.product_id), catalogue)
        batch = [_judge(m, situation, rules) for m in rules.measures.values() if m.event == event.type]
        for w in batch:
            if w.eligibility != Eligibility.no and w.measure.amount_specs()[0].kind == AmountKind.top_up:
                _top_up(w, paid)
        _overlaps(batch, paid, rules)
        for w in batch:
            # an unresolved overlap may still pay either side: each takes from its own ceilings
            unresolved = w.overlap is not None and w.overlap.outcome == "unresolved"
            if (w.pays or unresolved) and w.value is not None:
                _caps(w, paid, rules.caps)
                paid.append(_record(w))
        works.extend(batch)
    entitlements = [_entitlement(w, as_of, rules) for w in works]
    return Assessment(
        as_of=as_of.isoformat(),
        rules_version=rules.version,
        applicant=case.applicant.name,
        covered=True,
        entitlements=entitlements,
        totals=_totals(entitlements),
        notes=notes,
    )


def _prior(case: Case, as_of: date, notes: list[str]) -> list[Paid]:
    out = []
    for award in case.prior_awards:
        if award.date > as_of:
            notes.append(
                f"已获奖励“{award.measure_id or award.programme}”日期 {award.date} 晚于查询日 {as_of}，未计入"
            )
            continue
        event = next((e for e in case.events if e.id == award.event_id), None)
        out.append(
            Paid(
                measure_id=award.measure_id,
                programme=award.programme,
                subject=award.subject_key or (event.subject_key if event else None),
                product_id=award.product_id or (event.product_id if event else None),
                event_id=award.event_id,
                year=award.date.year,
                value=award.amount,
                exact=True,
            )
        )
    return out


# ---------------------------------------------------------------- judging one measure


def _judge(m: Measure, s: Situation, rules: RuleSet) -> Work:
    w = Work(measure=m, event=s.event, situation=s, eligibility=Eligibility.yes)
    a = s.applicant
    if a.kind not in m.applicant.kinds:
        kinds = "、".join(APPLICANT_KIND_LABELS[k] for k in m.applicant.kinds)
        return _fail(w, f"申请人类型应为{kinds}，实际为{APPLICANT_KIND_LABELS[a.kind]}")
    if not any(covers(p, a.province, a.city, a.district) for p in m.applicant.places):
        where = "".join(x for x in (a.province, a.city, a.district) if x)
        return _fail(w, f"本措施适用于{'、'.join(m.applicant.places)}，申请人所在地为{where}")
    window = rules.window(m)
    d = s.event.date
    if window.from_ and d < window.from_:
        return _fail(w, f"事件日期 {d} 早于本措施施行日 {window.from_}")
    if window.to and d > window.to:
        return _fail(w, f"事件日期 {d} 晚于本措施有效期截止日 {window.to}，届时已失效")
    w.say(_window_text(window, d))
    if m.conditions is not None:
        verdict = evaluate(m.conditions, s, m.categories)
        if verdict.holds is False:
            return _fail(w, f"不满足条件：{verdict.failing}")
        if verdict.holds is None:
            w.eligibility = Eligibility.unknown
            w.missing.extend(verdict.missing)
    raw = compute(m, s)
    if raw.no_row:
        return _fail(w, raw.no_row)
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


def _fail(w: Work, reason: str) -> Work:
    w.eligibility = Eligibility.no
    w.reason = reason
    w.kind, w.value = AmountKind.unknown, None
    w.say(f"不适用：{reason}")
    return w


def _window_text(window, d: date) -> str:
    start = str(window.from_) if window.from_ else "未规定"
    end = str(window.to) if window.to else "原文未规定截止日，继续适用"
    if not window.from_ and not window.to:
        return f"原文未规定有效期；按事件日期 {d} 视为适用"
    return f"事件日期 {d} 在有效期（{start} 至 {end}）内"


# ---------------------------------------------------------------- top-ups


def _top_up(w: Work, paid: list[Paid]) -> None:
    spec = w.measure.amount_specs()[0]
    subject = w.event.subject_key
    counted = [
        p
        for p in paid
        if p.subject == subject
        and ((p.measure_id in spec.net_of) or (spec.net_of_programmes and p.programme is not None))
    ]
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
        [f"{p.measure_id or p.programme} {yuan(p.value)}" for p in counted]
        + [f"{label} {yuan(v)}" for label, v in target.paid_facts]
    )
    w.say(
        f"补足至 {yuan(target.value)}：同一事项已计 {yuan(already)}（{detail or '无'}），应补 {yuan(w.value)}"
    )
    if target.missing:
        w.say("已得金额或基数未全部提供，补足额最高为上述数额")
    elif not exact:
        w.say("已计金额中含“最高可得”，实际已得可能更少，故补足额至少为上述数额")


# ---------------------------------------------------------------- overlaps


def _overlaps(batch: list[Work], paid: list[Paid], rules: RuleSet) -> None:
    for o in rules.overlaps:
        group = [w for w in batch if w.measure.id in o.measures and w.eligibility != Eligibility.no]
        if o.kind == OverlapKind.highest_only:
            _highest_only(o, group, paid, rules.caps)
        else:
            _excludes(o, group, paid)


def _outcome(o: Overlap, w: Work, outcome: str, reason: str) -> None:
    others = [m for m in o.measures if m != w.measure.id]
    w.overlap = OverlapOutcome(
        overlap_id=o.id,
        kind=o.kind.value,
        outcome=outcome,
        reason=reason,
        with_measures=others,
        clauses=o.clauses,
    )
    w.say(reason, o.clauses)


def _highest_only(o: Overlap, group: list[Work], paid: list[Paid], caps: list[Cap]) -> None:
    event_id = group[0].event.id if group else None
    before = [p for p in paid if p.event_id == event_id and p.measure_id in o.measures]
    if not group or (len(group) == 1 and not before):
        return
    eligible = [w for w in group if w.eligibility == Eligibility.yes]
    # a side whose amount is only a ceiling the text states (no figure from facts) cannot be ranked
    open_ = [w for w in eligible if w.value is None or w.kind == AmountKind.at_least or w.ceiling_only]
    if open_ and not _dominated(open_, eligible, paid, caps):
        names = "、".join(f"{w.measure.id}（{_shown(w)}）" for w in eligible)
        for w in eligible:
            _outcome(
                o,
                w,
                "unresolved",
                f"{o.excerpt}：{names} 针对同一事项只能取其一，但有一方金额无法算出，两者并列、不相加，待审核时确定",
            )
        return
    # ties go to a figure worked out from facts over a stated ceiling, then to the order declared
    ranked = sorted(
        eligible, key=lambda w: (-_peek(w, paid, caps), w.ceiling_only, o.measures.index(w.measure.id))
    )
    if not ranked:
        return
    best = ranked[0]
    for w in ranked[1:]:
        _outcome(
            o,
            w,
            "lost",
            f"{o.excerpt}：与 {best.measure.id}（{yuan(_peek(best, paid, caps))}）就高取其一，本项不计",
        )
        w.value = Decimal(0)
    already = sum((p.value for p in before), Decimal(0))
    reason = f"{o.excerpt}：同一事项在 {'、'.join(o.measures)} 中取最高，本项最高"
    pending = [w.measure.id for w in group if w.eligibility == Eligibility.unknown]
    if pending:
        reason += f"（{'、'.join(pending)} 是否适用待补充信息，如适用且更高，以其为准）"
    if already:
        net = max(best.value - already, Decimal(0))
        reason += f"；已获 {yuan(already)}，只补差额 {yuan(net)}"
        best.value = net
    _outcome(o, best, "won", reason)


def _dominated(open_: list[Work], eligible: list[Work], paid: list[Paid], caps: list[Cap]) -> bool:
    """Whether an exact award is at least every open side's ceiling, so it is the highest for sure.

    Open sides state only a ceiling; an exact figure that reaches every such ceiling wins however
    the open sides are settled (国家/省 最高600万元 against 厦门 1000万元).
    """
    if any(w.value is None or w.kind == AmountKind.at_least for w in open_):
        return False
    exact = [_peek(w, paid, caps) for w in eligible if w.kind == AmountKind.exact and w not in open_]
    return bool(exact) and max(exact) >= max(w.value for w in open_)


def _excludes(o: Overlap, group: list[Work], paid: list[Paid]) -> None:
    for i, w in enumerate(group):
        subject = w.event.subject_key
        earlier = [
            p.measure_id
            for p in paid
            if p.subject == subject and p.measure_id in o.measures and p.measure_id != w.measure.id
        ]
        earlier += [g.measure.id for g in group[:i] if g.pays and g.measure.id != w.measure.id]
        if earlier:
            if w.value is not None:  # an amount that cannot be worked out stays without a number
                w.value = Decimal(0)
            _outcome(o, w, "excluded", f"{o.excerpt}：同一事项已享受 {'、'.join(earlier)}，本项不重复享受")


def _shown(w: Work) -> str:
    if w.value is None:
        return "金额无法算出"
    if w.ceiling_only:
        return f"只有上限 {yuan(w.value)}，具体金额无法算出"
    return (
        "不少于" if w.kind == AmountKind.at_least else "最高 " if w.kind == AmountKind.at_most else ""
    ) + yuan(w.value)


# ---------------------------------------------------------------- ceilings


def _bucket(cap: Cap, year: int, product_id: str | None, subject: str | None) -> tuple | None:
    scope = cap.scope
    if scope == CapScope.product:
        return (product_id,) if product_id else None
    if scope == CapScope.subject:
        return (subject,) if subject else None
    if scope == CapScope.subject_year:
        return (subject, year) if subject else None
    if scope == CapScope.applicant_year:
        return (year,)
    return ()


def _applies(cap: Cap, s: Situation | None, measure_id: str | None) -> bool:
    if measure_id not in cap.measures:
        return False
    if cap.when is None or s is None:
        return True
    return evaluate(cap.when, s, {}).holds is not False


def _used(cap: Cap, key: tuple, paid: list[Paid]) -> list[Paid]:
    return [p for p in paid if p.bucket(cap) == key]


def _peek(w: Work, paid: list[Paid], caps: list[Cap]) -> Decimal:
    """The value after shared ceilings, without taking from them: for comparing overlapping awards."""
    value = w.value or Decimal(0)
    year = w.event.date.year
    for cap in caps:
        if not _applies(cap, w.situation, w.measure.id):
            continue
        key = _bucket(cap, year, w.event.product_id, w.event.subject_key)
        if key is not None:
            taken = sum((p.value for p in _used(cap, key, paid)), Decimal(0))
            value = min(value, max(cap.amount - taken, Decimal(0)))
    return value


def _caps(w: Work, paid: list[Paid], caps: list[Cap]) -> None:
    year = w.event.date.year
    for cap in caps:
        if not _applies(cap, w.situation, w.measure.id):
            continue
        key = _bucket(cap, year, w.event.product_id, w.event.subject_key)
        if key is None:
            continue
        used = _used(cap, key, paid)
        taken = sum((p.value for p in used), Decimal(0))
        room = max(cap.amount - taken, Decimal(0))
        scope = _scope_text(cap, year)
        if w.value > room:
            w.say(
                f"{cap.label}：{scope}上限 {yuan(cap.amount)}，此前已计 {yuan(taken)}，本项由 {yuan(w.value)} 核减为 {yuan(room)}",
                cap.clauses,
            )
            w.value = room
            if w.kind == AmountKind.exact and not all(p.exact for p in used):
                w.kind = AmountKind.at_most
                w.say("此前已计金额中含“最高可得”，实际余额可能更多，故本项为最高可得", cap.clauses)
        else:
            w.say(f"{cap.label}：{scope}上限 {yuan(cap.amount)}，此前已计 {yuan(taken)}，未超过", cap.clauses)


def _scope_text(cap: Cap, year: int) -> str:
    return {
        CapScope.product: "同一产品",
        CapScope.subject: "同一事项",
        CapScope.subject_year: f"同一事项{year}年",
        CapScope.applicant_year: f"{year}年",
        CapScope.applicant: "累计",
    }[cap.scope]


def _record(w: Work) -> Paid:
    return Paid(
        measure_id=w.measure.id,
        programme=None,
        subject=w.event.subject_key,
        product_id=w.event.product_id,
        event_id=w.event.id,
        year=w.event.date.year,
        value=w.value,
        exact=w.kind in (AmountKind.exact, AmountKind.waiver),
        situation=w.situation,
    )


# ---------------------------------------------------------------- results


def _entitlement(w: Work, as_of: date, rules: RuleSet) -> Entitlement:
    m = w.measure
    instalments = []
    if m.instalments and w.eligibility != Eligibility.no:
        for i, share in enumerate(m.instalments.shares):
            amount = None if w.value is None else w.value * share
            instalments.append(Instalment(year=w.event.date.year + i, share=share, amount=amount))
            w.say(
                f"第{i + 1}期（{w.event.date.year + i}年）发放 {percent(share)}"
                + (f"：{yuan(amount)}" if amount is not None else "")
            )
    payer = _payer(m, w, rules) if w.eligibility != Eligibility.no else None
    notes = [Step(text=n.text, clauses=n.clauses or m.clauses) for n in m.notes]
    for o in rules.overlaps:
        if m.id in o.measures and w.overlap is not None and w.overlap.overlap_id == o.id:
            notes += [Step(text=n.text, clauses=n.clauses or o.clauses) for n in o.notes]
    for c in rules.caps:
        if m.id in c.measures:
            notes += [Step(text=n.text, clauses=n.clauses or c.clauses) for n in c.notes]
    return Entitlement(
        measure_id=m.id,
        measure_title=m.title,
        doc_id=m.doc_id,
        event_id=w.event.id,
        event_date=w.event.date.isoformat(),
        planned=w.event.date > as_of,
        eligibility=w.eligibility,
        reason=w.reason,
        missing=w.missing,
        amount=AmountResult(kind=w.kind.value, value=w.value, before_caps=w.before_caps, ceiling=w.ceiling),
        clauses=m.clauses,
        steps=w.steps,
        notes=notes,
        overlap=w.overlap,
        instalments=instalments,
        payer=payer,
    )


def _payer(m: Measure, w: Work, rules: RuleSet) -> str | None:
    """Who pays, where the document says so for the applicant's place."""
    a = w.situation.applicant
    for funding in rules.funding.get(m.doc_id, []):
        if not funding.places or any(covers(p, a.province, a.city, a.district) for p in funding.places):
            w.say(f"资金来源：{funding.excerpt}", funding.clauses)
            return funding.payer
    return None


def _totals(entitlements: list[Entitlement]) -> list[YearTotal]:
    years: dict[int | None, YearTotal] = {}

    def add(year: int | None, e: Entitlement, value: Decimal | None) -> None:
        t = years.setdefault(year, YearTotal(year=year))
        if e.overlap is not None and e.overlap.outcome == "unresolved":
            if e.overlap.overlap_id not in t.unresolved_overlaps:
                t.unresolved_overlaps.append(e.overlap.overlap_id)
        elif e.overlap is not None and e.overlap.outcome in ("lost", "excluded"):
            return
        elif e.amount.kind == "unknown" or value is None:
            t.unknown_measures.append(e.measure_id)
        elif e.amount.kind == "at_least":
            t.at_least += value
        else:
            t.max_obtainable += value
            if e.amount.kind in ("exact", "waiver"):
                t.exact += value

    for e in entitlements:
        if e.eligibility != Eligibility.yes:
            continue
        parts = [(i.year, i.amount) for i in e.instalments] or [(int(e.event_date[:4]), e.amount.value)]
        for year, value in parts:
            add(year, e, value)
        add(None, e, e.amount.value)
    overall = years.pop(None, YearTotal(year=None))
    return [years[y] for y in sorted(years)] + [overall]
