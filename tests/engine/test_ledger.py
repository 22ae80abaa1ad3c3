"""The record of what has been paid: running sums per ceiling bucket and look-ups by subject, event, product."""

from __future__ import annotations

from decimal import Decimal

from biopolicy.engine.ledger import PaidAward, PaidLedger
from biopolicy.rules.schema import Cap


def _cap(cid: str, scope: str, measures: list[str]) -> Cap:
    return Cap.model_validate(
        {
            "id": cid,
            "label": cid,
            "scope": scope,
            "amount": "1000",
            "measures": measures,
            "clauses": ["x/1"],
            "excerpt": "上限",
        }
    )


def _award(
    measure: str | None, value: str, year: int = 2025, product: str | None = "p1", **extra
) -> PaidAward:
    return PaidAward(
        measure_id=measure,
        programme=extra.get("programme"),
        subject=extra.get("subject", product),
        product_id=product,
        event_id=extra.get("event_id"),
        year=year,
        value=Decimal(value),
        exact=extra.get("exact", True),
    )


def test_a_bucket_holds_the_running_sum_of_the_awards_it_covers_and_no_other():
    per_year = _cap("y", "applicant_year", ["a", "b"])
    per_product = _cap("p", "product", ["a"])
    ledger = PaidLedger([per_year, per_product])
    ledger.add(_award("a", "100", 2025, "p1"))
    ledger.add(_award("b", "50", 2025, "p2"))
    ledger.add(_award("a", "30", 2026, "p1"))
    ledger.add(_award("c", "999", 2025, "p1"))  # under neither ceiling
    assert ledger.taken(per_year, (2025,)) == Decimal(150)
    assert ledger.taken(per_year, (2026,)) == Decimal(30)
    assert ledger.taken(per_product, ("p1",)) == Decimal(130)
    assert ledger.taken(per_product, ("p2",)) == Decimal(0)  # b is not under the product ceiling


def test_a_bucket_with_an_at_most_award_is_not_all_exact():
    cap = _cap("y", "applicant_year", ["a"])
    ledger = PaidLedger([cap])
    ledger.add(_award("a", "100", 2025))
    assert ledger.all_exact(cap, (2025,))
    ledger.add(_award("a", "100", 2025, exact=False))
    assert not ledger.all_exact(cap, (2025,))
    assert ledger.all_exact(cap, (2026,))


def test_look_ups_by_subject_event_product_and_measure_keep_the_order_of_recording():
    ledger = PaidLedger([])
    first = ledger.add(_award("a", "1", product="p1", event_id="e1"))
    ledger.add(_award("b", "2", product="p2", event_id="e2"))
    third = ledger.add(_award(None, "3", product="p1", programme="国家专项"))
    fourth = ledger.add(_award("a", "4", product="p1", event_id="e3"))
    assert ledger.for_event("e1") == [first]
    assert ledger.for_event(None) == []
    assert ledger.for_product("p1") == [first, third, fourth]
    assert ledger.for_measure_product("a", "p1") == [first, fourth]
    assert ledger.for_subject_under("p1", ["a"]) == [first, fourth]
    assert ledger.for_subject_under("p1", ["a"], programmes=True) == [first, third, fourth]
    assert ledger.for_subject_under("p2", ["a"]) == []
