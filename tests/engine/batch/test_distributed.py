"""The population partitioned by organisation gives the whole population's result, in one process and
on a dask.distributed local cluster of two worker processes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.engine.test_properties import AS_OF, CATALOGUE, PROPERTY, RULES, cases

from biopolicy.domain.case import Case
from biopolicy.engine.assess import assess
from biopolicy.engine.batch import compile_rules, evaluate, from_cases
from biopolicy.engine.batch.partition import Summary, split
from biopolicy.engine.batch.synth import generate
from biopolicy.engine.check import check_case
from biopolicy.services.batch_cluster import evaluate_on, evaluate_part, local_client
from biopolicy.services.calculator import get_calculator

COMPILED = compile_rules(RULES, CATALOGUE)


def _whole(pop, rules, catalogue) -> Summary:
    return Summary.of(evaluate(pop, compile_rules(rules, catalogue), lambda c: assess(c, rules, catalogue)))


def _same(a: Summary, b: Summary) -> None:
    assert a.by_measure_year == b.by_measure_year
    assert a.totals == b.totals
    assert np.array_equal(a.max_by_org, b.max_by_org)
    assert (a.events, a.rows, a.fallback_orgs, a.fallback_rows) == (
        b.events,
        b.rows,
        b.fallback_orgs,
        b.fallback_rows,
    )


@PROPERTY
@given(st.lists(cases(), min_size=1, max_size=8), st.integers(1, 5))
def test_parts_of_whole_organisations_add_up_to_the_whole(population, parts):
    typed = [check_case(Case.model_validate(d), RULES, CATALOGUE) for d in population]
    pop = from_cases(typed, CATALOGUE, AS_OF)  # prior awards, fallback organisations, products
    pieces = split(pop, parts)
    assert [lo for lo, _ in pieces] == sorted(lo for lo, _ in pieces)
    assert sum(p.n_orgs for _, p in pieces) == pop.n_orgs
    merged = Summary.merge([evaluate_part(lo, part, RULES, CATALOGUE) for lo, part in pieces])
    _same(merged, _whole(pop, RULES, CATALOGUE))


@pytest.fixture(scope="module")
def client():
    c = local_client(workers=2, processes=True)
    yield c
    c.close()
    c.cluster.close()


def test_a_local_cluster_of_two_workers_gives_the_identical_result(client):
    calc = get_calculator()
    pop = generate(calc.rules, calc.catalogue, seed=5, years=(2024, 2027)).population
    seen = []
    got = evaluate_on(
        client, pop, calc.rules, calc.catalogue, parts=4, progress=lambda d, t: seen.append((d, t))
    )
    assert len(client.scheduler_info()["workers"]) == 2
    _same(got, _whole(pop, calc.rules, calc.catalogue))
    assert got.by_measure_year and sum(v[1] for v in got.by_measure_year.values()) > 0
    assert seen[-1] == (4, 4) and [d for d, _ in seen] == [1, 2, 3, 4]
