"""Assess one case: every measure an event could trigger, with amounts, ceilings, overlaps and a trace.

Order of work (each stage in its own module; each step cites its clause):
1. for each event in date order (ties by event id), judge every measure of that event type
   (``judge``): applicant kind and place, in-force window on the event's date, conditions, raw
   amount; work out top-ups against what was already paid for the same subject;
2. resolve declared overlaps between the candidates of one achievement (就高从优不重复) and
   exclusions (不重复享受) against what was paid before (``overlaps``);
3. apply shared ceilings (per product, per subject, per applicant per year, in total) in date
   order, reporting each cut (``ceilings``), and record each award in the ledger of what has been
   paid (``ledger``), which prior awards start;
4. spread instalments over years and add up totals per year (``totals``).
The engine does no I/O: it takes the case and the rules and returns the assessment.
"""

from __future__ import annotations

from datetime import date

from biopolicy.domain.assessment import (
    AmountKind,
    AmountResult,
    Assessment,
    Eligibility,
    Entitlement,
    Instalment,
    OverlapResult,
    Step,
    StepCode,
    YearTotal,
)
from biopolicy.domain.case import Case
from biopolicy.domain.events import Catalogue
from biopolicy.domain.money import decimal_str
from biopolicy.domain.places import PROVINCE, covers
from biopolicy.engine.ceilings import apply_caps
from biopolicy.engine.check import check_case
from biopolicy.engine.facts import Situation
from biopolicy.engine.judge import Work, judge, once_only, top_up
from biopolicy.engine.ledger import PaidAward, PaidLedger
from biopolicy.engine.overlaps import resolve_overlaps
from biopolicy.engine.totals import totals
from biopolicy.rules.schema import Measure, RuleSet


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
    ledger = _prior(case, as_of, notes, PaidLedger(rules.caps))
    products = {p.id: p for p in case.products}
    by_event_type: dict[str, list[Measure]] = {}
    for m in rules.measures.values():
        by_event_type.setdefault(m.event, []).append(m)
    works: list[Work] = []
    undecided: dict[tuple, Work] = {}  # once-per measures: an earlier event whose eligibility is open
    for event in sorted(case.events, key=lambda e: (e.date, e.id)):
        situation = Situation(case.applicant, event, products.get(event.product_id), catalogue)
        batch = [judge(m, situation, rules) for m in by_event_type.get(event.type, [])]
        for w in batch:
            if w.eligibility != Eligibility.no and w.measure.once_per is not None:
                once_only(w, ledger, undecided)
            if w.eligibility != Eligibility.no and w.measure.amount_specs()[0].kind == AmountKind.top_up:
                top_up(w, ledger)
        resolve_overlaps(batch, ledger, rules)
        for w in batch:
            # an unresolved overlap may still pay either side: each takes from its own ceilings
            unresolved = w.overlap is not None and w.overlap.outcome == OverlapResult.unresolved
            if (w.pays or unresolved) and w.value is not None:
                apply_caps(w, ledger)
                ledger.add(w.paid())
        works.extend(batch)
    entitlements = [_entitlement(w, as_of, rules) for w in works]
    return Assessment(
        as_of=as_of.isoformat(),
        rules_version=rules.version,
        applicant=case.applicant.name,
        covered=True,
        entitlements=entitlements,
        totals=totals(entitlements),
        notes=notes,
    )


def _prior(case: Case, as_of: date, notes: list[str], ledger: PaidLedger) -> PaidLedger:
    events = {e.id: e for e in case.events}
    # in date order (then by what they are), so that the order they are listed in changes nothing
    ordered = sorted(
        case.prior_awards,
        key=lambda a: (
            a.date,
            a.measure_id or "",
            a.programme or "",
            a.product_id or "",
            a.subject or "",
            a.event_id or "",
            a.amount,
        ),
    )
    for award in ordered:
        if award.date > as_of:
            notes.append(
                f"已获奖励“{award.measure_id or award.programme}”日期 {award.date} 晚于查询日 {as_of}，未计入"
            )
            continue
        event = events.get(award.event_id) if award.event_id else None
        ledger.add(
            PaidAward(
                measure_id=award.measure_id,
                programme=award.programme,
                subject=award.subject_key or (event.subject_key if event else None),
                product_id=award.product_id or (event.product_id if event else None),
                event_id=award.event_id,
                year=award.date.year,
                value=award.amount,
                exact=True,
                paid_on=award.date,
            )
        )
    return ledger


# ---------------------------------------------------------------- results


def _entitlement(w: Work, as_of: date, rules: RuleSet) -> Entitlement:
    m = w.measure
    instalments = []
    if m.instalments and w.eligibility != Eligibility.no:
        for i, share in enumerate(m.instalments.shares):
            amount = None if w.value is None else w.value * share
            instalments.append(Instalment(year=w.event.date.year + i, share=share, amount=amount))
            w.say(
                StepCode.instalment,
                {
                    "n": i + 1,
                    "year": w.event.date.year + i,
                    "share": decimal_str(share),
                    "amount": None if amount is None else decimal_str(amount),
                },
            )
    payer = _payer(m, w, rules) if w.eligibility != Eligibility.no else None
    notes = [_note(n, m.clauses) for n in m.notes]
    for o in rules.overlaps:
        if m.id in o.measures and w.overlap is not None and w.overlap.overlap_id == o.id:
            notes += [_note(n, o.clauses) for n in o.notes]
    for c in rules.caps:
        if m.id in c.measures:
            notes += [_note(n, c.clauses) for n in c.notes]
    return Entitlement(
        measure_id=m.id,
        measure_title=m.title,
        doc_id=m.doc_id,
        event_id=w.event.id,
        event_date=w.event.date.isoformat(),
        planned=w.event.date > as_of,
        eligibility=w.eligibility,
        failure=w.failure,
        missing=w.missing,
        amount=AmountResult(kind=w.kind, value=w.value, before_caps=w.before_caps, ceiling=w.ceiling),
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
            w.say(StepCode.funding, {"excerpt": funding.excerpt, "payer": funding.payer}, funding.clauses)
            return funding.payer
    return None


def _note(note, clauses: list[str]) -> Step:
    """An interpretation note of the rules: its text is the encoder's own Chinese, kept as it is."""
    return Step(code=StepCode.note, values={"text": note.text}, clauses=note.clauses or clauses)
