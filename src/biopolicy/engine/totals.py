"""Totals per year (by instalment year) and overall."""

from __future__ import annotations

from decimal import Decimal

from biopolicy.domain.assessment import AmountKind, Eligibility, Entitlement, OverlapResult, YearTotal


def totals(entitlements: list[Entitlement]) -> list[YearTotal]:
    years: dict[int | None, YearTotal] = {}

    def add(year: int | None, e: Entitlement, value: Decimal | None) -> None:
        t = years.setdefault(year, YearTotal(year=year))
        if e.overlap is not None and e.overlap.outcome == OverlapResult.unresolved:
            if e.overlap.overlap_id not in t.unresolved_overlaps:
                t.unresolved_overlaps.append(e.overlap.overlap_id)
        elif e.overlap is not None and e.overlap.outcome in (OverlapResult.lost, OverlapResult.excluded):
            return
        elif e.amount.kind == AmountKind.unknown or value is None:
            t.unknown_measures.append(e.measure_id)
        elif e.amount.kind == AmountKind.at_least:
            t.at_least += value
        else:
            t.max_obtainable += value
            if e.amount.kind in (AmountKind.exact, AmountKind.waiver):
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
