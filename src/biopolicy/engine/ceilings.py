"""Shared ceilings (caps): what an award may still take from each bucket it belongs to.

Awards take from their buckets in date order; a later award is cut to what is left, and the cut is
a step of the trace. The ledger keeps each bucket's running sum, so a look-up is constant time.
"""

from __future__ import annotations

from decimal import Decimal

from biopolicy.domain.assessment import AmountKind
from biopolicy.domain.money import yuan
from biopolicy.engine.judge import Work
from biopolicy.engine.ledger import PaidLedger, bucket_key, cap_covers
from biopolicy.rules.schema import Cap, CapScope


def _buckets(w: Work, ledger: PaidLedger):
    year = w.event.date.year
    for cap in ledger.caps_for(w.measure.id):
        if not cap_covers(cap, w.situation, w.measure.id):
            continue
        key = bucket_key(cap, year, w.event.product_id, w.event.subject_key)
        if key is not None:
            yield cap, key


def peek(w: Work, ledger: PaidLedger) -> Decimal:
    """The value after shared ceilings, without taking from them: for comparing overlapping awards."""
    value = w.value or Decimal(0)
    for cap, key in _buckets(w, ledger):
        value = min(value, max(cap.amount - ledger.taken(cap, key), Decimal(0)))
    return value


def apply_caps(w: Work, ledger: PaidLedger) -> None:
    """Cut the award to what every bucket it belongs to leaves, saying so for each ceiling."""
    year = w.event.date.year
    for cap, key in _buckets(w, ledger):
        taken = ledger.taken(cap, key)
        room = max(cap.amount - taken, Decimal(0))
        scope = _scope_text(cap, year)
        if w.value > room:
            w.say(
                f"{cap.label}：{scope}上限 {yuan(cap.amount)}，此前已计 {yuan(taken)}，本项由 {yuan(w.value)} 核减为 {yuan(room)}",
                cap.clauses,
            )
            w.value = room
            holders = ledger.holders(cap, key)
            if holders:
                w.say(_held_by(holders, taken), cap.clauses)
            if w.kind == AmountKind.exact and not ledger.all_exact(cap, key):
                w.kind = AmountKind.at_most
                w.say("此前已计金额中含“最高可得”，实际余额可能更多，故本项为最高可得", cap.clauses)
        else:
            w.say(f"{cap.label}：{scope}上限 {yuan(cap.amount)}，此前已计 {yuan(taken)}，未超过", cap.clauses)


def _held_by(holders: list, taken: Decimal) -> str:
    """Which awards took the room of a ceiling: the first few by name, then how many more."""
    shown = []
    for p in holders[:3]:
        where = f"已获奖励 {p.paid_on}" if p.prior else f"事件 {p.event_id}"
        shown.append(f"{p.name}（{where}，{yuan(p.value)}）")
    more = f"等{len(holders)}项" if len(holders) > 3 else ""
    return f"此前计入该上限的 {yuan(taken)} 来自：{'、'.join(shown)}{more}"


def _scope_text(cap: Cap, year: int) -> str:
    return {
        CapScope.product: "同一产品",
        CapScope.subject: "同一事项",
        CapScope.subject_year: f"同一事项{year}年",
        CapScope.applicant_year: f"{year}年",
        CapScope.applicant: "累计",
    }[cap.scope]
