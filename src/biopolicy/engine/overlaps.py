"""Declared overlaps between the candidates of one achievement.

``highest_only`` (就高从优不重复): the highest after shared ceilings wins, the others are "lost";
what the other side already paid for the same event is netted. A side with no figure worked out
from facts leaves the overlap "unresolved". ``excludes`` (不重复享受): per subject, the first paid wins.
"""

from __future__ import annotations

from decimal import Decimal

from biopolicy.domain.assessment import AmountKind, Eligibility, OverlapKind, OverlapOutcome, OverlapResult
from biopolicy.domain.money import yuan
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


def _outcome(o: Overlap, w: Work, outcome: OverlapResult, reason: str, side: list[Work] = ()) -> None:
    others = [m for m in o.measures if m != w.measure.id]
    w.overlap = OverlapOutcome(
        overlap_id=o.id,
        kind=o.kind,
        outcome=outcome,
        reason=reason,
        with_measures=others,
        clauses=o.clauses,
        together_with=[x.measure.id for x in side if x is not w],
    )
    w.say(reason, o.clauses)


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


def _side_name(side: list[Work], shown) -> str:
    return " + ".join(f"{w.measure.id}（{shown(w)}）" for w in side)


def _highest_only(o: Overlap, group: list[Work], ledger: PaidLedger) -> None:
    event_id = group[0].event.id if group else None
    before = [p for p in ledger.for_event(event_id) if p.measure_id in o.measures]  # few: one event's
    eligible = [w for w in group if w.eligibility == Eligibility.yes]
    sides = _sides(o, eligible)
    if not group or (len(_sides(o, group)) == 1 and not before):
        if len(sides) == 1 and len(sides[0]) > 1:  # only the measures that add up: say so
            for w in sides[0]:
                _outcome(
                    o, w, OverlapResult.won, f"{o.excerpt}：{_together_text(sides[0])}，相加计算", sides[0]
                )
        return
    open_ = [side for side in sides if any(_open(w) for w in side)]
    if open_ and not _dominated(open_, sides, ledger):
        names = "、".join(_side_name(side, _shown) for side in sides)
        for side in sides:
            for w in side:
                _outcome(
                    o,
                    w,
                    OverlapResult.unresolved,
                    f"{o.excerpt}：{names} 针对同一事项只能取其一，但有一方金额无法算出，两者并列、不相加，待审核时确定",
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
    best_name = " + ".join(w.measure.id for w in best)
    for side in ranked[1:]:
        for w in side:
            _outcome(
                o,
                w,
                OverlapResult.lost,
                f"{o.excerpt}：与 {best_name}（{yuan(best_total)}）就高取其一，本项不计",
                side,
            )
            w.value = Decimal(0)
    already = sum((p.value for p in before), Decimal(0))
    reason = f"{o.excerpt}：同一事项在 {'、'.join(o.measures)} 中取最高，本项最高"
    if len(best) > 1:
        reason = f"{o.excerpt}：同一事项在 {'、'.join(o.measures)} 中取最高，{_together_text(best)}，合计最高"
    pending = [w.measure.id for w in group if w.eligibility == Eligibility.unknown]
    if pending:
        reason += f"（{'、'.join(pending)} 是否适用待补充信息，如适用且更高，以其为准）"
    if already:
        left = already
        for w in best:
            cut = min(w.value, left)
            w.value -= cut
            left -= cut
        net = max(best_total - already, Decimal(0))
        reason += f"；已获 {yuan(already)}，只补差额 {yuan(net)}"
    for w in best:
        _outcome(o, w, OverlapResult.won, reason, best)


def _together_text(side: list[Work]) -> str:
    return f"{'、'.join(w.measure.id for w in side)} 可同时享受"


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
                f"{o.excerpt}：同一事项已享受 {'、'.join(earlier)}，本项不重复享受",
            )


def _shown(w: Work) -> str:
    if w.value is None:
        return "金额无法算出"
    if w.ceiling_only:
        return f"只有上限 {yuan(w.value)}，具体金额无法算出"
    return (
        "不少于" if w.kind == AmountKind.at_least else "最高 " if w.kind == AmountKind.at_most else ""
    ) + yuan(w.value)
