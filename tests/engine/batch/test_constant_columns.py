"""Columns of one value held as read-only broadcasts give the batch engine's answer exactly.

A population file or a database query often holds one value for every row of a column (one event
type, one day, one city, every fact present); the engine then keeps the column as a broadcast and
answers "every row?" from one element, and keeps its own columns of one value (every row eligible,
one kind of amount) the same way. These tests evaluate the same population twice, with real
columns and with every column of one value turned into a broadcast, and compare every row and every
total; and check that rows' figures left for the first read (one ceiling over every row) are those
of the rows read at once, whichever is read first.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from tests.engine import builders
from tests.engine.batch.test_agreement import COMPILED, _batch, per_case
from tests.engine.batch.test_one_rule import AS_OF as ONE_RULE_AS_OF
from tests.engine.batch.test_one_rule import CATALOGUE as ONE_RULE_CATALOGUE
from tests.engine.batch.test_one_rule import COMPILED as ONE_RULE
from tests.engine.batch.test_one_rule import RULES as ONE_RULE_RULES
from tests.engine.batch.test_one_rule import a_case
from tests.engine.test_properties import AS_OF, CATALOGUE, PROPERTY, RULES, cases

from biopolicy.domain.case import Case
from biopolicy.engine.batch import evaluate, from_cases
from biopolicy.engine.batch.compile import MICRO
from biopolicy.engine.batch.groups import constant, one_value
from biopolicy.engine.batch.population import Column
from biopolicy.engine.check import check_case

COLUMNS = (
    "org_kind",
    "org_province",
    "org_city",
    "org_district",
    "event_type",
    "event_day",
    "event_product",
    "event_subject_given",
)


def broadcast(pop):
    """The same population with every column of one value a read-only broadcast."""

    def one(a: np.ndarray) -> np.ndarray:
        if len(a) > 1 and bool((a == a[0]).all()):
            return constant(a[0], len(a), a.dtype)
        return a

    changes = {name: one(getattr(pop, name)) for name in COLUMNS}
    changes["attributes"] = {
        k: Column(c.storage, one(c.values), one(c.present)) for k, c in pop.attributes.items()
    }
    changes["_cache"] = {}
    return dataclasses.replace(pop, **changes)


def rows_and_totals(result) -> tuple[list, np.ndarray, dict]:
    rows = [_batch(result, org)[0] for org in range(result.pop.n_orgs)]
    return rows, result.max_obtainable_by_org(), result.totals()


def assert_same_answer(population: list[dict]) -> None:
    typed = [check_case(Case.model_validate(data), RULES, CATALOGUE) for data in population]
    pop = from_cases(typed, CATALOGUE, AS_OF)
    want = rows_and_totals(evaluate(pop, COMPILED, per_case))
    got = rows_and_totals(evaluate(broadcast(pop), COMPILED, per_case))
    assert got[0] == want[0]
    assert np.array_equal(got[1], want[1])
    assert got[2] == want[2]


def test_a_broadcast_is_one_value_and_cannot_be_written():
    c = constant(7, 4, np.int64)
    assert one_value(c) == 7 and c.tolist() == [7, 7, 7, 7]
    assert one_value(np.array([7, 7, 7, 7])) is None  # a real column is read row by row
    try:
        c[0] = 1
    except ValueError:
        pass
    else:
        raise AssertionError("a broadcast column must be read only")


@PROPERTY
@given(st.lists(cases(), min_size=1, max_size=3))
def test_columns_of_one_value_as_broadcasts_give_the_same_answer(population):
    assert_same_answer(population)


@PROPERTY
@given(st.lists(cases(), min_size=1, max_size=4))
def test_one_event_type_in_broadcast_columns_gives_the_same_answer(population):
    # every event of one type (as a population file of one kind of achievement): the measures of that
    # type read whole columns, and their facts' presence is often one value
    kinds = [e["type"] for case in population for e in case["events"]]
    if not kinds:
        return
    for case in population:
        case["events"] = [e for e in case["events"] if e["type"] == kinds[0]]
    assert_same_answer(population)


@PROPERTY
@given(st.booleans(), st.data())
def test_rows_left_for_the_first_read_are_the_rows_read_at_once(one_year, data):
    population = data.draw(st.lists(a_case(one_year, False), min_size=1, max_size=6))
    typed = [check_case(Case.model_validate(d), ONE_RULE_RULES, ONE_RULE_CATALOGUE) for d in population]
    pop = broadcast(from_cases(typed, ONE_RULE_CATALOGUE, ONE_RULE_AS_OF))
    totals_first = evaluate(pop, ONE_RULE)
    by_org = totals_first.max_obtainable_by_org()  # the totals, before any row is read
    rows_first = evaluate(pop, ONE_RULE)
    rows = rows_first.value.copy()  # the rows, before the totals
    assert np.array_equal(rows_first.max_obtainable_by_org(), by_org)
    assert np.array_equal(totals_first.value, rows)
    # each row's figure adds up to its organisation's total
    assert np.array_equal(
        np.bincount(pop.event_org, weights=rows, minlength=pop.n_orgs).astype(np.int64), by_org
    )


def test_a_ceiling_that_bites_leaves_the_rows_for_the_first_read_and_they_add_up():
    # four phases of 2500万 R&D: 40% is 1000万 each, the phase cap; the enterprise-year cap is 3000万
    events = [
        {
            "id": f"e{i}",
            "type": "clinical_stage_completed",
            "date": f"2025-0{i + 1}-01",
            "product_id": "p1",
            "rd_investment": "25000000",
        }
        for i in range(4)
    ]
    case = check_case(
        Case.model_validate(builders.case(events, []) | {"as_of": ONE_RULE_AS_OF.isoformat()}),
        ONE_RULE_RULES,
        ONE_RULE_CATALOGUE,
    )
    pop = broadcast(from_cases([case], ONE_RULE_CATALOGUE, ONE_RULE_AS_OF))
    result = evaluate(pop, ONE_RULE)
    assert result.max_obtainable_by_org().tolist() == [30_000_000 * MICRO]
    assert result._pending is not None  # the total did not need the rows
    assert result.value.tolist() == [10_000_000 * MICRO] * 3 + [0]  # the fourth phase finds no room
    assert result._pending is None


def test_a_fact_missing_from_every_row_as_a_broadcast_is_missing():
    # the R&D spend given for no project: each figure is the phase cap as a ceiling only, as with a
    # real column of "not given"
    events = [
        {"id": f"e{i}", "type": "clinical_stage_completed", "date": f"2025-0{i + 1}-01", "product_id": "p1"}
        for i in range(3)
    ]
    case = check_case(
        Case.model_validate(builders.case(events, []) | {"as_of": ONE_RULE_AS_OF.isoformat()}),
        ONE_RULE_RULES,
        ONE_RULE_CATALOGUE,
    )
    real = from_cases([case], ONE_RULE_CATALOGUE, ONE_RULE_AS_OF)
    n = real.n_events
    missing = Column("num", constant(0, n, np.int64), constant(False, n, bool))
    shared = dataclasses.replace(broadcast(real), attributes={"rd_investment": missing}, _cache={})
    zeros = Column("num", np.zeros(n, np.int64), np.zeros(n, bool))
    plain = dataclasses.replace(real, attributes={"rd_investment": zeros}, _cache={})
    want, got = evaluate(plain, ONE_RULE), evaluate(shared, ONE_RULE)
    assert rows_and_totals(got)[0] == rows_and_totals(want)[0]
    assert [_batch(got, 0)[0][(f"e{i}", "bench/rd")][1] for i in range(3)] == ["at_most"] * 3
    assert (
        got.max_obtainable_by_org().tolist() == want.max_obtainable_by_org().tolist() == [30_000_000 * MICRO]
    )
