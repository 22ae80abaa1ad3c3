"""Totals per year (by instalment year) and overall.

An award counts once: lost and excluded sides of an overlap add nothing. An unresolved 就高从优
overlap pays one of its sides (a side is one measure, or the measures declared ``together``), so
the group adds what one side can bring, not nothing and not the sum:
- its maximum is the highest maximum among the sides; if a side has no maximum at all (an unknown
  amount, or only a floor), the group has none either: it adds the highest figure every side is
  sure to reach — its guaranteed part to ``exact`` and ``max_obtainable``, the rest of its highest
  floor to ``at_least`` — and the measure without a number is named in ``unknown_measures``;
- its guaranteed part (``exact``) is the highest exact figure among the sides: whichever side the
  review settles on, the applicant gets at least that (就高).
Each measure whose amount cannot be given appears once in ``unknown_measures``.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from biopolicy.domain.assessment import AmountKind, Eligibility, Entitlement, OverlapResult, YearTotal

EXACT = (AmountKind.exact, AmountKind.waiver)


def totals(entitlements: list[Entitlement]) -> list[YearTotal]:
    # year (None: overall) -> the parts counted, and the unresolved groups' sides
    plain: dict[int | None, list[tuple[Entitlement, Decimal | None]]] = defaultdict(list)
    groups: dict[int | None, dict[tuple, dict[frozenset, list]]] = defaultdict(lambda: defaultdict(dict))
    for e in entitlements:
        if e.eligibility != Eligibility.yes:
            continue
        if e.overlap is not None and e.overlap.outcome in (OverlapResult.lost, OverlapResult.excluded):
            continue
        parts = [(i.year, i.amount) for i in e.instalments] or [(int(e.event_date[:4]), e.amount.value)]
        parts.append((None, e.amount.value))
        for year, value in parts:
            if e.overlap is not None and e.overlap.outcome == OverlapResult.unresolved:
                side = frozenset([e.measure_id, *e.overlap.together_with])
                key = (e.overlap.overlap_id, e.event_id)
                groups[year][key].setdefault(side, []).append((e, value))
            else:
                plain[year].append((e, value))
    out: dict[int | None, YearTotal] = {}
    for year in set(plain) | set(groups) | {None}:
        t = out[year] = YearTotal(year=year)
        for e, value in plain[year]:
            _add(t, e, value)
        for (overlap_id, _event), sides in groups[year].items():
            if overlap_id not in t.unresolved_overlaps:
                t.unresolved_overlaps.append(overlap_id)
            _add_group(t, list(sides.values()))
    overall = out.pop(None)
    return [out[y] for y in sorted(out)] + [overall]


def _unknown(t: YearTotal, measure_id: str) -> None:
    if measure_id not in t.unknown_measures:
        t.unknown_measures.append(measure_id)


def _add(t: YearTotal, e: Entitlement, value: Decimal | None) -> None:
    if e.amount.kind == AmountKind.unknown or value is None:
        _unknown(t, e.measure_id)
    elif e.amount.kind == AmountKind.at_least:
        t.at_least += value
    else:
        t.max_obtainable += value
        if e.amount.kind in EXACT:
            t.exact += value


def _add_group(t: YearTotal, sides: list[list[tuple[Entitlement, Decimal | None]]]) -> None:
    """One unresolved 就高从优 group: the applicant gets one side (see the module's docstring)."""
    maxima: list[Decimal | None] = []
    sure: list[Decimal] = []  # what each side guarantees: its exact figures
    floors: list[Decimal] = []  # what each side reaches at least: exact figures and floors
    for side in sides:
        top, exact, floor = Decimal(0), Decimal(0), Decimal(0)
        for e, value in side:
            if e.amount.kind == AmountKind.unknown or value is None:
                top = None
                _unknown(t, e.measure_id)
                continue
            if e.amount.kind == AmountKind.at_least:
                top = None
                floor += value
                continue
            if top is not None:
                top += value
            if e.amount.kind in EXACT:
                exact += value
                floor += value
        maxima.append(top)
        sure.append(exact)
        floors.append(floor)
    guaranteed = max(sure, default=Decimal(0))
    t.exact += guaranteed
    if all(m is not None for m in maxima):
        t.max_obtainable += max(maxima, default=Decimal(0))
    else:
        t.max_obtainable += guaranteed
        t.at_least += max(max(floors, default=Decimal(0)) - guaranteed, Decimal(0))
