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


def _outcome(o: Overlap, w: Work, outcome: OverlapResult, reason: str) -> None:
    others = [m for m in o.measures if m != w.measure.id]
    w.overlap = OverlapOutcome(
        overlap_id=o.id,
        kind=o.kind,
        outcome=outcome,
        reason=reason,
        with_measures=others,
        clauses=o.clauses,
    )
    w.say(reason, o.clauses)


def _highest_only(o: Overlap, group: list[Work], ledger: PaidLedger) -> None:
    event_id = group[0].event.id if group else None
    before = [p for p in ledger.for_event(event_id) if p.measure_id in o.measures]  # few: one event's
    if not group or (len(group) == 1 and not before):
        return
    eligible = [w for w in group if w.eligibility == Eligibility.yes]
    # a side whose amount is only a ceiling the text states (no figure from facts) cannot be ranked
    open_ = [w for w in eligible if w.value is None or w.kind == AmountKind.at_least or w.ceiling_only]
    if open_ and not _dominated(open_, eligible, ledger):
        names = "、".join(f"{w.measure.id}（{_shown(w)}）" for w in eligible)
        for w in eligible:
            _outcome(
                o,
                w,
                OverlapResult.unresolved,
                f"{o.excerpt}：{names} 针对同一事项只能取其一，但有一方金额无法算出，两者并列、不相加，待审核时确定",
            )
        return
    # ties go to a figure worked out from facts over a stated ceiling, then to the order declared
    ranked = sorted(
        eligible, key=lambda w: (-peek(w, ledger), w.ceiling_only, o.measures.index(w.measure.id))
    )
    if not ranked:
        return
    best = ranked[0]
    for w in ranked[1:]:
        _outcome(
            o,
            w,
            OverlapResult.lost,
            f"{o.excerpt}：与 {best.measure.id}（{yuan(peek(best, ledger))}）就高取其一，本项不计",
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
    _outcome(o, best, OverlapResult.won, reason)


def _dominated(open_: list[Work], eligible: list[Work], ledger: PaidLedger) -> bool:
    """Whether an exact award is at least every open side's ceiling, so it is the highest for sure.

    Open sides state only a ceiling; an exact figure that reaches every such ceiling wins however
    the open sides are settled (国家/省 最高600万元 against 厦门 1000万元).
    """
    if any(w.value is None or w.kind == AmountKind.at_least for w in open_):
        return False
    exact = [peek(w, ledger) for w in eligible if w.kind == AmountKind.exact and w not in open_]
    return bool(exact) and max(exact) >= max(w.value for w in open_)


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
