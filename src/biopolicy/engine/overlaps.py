"""Declared overlaps between the candidates of one achievement.

``highest_only`` (就高从优不重复): the highest after shared ceilings wins, the others are "lost";
what the other side already paid for the same event is netted. A side with no figure worked out
from facts leaves the overlap "unresolved". ``excludes`` (不重复享受): per subject, the first paid wins.
"""

from __future__ import annotations

from decimal import Decimal

from biopolicy.domain.assessment import (
    AmountKind,
    Eligibility,
    OverlapKind,
    OverlapOutcome,
    OverlapResult,
    StepCode,
)
from biopolicy.domain.money import decimal_str
from biopolicy.engine.ceilings import peek
from biopolicy.engine.judge import Work
from biopolicy.engine.ledger import PaidLedger
from biopolicy.rules.schema import Overlap, RuleSet


def resolve_overlaps(batch: list[Work], ledger: PaidLedger, rules: RuleSet) -> None:
    """Settle every declared overlap among the candidates ``batch`` of one event."""
    for o in rules.overlaps:
        group = [w for w in batch if w.measure.id in o.measures and w.eligibility != Eligibility.no]
        if o.kind == OverlapKind.highest_only:
            _highest_only(o, group, ledger)
        else:
            _excludes(o, group, ledger)


def _outcome(
    o: Overlap, w: Work, outcome: OverlapResult, code: StepCode, values: dict, side: list[Work] = ()
) -> None:
    """Settle one side: the outcome, and the step that says why (worded into ``reason`` by services)."""
    others = [m for m in o.measures if m != w.measure.id]
    w.overlap = OverlapOutcome(
        overlap_id=o.id,
        kind=o.kind,
        outcome=outcome,
        with_measures=others,
        clauses=o.clauses,
        together_with=[x.measure.id for x in side if x is not w],
    )
    w.say(code, {"overlap_id": o.id, "excerpt": o.excerpt, **values}, o.clauses)


def _sides(o: Overlap, works: list[Work]) -> list[list[Work]]:
    """The sides compared: each ``together`` group present is one side, every other measure its own."""
    sides: list[list[Work]] = []
    placed: set[str] = set()
    for w in works:
        if w.measure.id in placed:
            continue
        group = next((g for g in o.together if w.measure.id in g), [w.measure.id])
        side = sorted(
            (x for x in works if x.measure.id in group), key=lambda x: o.measures.index(x.measure.id)
        )
        placed.update(x.measure.id for x in side)
        sides.append(side)
    return sides


def _open(w: Work) -> bool:
    """A side whose amount is only a ceiling the text states (no figure from facts) cannot be ranked."""
    return w.value is None or w.kind == AmountKind.at_least or w.ceiling_only


def _side(side: list[Work]) -> list[dict]:
    """A side as the step records it: each measure with what is known of its amount."""
    return [
        {
            "measure_id": w.measure.id,
            "kind": w.kind.value,
            "value": None if w.value is None else decimal_str(w.value),
            "ceiling_only": w.ceiling_only,
        }
        for w in side
    ]


def _highest_only(o: Overlap, group: list[Work], ledger: PaidLedger) -> None:
    event_id = group[0].event.id if group else None
    before = [p for p in ledger.for_event(event_id) if p.measure_id in o.measures]  # few: one event's
    eligible = [w for w in group if w.eligibility == Eligibility.yes]
    sides = _sides(o, eligible)
    if not group or (len(_sides(o, group)) == 1 and not before):
        if len(sides) == 1 and len(sides[0]) > 1:  # only the measures that add up: say so
            for w in sides[0]:
                _outcome(
                    o,
                    w,
                    OverlapResult.won,
                    StepCode.overlap_together,
                    {"measures": [x.measure.id for x in sides[0]]},
                    sides[0],
                )
        return
    open_ = [side for side in sides if any(_open(w) for w in side)]
    if open_ and not _dominated(open_, sides, ledger):
        shown = [_side(side) for side in sides]
        for side in sides:
            for w in side:
                _outcome(
                    o,
                    w,
                    OverlapResult.unresolved,
                    StepCode.overlap_unresolved,
                    {"sides": shown},
                    side,
                )
        return
    if not sides:
        return

    # ties go to a figure worked out from facts over a stated ceiling, then to the order declared
    def rank(side: list[Work]) -> tuple:
        total = sum((peek(w, ledger) for w in side), Decimal(0))
        return (-total, any(w.ceiling_only for w in side), min(o.measures.index(w.measure.id) for w in side))

    ranked = sorted(sides, key=rank)
    best = ranked[0]
    best_total = sum((peek(w, ledger) for w in best), Decimal(0))
    best_ids = [w.measure.id for w in best]
    for side in ranked[1:]:
        for w in side:
            _outcome(
                o,
                w,
                OverlapResult.lost,
                StepCode.overlap_lost,
                {"best": best_ids, "best_total": decimal_str(best_total)},
                side,
            )
            w.value = Decimal(0)
    already = sum((p.value for p in before), Decimal(0))
    values: dict = {
        "measures": list(o.measures),
        "together": best_ids if len(best) > 1 else [],
        "pending": [w.measure.id for w in group if w.eligibility == Eligibility.unknown],
        "already": None,
        "net": None,
    }
    if already:
        left = already
        for w in best:
            cut = min(w.value, left)
            w.value -= cut
            left -= cut
        net = max(best_total - already, Decimal(0))
        values.update(already=decimal_str(already), net=decimal_str(net))
    for w in best:
        _outcome(o, w, OverlapResult.won, StepCode.overlap_won, values, best)


def _dominated(open_: list[list[Work]], sides: list[list[Work]], ledger: PaidLedger) -> bool:
    """Whether an exact side is at least every open side's ceiling, so it is the highest for sure.

    Open sides state only a ceiling; an exact figure that reaches every such ceiling wins however
    the open sides are settled (国家/省 最高600万元 against 厦门 1000万元).
    """
    if any(w.value is None or w.kind == AmountKind.at_least for side in open_ for w in side):
        return False
    exact = [
        sum((peek(w, ledger) for w in side), Decimal(0))
        for side in sides
        if side not in open_ and all(w.kind == AmountKind.exact for w in side)
    ]
    ceilings = [sum((w.value for w in side), Decimal(0)) for side in open_]
    return bool(exact) and max(exact) >= max(ceilings)


def _excludes(o: Overlap, group: list[Work], ledger: PaidLedger) -> None:
    for i, w in enumerate(group):
        others = [m for m in o.measures if m != w.measure.id]
        earlier = [p.measure_id for p in ledger.for_subject_under(w.event.subject_key, others)]
        earlier += [g.measure.id for g in group[:i] if g.pays and g.measure.id != w.measure.id]
        if earlier:
            if w.value is not None:  # an amount that cannot be worked out stays without a number
                w.value = Decimal(0)
            _outcome(
                o,
                w,
                OverlapResult.excluded,
                StepCode.overlap_excluded,
                {"earlier": earlier},
            )
