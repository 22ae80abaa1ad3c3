"""What the cost leaves out (``_open_by_year``): an unresolved 就高从优 group whose side is two measures
declared ``together`` counts that side as one, its figures added up, as the batch totals do
(BatchResult.contributions, engine/totals.py); the group's cost is its exact part, so only what the
best side could bring beyond it is left out."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np

from biopolicy.domain.assessment import AmountKind
from biopolicy.engine.batch.compile import K
from biopolicy.engine.batch.run import UNRESOLVED, YES
from biopolicy.services.simulate import _open_by_year

WAN = 10_000 * 1_000_000  # 1万元 in micro-yuan


def _group(rows: list[tuple[int, int, AmountKind | None, int]], together: bool):
    """One unresolved group (overlap 0) on one event of 2024; rows are (measure, side, kind, 万元);
    a kind None is a side without an amount (unknown). ``together``: the batch recorded the sides."""
    n = len(rows)
    kind = np.array([K[k] if k is not None else K[AmountKind.unknown] for _, _, k, _ in rows], dtype=np.int8)
    result = SimpleNamespace(
        kind=kind,
        eligibility=np.full(n, YES, dtype=np.int8),
        has=np.array([k is not None for _, _, k, _ in rows]),
        value=np.array([v * WAN for *_, v in rows], dtype=np.int64),
        event=np.zeros(n, dtype=np.int64),
        outcome=np.full(n, UNRESOLVED, dtype=np.int8),
        overlap_of=np.zeros(n, dtype=np.int64),
        measure=np.array([m for m, *_ in rows], dtype=np.int64),
        side_of=np.array([s for _, s, *_ in rows], dtype=np.int64) if together else None,
    )
    pop = SimpleNamespace(event_day=np.array([dt.date(2024, 5, 1).toordinal()], dtype=np.int64))
    return result, pop


def test_a_together_side_adds_up_before_the_sides_compete():
    # side 1: measures 1 and 2 together, exact 300万 + 400万 = 700万 (the cost counts it);
    # side 3: at most 500万; side 4: no amount, so the group is open. Nothing beyond 700万 is left out.
    rows = [(1, 1, AmountKind.exact, 300), (2, 1, AmountKind.exact, 400)]
    rows += [(3, 3, AmountKind.at_most, 500), (4, 4, None, 0)]
    assert _open_by_year(*_group(rows, together=True)) == {}


def test_the_best_side_beyond_the_together_sides_exact_part_is_left_out():
    # side 1: 100万 + 200万 exact together (300万 sure); side 3: at most 500万; side 4 open:
    # what could add is 500万 - 300万 = 200万 (row by row it was 500万 - 200万 = 300万)
    rows = [(1, 1, AmountKind.exact, 100), (2, 1, AmountKind.exact, 200)]
    rows += [(3, 3, AmountKind.at_most, 500), (4, 4, None, 0)]
    assert _open_by_year(*_group(rows, together=True)) == {2024: 200 * WAN}


def test_without_together_sides_each_measure_is_its_own_side():
    rows = [(1, 1, AmountKind.exact, 100), (2, 2, AmountKind.exact, 200)]
    rows += [(3, 3, AmountKind.at_most, 500), (4, 4, None, 0)]
    assert _open_by_year(*_group(rows, together=False)) == {2024: 300 * WAN}


def test_a_closed_group_leaves_nothing_out():
    rows = [(1, 1, AmountKind.exact, 100), (3, 3, AmountKind.at_most, 500)]
    assert _open_by_year(*_group(rows, together=False)) == {}
