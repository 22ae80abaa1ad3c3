"""Shared ceilings (caps): what an award may still take from each bucket it belongs to.

Awards take from their buckets in date order; a later award is cut to what is left, and the cut is
a step of the trace. The ledger keeps each bucket's running sum, so a look-up is constant time.
"""

from __future__ import annotations

from decimal import Decimal

from biopolicy.domain.assessment import AmountKind, StepCode
from biopolicy.domain.money import decimal_str
from biopolicy.engine.judge import Work
from biopolicy.engine.ledger import PaidLedger, bucket_key, cap_covers


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
        values = {
            "cap_id": cap.id,
            "label": cap.label,
            "scope": cap.scope.value,
            "year": year,
            "amount": decimal_str(cap.amount),
            "taken": decimal_str(taken),
        }
        if w.value > room:
            w.say(
                StepCode.cap_cut,
                {**values, "from": decimal_str(w.value), "to": decimal_str(room)},
                cap.clauses,
            )
            w.value = room
            holders = ledger.holders(cap, key)
            if holders:
                w.say(StepCode.cap_held_by, {"taken": decimal_str(taken), **_held_by(holders)}, cap.clauses)
            if w.kind == AmountKind.exact and not ledger.all_exact(cap, key):
                w.kind = AmountKind.at_most
                w.say(StepCode.cap_at_most, {}, cap.clauses)
        else:
            w.say(StepCode.cap_ok, values, cap.clauses)


def _held_by(holders: list) -> dict:
    """Which awards took the room of a ceiling: the first few, then how many there are in all."""
    shown = [
        {
            "measure_id": p.measure_id,
            "programme": p.programme,
            "prior": p.prior,
            "paid_on": p.paid_on.isoformat() if p.paid_on else None,
            "event_id": p.event_id,
            "value": decimal_str(p.value),
        }
        for p in holders[:3]
    ]
    return {"holders": shown, "count": len(holders)}
